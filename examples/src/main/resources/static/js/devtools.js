// devtools.js: a floating panel (Ctrl+Shift+W or the banner's Devtools button) with the
// last 50 messages filterable by channel, the active subscriptions, the client metrics
// with a latency sparkline, and the server inspector's JSON.

const $ = (id) => document.getElementById(id);

export function mountDevtools(client, { token }) {
  const panel = $('devtools');
  let scheduled = false;
  let serverTimer = null;

  const toggle = (show = panel.hidden) => {
    panel.hidden = !show;
    clearInterval(serverTimer);
    if (show) {
      render();
      refreshServer();
      serverTimer = setInterval(refreshServer, 2000);
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
  $('dt-disconnect').addEventListener('click', () => client.disconnect());
  $('dt-clear').addEventListener('click', () => client.log.clear());
  $('dt-reset').addEventListener('click', () => { client.metrics.reset(); render(); });
  $('dt-filter').addEventListener('change', () => render());

  // Re-render at most once per frame, and only while visible.
  const schedule = () => {
    if (panel.hidden || scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; render(); });
  };
  client.log.onChange(schedule);
  client.onState(schedule);
  setInterval(schedule, 1000);

  function render() {
    if (panel.hidden) return;
    renderFilter();
    renderLog();
    renderSubscriptions();
    renderMetrics();
  }

  function renderFilter() {
    const select = $('dt-filter');
    const channels = new Set(client.log.entries().map((e) => e.channel));
    client.subscriptions().forEach((s) => channels.add(s.channel));
    const have = new Set([...select.options].map((o) => o.value));
    for (const ch of [...channels].sort()) {
      if (!have.has(ch)) select.append(new Option(ch, ch));
    }
  }

  function renderLog() {
    const filter = $('dt-filter').value;
    const ol = $('dt-log');
    const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 4;
    ol.replaceChildren(...client.log.entries(filter || undefined).map((e) => {
      const li = document.createElement('li');
      li.className = e.direction;
      li.title = JSON.stringify({ channel: e.channel, type: e.type, ref: e.ref, data: e.data }, null, 2);
      li.dataset.channel = e.channel;
      const time = new Date(e.time).toISOString().slice(11, 23);
      li.append(
        `${time} `,
        span('ch', e.channel), ' ', span('ty', e.type),
        e.ref ? ` #${e.ref} ` : ' ',
        span('da', JSON.stringify(e.data)),
      );
      return li;
    }));
    if (atBottom) ol.scrollTop = ol.scrollHeight;
  }

  function renderSubscriptions() {
    const subs = client.subscriptions();
    $('dt-subs').replaceChildren(...(subs.length === 0
      ? [li('none')]
      : subs.map((s) => li(`${s.channel} · ${s.status}${s.error ? ` (${s.error})` : ''} · ${s.handlers} handler${s.handlers === 1 ? '' : 's'}`))));
  }

  function renderMetrics() {
    const m = client.metrics.snapshot();
    const s = client.status;
    const rows = [
      ['state', s.state],
      ['client id', s.clientId ?? '–'],
      ['sent', m.messagesSent],
      ['received', m.messagesReceived],
      ['reconnections', m.reconnections],
      ['queued', s.queued],
      ['dropped (queue full)', m.droppedMessages],
      ['protocol errors', m.errors],
      ['avg latency', m.averageLatency === null ? '–' : `${m.averageLatency} ms (${m.latencySamples} pings)`],
    ];
    $('dt-metrics').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', k), el('dd', String(v))]));
    const lat = client.metrics.latencies;
    const svg = $('dt-spark');
    if (lat.length < 2) { svg.replaceChildren(); return; }
    const max = Math.max(...lat, 1);
    const points = lat.map((v, i) => `${(i / (lat.length - 1)) * 200},${40 - (v / max) * 36 - 2}`).join(' ');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', points);
    svg.replaceChildren(line);
  }

  async function refreshServer() {
    try {
      const r = await fetch('/api/inspector', { headers: { Authorization: `Bearer ${token}` } });
      $('dt-server').textContent = r.ok ? JSON.stringify(await r.json(), null, 2) : `HTTP ${r.status}`;
    } catch (e) {
      $('dt-server').textContent = `inspector unreachable: ${e.message}`;
    }
  }

  return { toggle };
}

function el(tag, text) {
  const e = document.createElement(tag);
  e.textContent = text;
  return e;
}
const li = (text) => el('li', text);
function span(cls, text) {
  const s = el('span', text);
  s.className = cls;
  return s;
}
