// terminal.js: xterm.js on the shell endpoint. The shell has its own ChannelClient on its
// own socket (PROTOCOL.md section 9): it joins `shell:<id>` by sending `init` on the
// channel itself instead of `global` `subscribe`, and never shares a queue or a
// reconnection schedule with the session traffic.
import { ChannelClient, Channels } from './channels.js';

const COLS = 90;
const ROWS = 24;

export function mountTerminal({ url, token, element, status, note }) {
  const shellId = sessionStorage.getItem('channels.shell') ?? `t${Math.random().toString(36).slice(2, 10)}`;
  sessionStorage.setItem('channels.shell', shellId);
  const channel = Channels.shell(shellId);

  const client = new ChannelClient(url, {
    token,
    name: 'shell',
    joinWith: { shell: () => ({ type: 'init', data: { cols: COLS, rows: ROWS } }) },
  });
  client.onState((s) => {
    status.dataset.state = s.state;
    status.textContent = s.state === 'reconnecting' ? `reconnecting (${s.attempt}/${s.maxAttempts})` : s.state;
  });

  import('/vendor/xterm/xterm.mjs').then(({ Terminal }) => {
    const term = new Terminal({
      cols: COLS,
      rows: ROWS,
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
      fontSize: 13,
    });
    term.open(element);
    let exited = false;
    let inits = 0;

    client.subscribe(channel, (event) => {
      const d = event.data ?? {};
      switch (event.type) {
        case 'init':
          exited = false;
          // After a reconnection the server attaches us again (or starts a new shell if the
          // old one ended with its last connection): say so on a line of its own.
          if (inits++ > 0) term.write(`\r\n\x1b[2m[attached to ${channel} again]\x1b[0m\r\n`);
          note.textContent = `${channel} · ${d.cols}×${d.rows}`;
          break;
        case 'output':
          term.write(d.data);
          break;
        case 'exit':
          exited = true;
          term.write(`\r\n\x1b[33m[process exited with ${d.exitCode}; press any key for a new shell]\x1b[0m\r\n`);
          break;
        case 'error':
          term.write(`\r\n\x1b[31m[shell error: ${d.error} ${d.message ?? ''}]\x1b[0m\r\n`);
          break;
        default:
          break;
      }
    });
    term.onData((data) => {
      // Keystrokes are not queued while the shell socket is down (unlike chat messages):
      // replayed later, they could run in a different shell than the one the user saw.
      if (!client.ready) {
        term.write('\x07');
        return;
      }
      if (exited) {
        exited = false;
        client.send(channel, 'init', { cols: COLS, rows: ROWS });
        return;
      }
      client.send(channel, 'input', { data });
    });
    window.__CHANNELS__ = { ...window.__CHANNELS__, terminal: term };
    client.connect();
  }).catch((e) => {
    note.textContent = `xterm.js is missing (${e.message}): run "npm ci --prefix examples" and rebuild the demo.`;
  });

  return client;
}
