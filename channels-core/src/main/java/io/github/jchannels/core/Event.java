package io.github.jchannels.core;

/**
 * Root of every event. An application never implements this directly: it declares a
 * family as a {@code sealed interface} extending {@code Event} whose permitted records
 * implement {@link ServerEvent}, {@link ClientEvent} or both, and carry a {@link WireType}.
 *
 * <pre>{@code
 * public sealed interface WorkflowEvent extends Event {
 *   @WireType("step_done") record StepDone(String step) implements WorkflowEvent, ServerEvent {}
 *   @WireType("cancel")    record Cancel() implements WorkflowEvent, ClientEvent {}
 * }
 * }</pre>
 */
public interface Event {}
