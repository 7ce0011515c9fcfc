package io.github.jchannels.core;

/**
 * Marks an event that clients may send to the server (client→server on the wire). A
 * server accepts from clients only the types that implement this interface; anything
 * else is answered with {@code unknown_type}.
 */
public interface ClientEvent extends Event {}
