package io.github.jchannels.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The wire name ({@code type} field) of an event record: the one place it is written.
 * It must match {@code [a-z][a-z0-9_.]{0,63}}, be unique within its family, and must
 * not be {@code reply}, which is reserved in every family.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface WireType {
  /** The wire name, e.g. {@code "stream_output"}. */
  String value();
}
