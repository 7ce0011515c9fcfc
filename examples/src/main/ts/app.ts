// app.ts: the demo page. The protocol client is the @jchannels/channels-browser package; the
// event types, channel builders and guards are generated from the Java families by
// channels-typescript in the examples build (./generated). The page wires them to a status
// banner, a streaming session chat, a devtools panel and a terminal (shell endpoint).
import {
  ChannelClient, ChannelError, CloseReasons, ConnectionStates, type ConnectionState,
} from '@jchannels/channels-browser';
import {
  Channels, GlobalEventTypes, SessionEventTypes, serverMessageProblem, type ChannelFamilies,
} from './generated/index.js';
import { mountDevtools } from './devtools.js';
import { mountPresence } from './presence.js';
import { mountTerminal } from './terminal.js';

/** The page's client: typed by every family the demo's server speaks. */
export type Client = ChannelClient<ChannelFamilies>;

/** `/config.json`: where the sockets are (one origin or a separate WebSocket port). */
interface DemoConfig {
  wsUrl?: string;
  wsPort?: number;
  wsPath: string;
  shellPath?: string | null;
  heartbeatIntervalMs?: number;
  sessionId?: string;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
$('script-missing')?.remove();

// ---- token: ?token=... (the URL the demo prints), remembered for this tab ----------
const token = params.get('token') ?? sessionStorage.getItem('channels.token');
if (params.has('token')) {
  sessionStorage.setItem('channels.token', token ?? '');
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
}

const config = await fetch('/config.json').then((r) => r.json() as Promise<DemoConfig>);
const wsScheme = location.protocol === 'https:' ? 'wss' : 'ws';
/** The WebSocket URL of `path`: from `wsUrl`, else `wsPort` on this host, else this origin. */
const endpoint = (path: string): string => {
  if (config.wsUrl) return new URL(path, config.wsUrl.replace(/^http/, 'ws')).toString();
  const host = config.wsPort ? `${location.hostname}:${config.wsPort}` : location.host;
  return `${wsScheme}://${host}${path}`;
};

/** This tab's display name: the server's presence hook puts it in `meta.name`. */
const userName = sessionStorage.getItem('channels.user') ?? `tab-${Math.random().toString(36).slice(2, 6)}`;
sessionStorage.setItem('channels.user', userName);

if (!token) {
  showTokenForm();
} else {
  start(token);
}

function showTokenForm(): void {
  const form = $<HTMLFormElement>('token-form');
  if (!form.hidden) return;
  form.hidden = false;
  $('token-input').focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('channels.token', $<HTMLInputElement>('token-input').value.trim());
    location.reload();
  });
}

function start(token: string): void {
  const wsUrl = new URL(endpoint(config.wsPath));
  wsUrl.searchParams.set('name', userName); // the demo's authenticator takes it as the principal
  const client: Client = new ChannelClient<ChannelFamilies>(wsUrl.toString(), {
    token,
    guard: serverMessageProblem,
    firstPingDelayMs: 1000, // a latency sample for the banner soon, then one per interval
    ...(config.heartbeatIntervalMs ? { heartbeatIntervalMs: config.heartbeatIntervalMs } : {}),
  });
  // For the browser console, as in the seed app: window.__WS_METRICS__.snapshot()
  const w = window as unknown as Record<string, unknown>;
  w.__WS_METRICS__ = client.metrics;
  w.__CHANNELS__ = { client, userName };

  mountBanner(client);
  // Refused credentials (1008) are final: offer to enter another token.
  client.addStateListener((s) => {
    if (s.state === ConnectionStates.CLOSED && s.reason === CloseReasons.UNAUTHORIZED) showTokenForm();
  });
  mountChat(client, params.get('session') || config.sessionId || 'demo');
  mountDevtools(client, { token });
  if (config.shellPath) {
    const shell = mountTerminal({
      url: endpoint(config.shellPath),
      token,
      element: $('terminal'),
      status: $('shell-status'),
      note: $('terminal-note'),
    });
    (w.__CHANNELS__ as Record<string, unknown>).shell = shell;
  } else {
    $('terminal-note').textContent = 'The terminal is off. Start the demo with --shell to enable it for the demo token.';
  }
  void client.connect();
}

// ---- status banner ------------------------------------------------------------------
function mountBanner(client: Client): void {
  const banner = $('banner');
  const render = (s: ConnectionState = client.state): void => {
    banner.dataset.state = s.state;
    let text: string;
    let detail = '';
    switch (s.state) {
      case ConnectionStates.IDLE:
      case ConnectionStates.CONNECTING:
      case ConnectionStates.OPEN:
        text = 'Connecting…';
        break;
      case ConnectionStates.READY:
        text = 'Connected';
        detail = `client ${s.clientId}`;
        break;
      case ConnectionStates.RECONNECTING: {
        text = `Reconnecting… (${s.attempt}/${s.maxAttempts})`;
        const left = s.retryAt - Date.now();
        detail = left <= 0 ? 'trying now' : `next try in ${Math.ceil(left / 1000)} s`;
        break;
      }
      case ConnectionStates.CLOSED:
        text = 'Disconnected';
        detail = describeClose(s, client.options.maxReconnectAttempts ?? 5);
        break;
      default: {
        const unknown: never = s;
        text = String(unknown);
      }
    }
    const queued = client.queuedMessages();
    if (queued > 0) detail += ` · ${queued} queued`;
    $('status-text').textContent = text;
    $('status-detail').textContent = detail;
    const m = client.metrics.snapshot();
    const avg = m.averageLatencyMillis;
    $('latency').textContent = m.latencySamples === 0
      ? 'latency –' : `avg latency ${avg < 10 ? avg.toFixed(1) : Math.round(avg)} ms`;
  };
  client.addStateListener(render);
  render();
  setInterval(() => render(), 500); // countdown, queue and latency
  $('reconnect').addEventListener('click', () => client.reconnect());
}

function describeClose(s: Extract<ConnectionState, { state: 'closed' }>, attempts: number): string {
  switch (s.reason) {
    case CloseReasons.UNAUTHORIZED: return 'refused by the server (check the token)';
    case CloseReasons.RATE_LIMITED: return 'closed for sending too fast';
    case CloseReasons.REJECTED: return `rejected by the server (${s.code})`;
    case CloseReasons.GAVE_UP: return `gave up after ${attempts} attempts · press Reconnect`;
    case CloseReasons.NORMAL: return 'closed';
    default: {
      const unknown: never = s.reason;
      return String(unknown);
    }
  }
}

// ---- session chat -------------------------------------------------------------------
function mountChat(client: Client, sessionId: string): void {
  const channel = Channels.session(sessionId);
  const list = $('messages');
  $('session-name').textContent = channel;
  let current: { li: HTMLLIElement; text: Text } | null = null; // the agent bubble being streamed into
  const presence = mountPresence(client, channel, userName); // who is here, who is typing

  const add = (kind: string, text: string): HTMLLIElement => {
    const li = document.createElement('li');
    li.className = `msg ${kind}`;
    li.textContent = text;
    list.append(li);
    list.scrollTop = list.scrollHeight;
    return li;
  };

  const streamBubble = (): { li: HTMLLIElement; text: Text } => {
    if (current === null) {
      const li = add('agent', '');
      li.dataset.complete = 'false';
      li.dataset.testid = 'agent-message';
      li.append(document.createElement('progress'));
      const text = document.createTextNode('');
      li.prepend(text);
      current = { li, text };
    }
    return current;
  };

  // Every type of the session family that a server sends: the compiler checks the list.
  const subscription = client.on(channel, (event) => {
    switch (event.type) {
      case SessionEventTypes.STREAM_OUTPUT:
        streamBubble().text.appendData(event.data.message);
        list.scrollTop = list.scrollHeight;
        break;
      case SessionEventTypes.PROGRESS_UPDATE: {
        const p = streamBubble().li.querySelector('progress');
        if (p) Object.assign(p, { max: event.data.total, value: event.data.progress, title: event.data.message ?? '' });
        break;
      }
      case SessionEventTypes.MESSAGE_COMPLETE: {
        const b = streamBubble().li;
        b.dataset.complete = 'true';
        b.dataset.messageId = event.data.messageId;
        b.querySelector('progress')?.remove();
        const meta = document.createElement('span');
        meta.className = 'meta';
        meta.textContent = `message ${event.data.messageId}`;
        b.append(meta);
        current = null;
        break;
      }
      case SessionEventTypes.ERROR:
        add('error', `Session error: ${event.data.error}`);
        break;
      case SessionEventTypes.SUBSCRIBE_SUCCESS:
        add('system', `joined ${channel}`);
        break;
      case SessionEventTypes.TYPING_INDICATOR:
        break; // the page shows typing from presence (presence.ts), not from this event
      default: {
        const missing: never = event; // a new session event in Java breaks the build here
        console.warn('[chat] unhandled session event', missing);
      }
    }
  });

  // Recovery (history on the session family): after a reconnect the client rejoins with the
  // last (epoch, seq) it saw, and the words missed meanwhile arrive before any live one.
  subscription.onSubscribed((s) => {
    if (!s.wasRecovering) return;
    const note = add('system', s.recovered
      ? 'reconnected: recovered the missed events'
      : 'reconnected: could not recover the missed events (history lost); this view may be incomplete');
    note.classList.add('recovery');
    note.dataset.testid = 'recovery';
    note.dataset.recovered = String(s.recovered);
    if (!s.recovered) current?.li.classList.add('stale');
  });

  // A refused join arrives on `global`, not on the channel itself.
  client.on(Channels.global(), (event) => {
    if (event.type === GlobalEventTypes.SUBSCRIPTION_ERROR && event.data.channel === channel) {
      add('error', `Cannot join ${channel}: ${event.data.error} (${event.data.message})`);
    }
  });

  const setTyping = (isTyping: boolean): void => presence.setTyping(isTyping);
  const input = $<HTMLInputElement>('chat-input');
  input.addEventListener('input', () => setTyping(input.value.length > 0));

  $('chat-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const message = input.value.trim();
    if (!message) return;
    input.value = '';
    setTyping(false);
    add('user', message);
    try {
      await client.request(channel, {
        type: SessionEventTypes.SEND_MESSAGE,
        data: { message, sessionId, timestamp: Date.now() },
      });
    } catch (err) {
      add('error', err instanceof ChannelError && err.code !== 'timeout' && err.code !== 'connection_lost'
        && err.code !== 'dropped' ? `Refused: ${err.message}` : `Not sent: ${(err as Error).message}`);
    }
  });
}
