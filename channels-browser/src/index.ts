// @jchannels/channels-browser: the browser client of the channels protocol, typed by the
// families that channels-typescript generates from the Java event records.
export {
  ChannelClient, ChannelError, DEFAULTS,
  type ActiveSubscription, type ClientError, type ClientOptions, type Logger, type Subscription,
  type WebSocketFactory, type WebSocketLike,
} from './client.js';
export {
  CloseReasons, ConnectionStates, CONNECT_TIMEOUT, HEARTBEAT_TIMEOUT, UNLIMITED, reconnectDelay,
  type CloseReason, type ConnectionState,
} from './state.js';
export {
  ClientMetrics, MessageLog, type Direction, type LogEntry, type MetricsSnapshot,
} from './debug.js';
export { readPosition, type StreamPosition, type Subscribed } from './recovery.js';
export {
  Presence, list, syncDiff, syncState,
  type OnJoin, type OnLeave, type PresenceDiff, type PresenceEntry, type PresenceHost,
  type PresenceMeta, type PresenceState,
} from './presence.js';
export type {
  ChannelOf, ClientEventOn, EventShape, FamilyEntry, FamilyMap, FamilyOf, MessageMeta,
  ServerEventOn, UntypedFamilies, WireMessage,
} from './families.js';
