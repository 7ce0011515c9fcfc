// Must not compile: a shell event on a session channel, a session handler on a shell channel,
// a hand-written channel name.
import { ChannelClient } from '../../../src/index.js';
import {
  Channels, type ChannelFamilies, type SessionServerEvent, type ShellInputEvent,
} from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;
declare const input: ShellInputEvent;
declare const onSession: (event: SessionServerEvent) => void;

// @expect-error TS2345 Argument of type 'ShellInputEvent' is not assignable to parameter of type 'SessionClientEvent'.
client.send(Channels.session('abc123'), input);

// @expect-error TS2345 Argument of type '(event: SessionServerEvent) => void' is not assignable to parameter of type '(event: ShellServerEvent
client.on(Channels.shell('t1'), onSession);

// @expect-error TS2345 Argument of type '"session-123"' is not assignable to parameter of type '"global" | `session:${string}` | `shell:${string}`'.
client.on('session-123', () => {});
