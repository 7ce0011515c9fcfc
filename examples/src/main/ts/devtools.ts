// devtools.ts: a floating panel (Ctrl+Shift+W or the banner's Devtools button) with the
// last 50 messages filterable by channel, the active subscriptions, the client metrics
// with a latency sparkline, and the server inspector's JSON.
import type { Client } from './app.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

export function mountDevtools(client: Client, { token }: { token: string }): { toggle: (show?: boolean) => void } {
  const panel = $('devtools');
  let scheduled = false;
  let serverTimer: ReturnType<typeof setInterval> | undefined;

  const toggle = (show: boolean = panel.hidden): void => {
    panel.hidden = !show;
    clearInterval(serverTimer);
    if (show) {
      render();
      void refreshServer();
      serverTimer = setInterval(() => void refreshServer(), 2000);
    }
  };

  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'w') {
      e.preventDefault();
      toggle();
    }
  }, { capture: true });
  $('devtools-toggle').addEventListener('click', () => toggle());
  $('dt-close').addEventListener('click', () => toggle(false));
  $('dt-reconnect').addEventListener('click', () => client.reconnect());
  $('dt-disconnect').addEventListener('click', () => client.close());
  $('dt-clear').addEventListener('click', () => client.messageLog.clear());
  $('dt-reset').addEventListener('click', () => { client.metrics.reset(); render(); });
  $('dt-filter').addEventListener('change', () => render());

  // Re-render at most once per frame, and only while visible.
  const schedule = (): void => {
    if (panel.hidden || scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; render(); });
  };
  client.messageLog.onChange(schedule);
  client.addStateListener(schedule);
  setInterval(schedule, 1000);

  function render(): void {
    if (panel.hidden) return;
    renderFilter();
    renderLog();
    renderSubscriptions();
    renderMetrics();
  }

  function renderFilter(): void {
    const select = $<HTMLSelectElement>('dt-filter');
    const channels = new Set<string>();
    client.messageLog.entries().forEach((e) => { if (e.channel !== null) channels.add(e.channel); });
    client.subscriptions().forEach((s) => channels.add(s.channel));
    const have = new Set([...select.options].map((o) => o.value));
    for (const ch of [...channels].sort()) {
      if (!have.has(ch)) select.append(new Option(ch, ch));
    }
  }

  function renderLog(): void {
    const filter = $<HTMLSelectElement>('dt-filter').value;
    const ol = $('dt-log');
    const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 4;
    ol.replaceChildren(...client.messageLog.entries(filter || undefined).map((e) => {
      const li = document.createElement('li');
      li.className = e.direction === 'SENT' ? 'out' : 'in';
      let data = '';
      try {
        const frame = JSON.parse(e.payload) as { data?: unknown };
        li.title = JSON.stringify(frame, null, 2);
        data = JSON.stringify(frame.data);
      } catch {
        li.title = e.payload;
      }
      li.dataset.channel = e.channel ?? '';
      const time = new Date(e.time).toISOString().slice(11, 23);
      li.append(
        `${time} `,
        span('ch', e.channel ?? '?'), ' ', span('ty', e.type ?? '?'),
        e.ref ? ` #${e.ref} ` : ' ',
        span('da', data),
      );
      return li;
    }));
    if (atBottom) ol.scrollTop = ol.scrollHeight;
  }

  function renderSubscriptions(): void {
    const subs = client.subscriptions();
    $('dt-subs').replaceChildren(...(subs.length === 0
      ? [li('none')]
      : subs.map((s) => li(`${s.channel} · ${s.joined ? 'joined' : s.error ? 'error' : 'pending'}`
        + `${s.error ? ` (${s.error})` : ''} · ${s.handlers} handler${s.handlers === 1 ? '' : 's'}`))));
  }

  function renderMetrics(): void {
    const m = client.metrics.snapshot();
    const rows: [string, string | number][] = [
      ['state', client.state.state],
      ['client id', client.clientId ?? '–'],
      ['sent', m.messagesSent],
      ['received', m.messagesReceived],
      ['reconnections', m.reconnections],
      ['queued', client.queuedMessages()],
      ['dropped (queue full)', m.dropped],
      ['protocol errors', m.protocolErrors],
      ['invalid frames', m.invalidFrames],
      ['handler errors', m.handlerErrors],
      ['avg latency', m.latencySamples === 0 ? '–'
        : `${Math.round(m.averageLatencyMillis * 10) / 10} ms (${m.latencySamples} pings)`],
    ];
    $('dt-metrics').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', k), el('dd', String(v))]));
    const lat = m.latenciesMillis;
    const svg = document.getElementById('dt-spark');
    if (svg === null) return;
    if (lat.length < 2) { svg.replaceChildren(); return; }
    const max = Math.max(...lat, 1);
    const points = lat.map((v, i) => `${(i / (lat.length - 1)) * 200},${40 - (v / max) * 36 - 2}`).join(' ');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', points);
    svg.replaceChildren(line);
  }

  async function refreshServer(): Promise<void> {
    try {
      const r = await fetch('/api/inspector', { headers: { Authorization: `Bearer ${token}` } });
      $('dt-server').textContent = r.ok ? JSON.stringify(await r.json(), null, 2) : `HTTP ${r.status}`;
    } catch (e) {
      $('dt-server').textContent = `inspector unreachable: ${(e as Error).message}`;
    }
  }

  return { toggle };
}

function el(tag: string, text: string): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  return e;
}
const li = (text: string): HTMLElement => el('li', text);
function span(cls: string, text: string): HTMLElement {
  const s = el('span', text);
  s.className = cls;
  return s;
}
