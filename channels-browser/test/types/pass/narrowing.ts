// Must compile: every case handled, events narrowed per family, client events sent.
import { ChannelClient } from '../../../src/index.js';
import {
  Channels, GlobalEventTypes, SessionEventTypes, ShellEventTypes, resolveChannel,
  type ChannelFamilies,
} from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;

client.on(Channels.session('abc123'), (event, meta) => {
  const channel: `session:${string}` = meta.channel;
  switch (event.type) {
    case SessionEventTypes.STREAM_OUTPUT: {
      const text: string = event.data.message;
      const at: number = event.data.timestamp;
      void [channel, text, at];
      break;
    }
    case SessionEventTypes.PROGRESS_UPDATE: {
      const note: string | undefined = event.data.message; // @Nullable: optional
      void note;
      break;
    }
    case SessionEventTypes.MESSAGE_COMPLETE:
      void event.data.messageId;
      break;
    case SessionEventTypes.ERROR:
      void event.data.error;
      break;
    case SessionEventTypes.SUBSCRIBE_SUCCESS:
      void event.data.sessionId;
      break;
    case SessionEventTypes.TYPING_INDICATOR: {
      const typing: boolean = event.data.isTyping;
      void typing;
      break;
    }
    default: {
      const exhaustive: never = event;
      void exhaustive;
    }
  }
});

client.on(Channels.global(), (event) => {
  if (event.type === GlobalEventTypes.SUBSCRIPTION_ERROR) void event.data.error;
});

client.on(Channels.shell('t1'), (event) => {
  if (event.type === ShellEventTypes.OUTPUT) void event.data.data;
  if (event.type === ShellEventTypes.EXIT) void event.data.exitCode;
});

client.send(Channels.session('abc123'), {
  type: SessionEventTypes.SEND_MESSAGE,
  data: { message: 'hello' }, // sessionId and timestamp are @Nullable: may be left out
});
client.send(Channels.session('abc123'), {
  type: SessionEventTypes.TYPING_INDICATOR,
  data: { sessionId: 'abc123', userId: 'u1', userName: 'Ann', isTyping: true },
});
client.send(Channels.shell('t1'), { type: ShellEventTypes.INPUT, data: { data: 'ls\n' } });
void client.request(Channels.session('abc123'), {
  type: SessionEventTypes.SEND_MESSAGE, data: { message: 'hi', timestamp: 1 },
});

// untrusted text resolves to a typed channel
const resolved = resolveChannel('session:abc123');
if (resolved.known && resolved.family === 'session') {
  client.on(resolved.channel, (event) => void event.type);
}
