package io.github.jchannels.typescript;

/**
 * A family cannot be turned into TypeScript: a record component of a type with no JSON
 * mapping, or two generated names that collide. The message names the component, as in
 * {@code WorkflowEvent.StepStarted.when (java.time.Instant)}; {@link #component()} returns it.
 */
public final class TypeMappingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String component;

  /** A failure at {@code component} (a path such as {@code WorkflowEvent.StepStarted.when}). */
  public TypeMappingException(String component, String message) {
    super(component + ": " + message);
    this.component = component;
  }

  /** The record component (or generated name) the failure is about. */
  public String component() {
    return component;
  }
}
