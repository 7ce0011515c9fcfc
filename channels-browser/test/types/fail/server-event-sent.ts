// Must not compile: stream_output is sent by servers only.
import { ChannelClient } from '../../../src/index.js';
import {
  Channels, SessionEventTypes, type ChannelFamilies, type SessionStreamOutputEvent,
} from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;
declare const output: SessionStreamOutputEvent;

// @expect-error TS2345 Argument of type 'SessionStreamOutputEvent' is not assignable to parameter of type 'SessionClientEvent'.
client.send(Channels.session('abc123'), output);

client.send(Channels.session('abc123'), {
  // @expect-error TS2322 Type '"stream_output"' is not assignable to type '"send_message" | "typing_indicator"'.
  type: SessionEventTypes.STREAM_OUTPUT,
  data: { sessionId: 'abc123', message: 'x', timestamp: 1 },
});
