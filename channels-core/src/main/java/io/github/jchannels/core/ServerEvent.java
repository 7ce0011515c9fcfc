package io.github.jchannels.core;

/** Marks an event that a server sends to clients (server→client on the wire). */
public interface ServerEvent extends Event {}
