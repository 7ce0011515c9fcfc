// terminal.ts: xterm.js on the shell endpoint. The shell has its own ChannelClient on its
// own socket (PROTOCOL.md section 9): it joins `shell:<id>` by sending `init` on the
// channel itself instead of `global` `subscribe`, and never shares a queue or a
// reconnection schedule with the session traffic.
import { ChannelClient, ConnectionStates } from '@jchannels/channels-browser';
import {
  Channels, ShellEventTypes, serverMessageProblem, type ChannelFamilies,
} from './generated/index.js';

const COLS = 90;
const ROWS = 24;

/** The part of xterm.js's Terminal the page uses. */
interface Terminal {
  open(element: HTMLElement): void;
  write(data: string): void;
  onData(listener: (data: string) => void): void;
}

interface TerminalOptions {
  url: string;
  token: string;
  element: HTMLElement;
  status: HTMLElement;
  note: HTMLElement;
}

export function mountTerminal({ url, token, element, status, note }: TerminalOptions): ChannelClient<ChannelFamilies> {
  const shellId = sessionStorage.getItem('channels.shell') ?? `t${Math.random().toString(36).slice(2, 10)}`;
  sessionStorage.setItem('channels.shell', shellId);
  const channel = Channels.shell(shellId);

  const client = new ChannelClient<ChannelFamilies>(url, {
    token,
    name: 'shell',
    guard: serverMessageProblem,
    joinWith: { shell: () => ({ type: ShellEventTypes.INIT, data: { cols: COLS, rows: ROWS } }) },
  });
  client.addStateListener((s) => {
    status.dataset.state = s.state;
    status.textContent = s.state === ConnectionStates.RECONNECTING
      ? `reconnecting (${s.attempt}/${s.maxAttempts})` : s.state;
  });

  const xterm = '/vendor/xterm/xterm.mjs';
  (import(xterm) as Promise<{ Terminal: new (options: object) => Terminal }>).then(({ Terminal }) => {
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

    client.on(channel, (event) => {
      switch (event.type) {
        case ShellEventTypes.INIT:
          exited = false;
          // After a reconnection the server attaches us again (or starts a new shell if the
          // old one ended with its last connection): say so on a line of its own.
          if (inits++ > 0) term.write(`\r\n\x1b[2m[attached to ${channel} again]\x1b[0m\r\n`);
          note.textContent = `${channel} · ${event.data.cols}×${event.data.rows}`;
          break;
        case ShellEventTypes.OUTPUT:
          term.write(event.data.data);
          break;
        case ShellEventTypes.EXIT:
          exited = true;
          term.write(`\r\n\x1b[33m[process exited with ${event.data.exitCode}; press any key for a new shell]\x1b[0m\r\n`);
          break;
        case ShellEventTypes.ERROR:
          term.write(`\r\n\x1b[31m[shell error: ${event.data.error} ${event.data.message}]\x1b[0m\r\n`);
          break;
        default: {
          const missing: never = event;
          console.warn('[shell] unhandled event', missing);
        }
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
        client.send(channel, { type: ShellEventTypes.INIT, data: { cols: COLS, rows: ROWS } });
        return;
      }
      client.send(channel, { type: ShellEventTypes.INPUT, data: { data } });
    });
    const w = window as unknown as { __CHANNELS__?: Record<string, unknown> };
    w.__CHANNELS__ = { ...w.__CHANNELS__, terminal: term };
    void client.connect();
  }).catch((e: Error) => {
    note.textContent = `xterm.js is missing (${e.message}): run "npm ci --prefix examples" and rebuild the demo.`;
  });

  return client;
}
