package io.github.jchannels.core;

import java.util.regex.Pattern;

/** Syntax rules of PROTOCOL.md sections 2 and 3, in one place. */
final class Names {
  static final String TYPE_PATTERN = "[a-z][a-z0-9_.]{0,63}";
  static final String RESOURCE_PATTERN = "[a-z][a-z0-9_-]{0,31}";
  static final String SEGMENT_PATTERN = "[A-Za-z0-9_.@-]{1,128}";
  static final String REPLY = "reply";
  static final int MAX_CHANNEL_LENGTH = 256;
  static final int MAX_REF_LENGTH = 64;

  private static final Pattern TYPE = Pattern.compile(TYPE_PATTERN);
  private static final Pattern RESOURCE = Pattern.compile(RESOURCE_PATTERN);
  private static final Pattern SEGMENT = Pattern.compile(SEGMENT_PATTERN);

  private Names() {}

  static boolean isValidType(String s) {
    return TYPE.matcher(s).matches();
  }

  static boolean isValidResource(String s) {
    return RESOURCE.matcher(s).matches();
  }

  static boolean isValidSegment(String s) {
    return SEGMENT.matcher(s).matches();
  }

  static boolean isValidRef(String s) {
    return !s.isEmpty() && s.length() <= MAX_REF_LENGTH;
  }
}
