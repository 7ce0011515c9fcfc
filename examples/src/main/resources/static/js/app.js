// app.js: the demo page. Wires the protocol client (channels.js) to a status banner,
// a streaming session chat, a devtools panel and a terminal (shell endpoint).
import { ChannelClient, Channels, State } from './channels.js';
import { mountDevtools } from './devtools.js';
import { mountTerminal } from './terminal.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// ---- token: ?token=... (the URL the demo prints), remembered for this tab ----------
let token = params.get('token') ?? sessionStorage.getItem('channels.token');
if (params.has('token')) {
  sessionStorage.setItem('channels.token', token);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
}

const config = await fetch('/config.json').then((r) => r.json());
const wsScheme = location.protocol === 'https:' ? 'wss' : 'ws';
const endpoint = (path) => config.wsUrl
  ? new URL(path, config.wsUrl.replace(/^http/, 'ws')).toString()
  : `${wsScheme}://${location.hostname}:${config.wsPort}${path}`;

if (!token) {
  showTokenForm();
} else {
  start();
}

function showTokenForm() {
  const form = $('token-form');
  if (!form.hidden) return;
  form.hidden = false;
  $('token-input').focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('channels.token', $('token-input').value.trim());
    location.reload();
  });
}

function start() {
  const client = new ChannelClient(endpoint(config.wsPath), {
    token,
    heartbeatIntervalMs: config.heartbeatIntervalMs ?? null,
  });
  // For the browser console, as in the seed app: window.__WS_METRICS__.snapshot()
  window.__WS_METRICS__ = client.metrics;
  window.__CHANNELS__ = { client };

  mountBanner(client);
  // Refused credentials (1008) are final: offer to enter another token.
  client.onState((s) => {
    if (s.state === State.DISCONNECTED && s.lastClose?.code === 1008) showTokenForm();
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
    window.__CHANNELS__.shell = shell;
  } else {
    $('terminal-note').textContent = 'The terminal is off. Start the demo with --shell to enable it for the demo token.';
  }
  client.connect();
}

// ---- status banner ------------------------------------------------------------------
function mountBanner(client) {
  const banner = $('banner');
  const render = (s = client.status) => {
    banner.dataset.state = s.state;
    let text;
    let detail = '';
    switch (s.state) {
      case State.IDLE:
      case State.CONNECTING:
        text = 'Connecting…';
        break;
      case State.CONNECTED:
        text = 'Connected';
        detail = s.clientId ? `client ${s.clientId}` : '';
        break;
      case State.RECONNECTING:
        text = `Reconnecting… (${s.attempt}/${s.maxAttempts})`;
        detail = s.retryInMs === null ? 'trying now' : `next try in ${Math.ceil(s.retryInMs / 1000)} s`;
        break;
      case State.DISCONNECTED:
        text = 'Disconnected';
        detail = describeClose(s);
        break;
      default:
        text = s.state;
    }
    if (s.queued > 0) detail += ` · ${s.queued} queued`;
    $('status-text').textContent = text;
    $('status-detail').textContent = detail;
    const avg = s.averageLatency;
    $('latency').textContent = avg === null ? 'latency –' : `avg latency ${avg < 10 ? avg.toFixed(1) : Math.round(avg)} ms`;
  };
  client.onState(render);
  setInterval(render, 500); // countdown and latency
  $('reconnect').addEventListener('click', () => client.reconnect());
}

function describeClose(s) {
  const c = s.lastClose;
  if (!c) return '';
  if (c.code === 1008) return 'refused by the server (check the token)';
  if (c.code === 1000) return 'closed';
  if (s.attempt >= s.maxAttempts) return `gave up after ${s.attempt} attempts · press Reconnect`;
  return `closed with ${c.code}${c.reason ? ` (${c.reason})` : ''}`;
}

// ---- session chat -------------------------------------------------------------------
function mountChat(client, sessionId) {
  const channel = Channels.session(sessionId);
  const list = $('messages');
  const userId = sessionStorage.getItem('channels.user') ?? `tab-${Math.random().toString(36).slice(2, 6)}`;
  sessionStorage.setItem('channels.user', userId);
  $('session-name').textContent = channel;
  let current = null; // the agent bubble being streamed into
  let typingNote = null;

  const add = (kind, text) => {
    const li = document.createElement('li');
    li.className = `msg ${kind}`;
    li.textContent = text;
    list.append(li);
    list.scrollTop = list.scrollHeight;
    return li;
  };

  const streamBubble = () => {
    if (!current) {
      current = add('agent', '');
      current.dataset.complete = 'false';
      current.dataset.testid = 'agent-message';
      current.append(document.createElement('progress'));
      current.textNode = document.createTextNode('');
      current.prepend(current.textNode);
    }
    return current;
  };

  // The handler switches over every type of the session family (PROTOCOL.md section 10).
  client.subscribe(channel, (event) => {
    const d = event.data ?? {};
    switch (event.type) {
      case 'stream_output': {
        const b = streamBubble();
        b.textNode.appendData(d.message);
        list.scrollTop = list.scrollHeight;
        break;
      }
      case 'progress_update': {
        const p = streamBubble().querySelector('progress');
        if (p) Object.assign(p, { max: d.total, value: d.progress, title: d.message ?? '' });
        break;
      }
      case 'message_complete': {
        const b = streamBubble();
        b.dataset.complete = 'true';
        b.dataset.messageId = d.messageId;
        b.querySelector('progress')?.remove();
        const meta = document.createElement('span');
        meta.className = 'meta';
        meta.textContent = `message ${d.messageId}`;
        b.append(meta);
        current = null;
        break;
      }
      case 'error':
        add('error', `Session error: ${d.error}`);
        break;
      case 'subscribe_success':
        add('system', `joined ${channel}`);
        break;
      case 'typing_indicator':
        if (d.userId === userId) break;
        if (d.isTyping) {
          typingNote ??= add('system', '');
          typingNote.textContent = `${d.userName} is typing…`;
        } else {
          typingNote?.remove();
          typingNote = null;
        }
        break;
      default:
        console.warn('[chat] unknown session event', event.type);
    }
  });

  // A refused join arrives on `global`, not on the channel itself.
  client.subscribe('global', (event) => {
    if (event.type === 'subscription_error' && event.data?.channel === channel) {
      add('error', `Cannot join ${channel}: ${event.data.error} (${event.data.message})`);
    }
  });

  let typing = false;
  const setTyping = (isTyping) => {
    if (typing === isTyping) return;
    typing = isTyping;
    client.send(channel, 'typing_indicator', { sessionId, userId, userName: userId, isTyping });
  };
  $('chat-input').addEventListener('input', (e) => setTyping(e.target.value.length > 0));

  $('chat-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('chat-input');
    const message = input.value.trim();
    if (!message) return;
    input.value = '';
    setTyping(false);
    add('user', message);
    try {
      const reply = await client.request(channel, 'send_message', { message, sessionId, timestamp: Date.now() });
      if (reply.status !== 'ok') add('error', `Refused: ${reply.response?.error} ${reply.response?.message ?? ''}`);
    } catch (err) {
      add('error', `Not sent: ${err.message}`);
    }
  });
}
