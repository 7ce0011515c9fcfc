// Must not compile: the switch forgets message_complete, so the never check fails.
import { ChannelClient } from '../../../src/index.js';
import { Channels, SessionEventTypes, type ChannelFamilies } from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;

client.on(Channels.session('abc123'), (event) => {
  switch (event.type) {
    case SessionEventTypes.STREAM_OUTPUT:
    case SessionEventTypes.PROGRESS_UPDATE:
    case SessionEventTypes.ERROR:
    case SessionEventTypes.SUBSCRIBE_SUCCESS:
    case SessionEventTypes.TYPING_INDICATOR:
      break;
    default: {
      // @expect-error TS2322 Type 'SessionMessageCompleteEvent' is not assignable to type 'never'.
      const exhaustive: never = event;
      void exhaustive;
    }
  }
});
