// The TypeScript half of TypeRoundTripTest, compiled with the demo page against the types
// generated from the Java families. Reads frames the Java codec encoded (one per server
// event type), checks that the generated guard accepts each and narrows it; then sends one
// event of every client type through the package's ChannelClient and prints the frames.
// Output: "ACCEPT <channel> <type> <summary>", "REFUSE <reason>" and "SENT <frame>" lines.
import { ChannelClient, type WebSocketLike } from '@jchannels/channels-browser';
import {
  Channels, GlobalEventTypes, SessionEventTypes, ShellEventTypes, WorkflowEventTypes,
  isGlobalServerEvent, isSessionServerEvent, isShellServerEvent, isWorkflowServerEvent,
  isWebSocketMessage, serverMessageProblem,
  type ChannelFamilies, type FamilyName, type GlobalServerEvent, type SessionServerEvent,
  type ShellServerEvent, type WorkflowServerEvent,
} from './generated/index.js';

declare const process: { argv: string[] };

function summary(event: GlobalServerEvent | SessionServerEvent | ShellServerEvent | WorkflowServerEvent,
  family: FamilyName): string {
  // One exhaustive switch per family: the data is narrowed to each record's fields.
  if (family === 'global' && isGlobalServerEvent(event)) {
    switch (event.type) {
      case GlobalEventTypes.CONNECTED: return `${event.data.clientId}/${event.data.heartbeatIntervalMs}`;
      case GlobalEventTypes.SUBSCRIPTION_SUCCESS: return event.data.channel;
      case GlobalEventTypes.SUBSCRIPTION_ERROR: return `${event.data.channel}/${event.data.error}`;
      case GlobalEventTypes.UNSUBSCRIBED: return event.data.channel;
      case GlobalEventTypes.PONG: return String(event.data.timestamp);
      case GlobalEventTypes.ERROR: return `${event.data.error}/${event.data.channel ?? '-'}`;
      default: { const missing: never = event; return missing; }
    }
  }
  if (family === 'session' && isSessionServerEvent(event)) {
    switch (event.type) {
      case SessionEventTypes.STREAM_OUTPUT: return event.data.message;
      case SessionEventTypes.MESSAGE_COMPLETE: return event.data.messageId;
      case SessionEventTypes.ERROR: return event.data.error;
      case SessionEventTypes.SUBSCRIBE_SUCCESS: return event.data.sessionId;
      case SessionEventTypes.PROGRESS_UPDATE: return `${event.data.progress}/${event.data.total}/${event.data.message ?? '-'}`;
      case SessionEventTypes.TYPING_INDICATOR: return `${event.data.userName}/${event.data.isTyping}`;
      default: { const missing: never = event; return missing; }
    }
  }
  if (family === 'shell' && isShellServerEvent(event)) {
    switch (event.type) {
      case ShellEventTypes.INIT: return `${event.data.shellId ?? '-'}/${event.data.cols}x${event.data.rows}`;
      case ShellEventTypes.OUTPUT: return event.data.data;
      case ShellEventTypes.EXIT: return String(event.data.exitCode);
      case ShellEventTypes.ERROR: return event.data.error;
      default: { const missing: never = event; return missing; }
    }
  }
  if (family === 'workflow' && isWorkflowServerEvent(event)) {
    switch (event.type) {
      case WorkflowEventTypes.STEP_STARTED: return `${event.data.step}/${event.data.index}/${event.data.total}`;
      case WorkflowEventTypes.STEP_COMPLETED: return `${event.data.step}/${event.data.ok}/${event.data.output ?? '-'}`;
      case WorkflowEventTypes.RUN_FINISHED: return event.data.status;
      default: { const missing: never = event; return missing; }
    }
  }
  throw new Error(`not narrowed: ${family} ${event.type}`);
}

/** One event of every client type, per family: the mapped type makes the list complete. */
type Samples = {
  [F in FamilyName]: { [T in ChannelFamilies[F]['client']['type']]: Extract<ChannelFamilies[F]['client'], { type: T }> };
};
const samples: Samples = {
  global: {
    subscribe: { type: GlobalEventTypes.SUBSCRIBE, data: { channel: 'session:s1' } },
    unsubscribe: { type: GlobalEventTypes.UNSUBSCRIBE, data: { channel: 'session:s1' } },
    ping: { type: GlobalEventTypes.PING, data: { timestamp: 1700000000000 } },
  },
  session: {
    send_message: { type: SessionEventTypes.SEND_MESSAGE, data: { message: 'hello', sessionId: 's1', timestamp: 5 } },
    typing_indicator: {
      type: SessionEventTypes.TYPING_INDICATOR,
      data: { sessionId: 's1', userId: 'u1', userName: 'Ann', isTyping: true },
    },
  },
  shell: {
    init: { type: ShellEventTypes.INIT, data: { cols: 80, rows: 24 } },
    input: { type: ShellEventTypes.INPUT, data: { data: 'ls\n' } },
    resize: { type: ShellEventTypes.RESIZE, data: { cols: 100, rows: 30 } },
  },
  workflow: {
    cancel_run: { type: WorkflowEventTypes.CANCEL_RUN, data: { reason: 'enough' } },
  },
};

async function main(): Promise<void> {
  const { readFileSync } = await import('node:fs' as string) as { readFileSync(p: string, e: string): string };
  const frames = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as string[];
  for (const text of frames) {
    const frame: unknown = JSON.parse(text);
    if (!isWebSocketMessage(frame)) throw new Error(`not an envelope: ${text}`);
    const problem = serverMessageProblem(frame);
    if (problem !== null) {
      console.log(`REFUSE ${frame.channel} ${frame.type} ${problem}`);
      continue;
    }
    const family = (frame.channel.split(':')[0] ?? '') as FamilyName;
    console.log(`ACCEPT ${frame.channel} ${frame.type} ${summary(frame as never, family)}`);
  }

  const sent: string[] = [];
  let socket: WebSocketLike | null = null;
  const client = new ChannelClient<ChannelFamilies>('ws://127.0.0.1:1/ws', {
    webSocket: () => {
      socket = { send: (t) => sent.push(t), close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
      return socket;
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  void client.connect();
  const ws = socket as WebSocketLike | null;
  if (ws === null) throw new Error('no socket');
  ws.onopen?.({});
  ws.onmessage?.({ data: JSON.stringify({ channel: 'global', type: 'connected', data: { clientId: 'c1', serverTime: 0, heartbeatIntervalMs: 30000 } }) });
  for (const e of Object.values(samples.global)) client.send(Channels.global(), e);
  for (const e of Object.values(samples.session)) client.send(Channels.session('s1'), e);
  for (const e of Object.values(samples.shell)) client.send(Channels.shell('t1'), e);
  for (const e of Object.values(samples.workflow)) client.send(Channels.workflow('run:1'), e);
  for (const t of sent) console.log(`SENT ${t}`);
  client.close();
}

main().catch((e: unknown) => { console.log(`ERROR ${String(e)}`); throw e; });
