#!/usr/bin/env node
// End-to-end test of the demo page in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download).
//
//   node examples/e2e/e2e.mjs <base-url> [--token demo-token] [--shell] [--restart stdin|none]
//                             [--screenshots DIR]
//
// Checks: the page loads and shows "Connected"; a message sent streams in completely
// (in two tabs); presence: two tabs see each other in the session, typing in one shows
// "typing" in the other, and a closed tab leaves the other's list; the devtools
// panel toggles and filters; with --shell, the terminal echoes a typed command and a
// reloaded page gets the same shell back; a tab whose WebSocket the "server" closes with
// 1012 mid-stream (Playwright's routeWebSocket) reconnects, recovers (history + since) and
// shows the whole message, no word missing or twice, with the "recovered" indicator; with
// --restart stdin,
// it prints "E2E:RESTART", waits for a line on stdin once the server was restarted
// (ExamplesE2ETest does that in-process; by hand: restart the demo, press Enter), then
// checks the banner showed "Reconnecting… (n/5)", then "Connected", and that a new
// message streams again. Prints "E2E:PASS" and exits 0, or "E2E:FAIL <reason>" and exits 1.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const base = args.find((a) => /^https?:\/\//.test(a));
if (!base) {
  console.error('usage: node e2e.mjs <base-url> [--token T] [--shell] [--restart stdin|none] [--screenshots DIR]');
  process.exit(2);
}
const token = flag('token', 'demo-token');
const withShell = args.includes('--shell');
const restart = flag('restart', 'none');
const shots = flag('screenshots', null);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 20000);

// Lines from stdin are buffered from the start: the harness may answer before we ask.
const stdinLines = createInterface({ input: process.stdin });
const buffered = [];
const waiting = [];
stdinLines.on('line', (line) => (waiting.length ? waiting.shift()(line) : buffered.push(line)));
const nextLine = (timeoutMs = TIMEOUT) => new Promise((resolve, reject) => {
  if (buffered.length) { resolve(buffered.shift()); return; }
  const timer = setTimeout(() => reject(new Error('no answer on stdin to E2E:RESTART')), timeoutMs);
  waiting.push((line) => { clearTimeout(timer); resolve(line); });
});

const step = (text) => console.log(`E2E:STEP ${text}`);
let browser;
let userDataDir;
let pages = [];

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

async function bannerText(page) {
  return page.locator('#status-text').textContent();
}

async function waitConnected(page) {
  await page.waitForFunction(() => document.querySelector('#banner')?.dataset.state === 'ready'
    && document.querySelector('#status-text')?.textContent === 'Connected', null, { timeout: TIMEOUT });
}

/** Sends `message` from `page` and waits until every page shows the agent's complete stream of it. */
async function sendAndAwaitStream(page, message, watchers) {
  await page.fill('[data-testid="chat-input"]', message);
  await page.click('[data-testid="send-button"]');
  for (const p of watchers) {
    await p.waitForFunction((m) => [...document.querySelectorAll('.msg.agent[data-complete="true"]')]
      .some((li) => li.firstChild?.data === m), message, { timeout: TIMEOUT });
  }
}

async function terminalText(page) {
  return page.evaluate(() => {
    const term = window.__CHANNELS__?.terminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  });
}

async function waitTerminal(page, pattern) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await terminalText(page)).match(pattern)) {
    if (Date.now() > deadline) throw new Error(`terminal never matched ${pattern}:\n${await terminalText(page)}`);
    await page.waitForTimeout(100);
  }
}

/** Text of the completed agent bubbles of `page` for `message` (there is one per message). */
async function completedStreams(page, message) {
  return page.$$eval('.msg.agent[data-complete="true"]', (lis, m) => lis
    .map((li) => li.firstChild?.data ?? '').filter((t) => t.startsWith(m.split(' ')[0])), message);
}

/**
 * A tab whose WebSocket goes through Playwright's route, so the test can play the server and
 * close it with 1012 while the agent streams; the client reconnects after its backoff (about
 * 1 s, at the demo's 40 ms per word: dozens of words missed) and rejoins with `since`.
 */
async function recoveryMidStream(context, url, watcher) {
  const c = await context.newPage();
  pages.push(c);
  c.on('pageerror', (e) => console.log(`E2E:PAGEERROR[c] ${e.message}`));
  const routes = [];
  await c.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    const server = ws.connectToServer();
    routes.push({ ws, server });
  });
  await c.goto(url);
  await waitConnected(c);
  await c.waitForSelector('.msg.system', { timeout: TIMEOUT });
  const words = Array.from({ length: 80 }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
  const message = words.join(' ');
  await c.fill('[data-testid="chat-input"]', message);
  await c.click('[data-testid="send-button"]');
  await c.waitForFunction(() => {
    const li = [...document.querySelectorAll('.msg.agent[data-complete="false"]')].at(-1);
    return (li?.firstChild?.data ?? '').split(' ').filter(Boolean).length >= 10;
  }, null, { timeout: TIMEOUT, polling: 20 });
  const { ws, server } = routes.at(-1);
  await ws.close({ code: 1012, reason: 'service restart (e2e)' }); // as the server would
  await server.close({ code: 1000, reason: 'e2e dropped the tab' });
  const missedFrom = await c.$$eval('.msg.agent', (lis) => (lis.at(-1)?.firstChild?.data ?? '')
    .split(' ').filter(Boolean).length);
  await c.waitForFunction(() => document.querySelector('#banner')?.dataset.state === 'reconnecting',
    null, { timeout: TIMEOUT, polling: 20 });
  await waitConnected(c);
  await c.waitForSelector('[data-testid="recovery"][data-recovered="true"]', { timeout: TIMEOUT });
  await c.waitForFunction((m) => [...document.querySelectorAll('.msg.agent[data-complete="true"]')]
    .some((li) => li.firstChild?.data === m), message, { timeout: TIMEOUT });
  const [text] = await completedStreams(c, message);
  const got = text.split(' ').filter(Boolean);
  const dupes = got.filter((w, i) => got.indexOf(w) !== i);
  if (dupes.length > 0) throw new Error(`duplicate words after recovery: ${dupes.join(' ')}`);
  const missing = words.filter((w) => !got.includes(w));
  if (missing.length > 0) throw new Error(`missing words after recovery: ${missing.join(' ')}`);
  if (text !== message) throw new Error(`stream out of order after recovery: ${text}`);
  if (routes.length < 2) throw new Error('the tab did not open a second WebSocket');
  await watcher.waitForFunction((m) => [...document.querySelectorAll('.msg.agent[data-complete="true"]')]
    .some((li) => li.firstChild?.data === m), message, { timeout: TIMEOUT });
  console.log(`E2E:RECOVERED dropped after ${missedFrom} of ${words.length} words; complete, no duplicates`);
  await shot(c, '3b-recovered');
  await c.close();
  pages = pages.filter((p) => p !== c);
}

async function main() {
  userDataDir = mkdtempSync(join(tmpdir(), 'channels-e2e-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const url = `${base.replace(/\/$/, '')}/?token=${encodeURIComponent(token)}`;

  step('page loads and shows Connected');
  const a = await browser.newPage();
  pages.push(a);
  a.on('console', (m) => { if (m.type() === 'error') console.log(`E2E:CONSOLE[a] ${m.text()}`); });
  a.on('pageerror', (e) => console.log(`E2E:PAGEERROR[a] ${e.message}`));
  await a.goto(url);
  await waitConnected(a);
  await a.waitForFunction(() => document.querySelector('#latency')?.textContent.startsWith('avg latency'), null, { timeout: TIMEOUT });

  step('a second tab on the same session');
  const b = await browser.newPage();
  pages.push(b);
  await b.goto(url);
  await waitConnected(b);
  await b.waitForSelector('.msg.system', { timeout: TIMEOUT }); // "joined session:demo"

  step('presence: two tabs see each other in the session');
  const c = await browser.newPage();
  pages.push(c);
  c.on('pageerror', (e) => console.log(`E2E:PAGEERROR[c] ${e.message}`));
  await c.goto(url);
  await waitConnected(c);
  const nameOf = (p) => p.evaluate(() => window.__CHANNELS__.userName);
  const bName = await nameOf(b);
  const cName = await nameOf(c);
  if (bName === cName) throw new Error(`two tabs got the same name ${bName}`);
  const lists = (p, n) => p.waitForFunction((key) => document.querySelector('#people')?.dataset.synced === 'true'
    && [...document.querySelectorAll('#people li')].some((li) => li.dataset.key === key), n, { timeout: TIMEOUT });
  await lists(b, cName);
  await lists(c, bName);
  await lists(c, cName); // itself too, marked "(you)"
  if (!(await c.locator(`#people li[data-key="${cName}"]`).textContent()).includes('(you)')) {
    throw new Error('a tab does not mark its own entry');
  }

  step('presence: typing in one tab shows "typing" in the other (meta.typing)');
  await c.fill('[data-testid="chat-input"]', 'thinking about it');
  await b.waitForFunction((key) => document.querySelector(`#people li[data-key="${key}"]`)?.dataset.typing === 'true'
    && document.querySelector('#typing-note')?.textContent === `${key} is typing…`, cName, { timeout: TIMEOUT });
  await shot(b, '0-presence-typing');

  step('presence: a closed tab leaves the other tab\'s list');
  const closedAt = Date.now();
  await c.close(); // still "typing": nothing tells the others it stopped, its entry just leaves
  pages = pages.filter((p) => p !== c);
  await b.waitForFunction((key) => !document.querySelector(`#people li[data-key="${key}"]`)
    && document.querySelector('#typing-note')?.textContent === '', cName, { timeout: TIMEOUT });
  step(`presence: gone from the other tab after ${Date.now() - closedAt} ms`);

  step('a message streams in completely, in both tabs');
  await sendAndAwaitStream(a, 'hello from headless chromium, streamed word by word', [a, b]);
  await shot(a, '1-streamed');

  step('devtools panel toggles with Ctrl+Shift+W');
  await a.keyboard.press('Control+Shift+W');
  await a.waitForSelector('#devtools:not([hidden])', { timeout: TIMEOUT });
  await a.waitForFunction(() => document.querySelectorAll('#dt-log li').length > 0
    && document.querySelector('#dt-subs')?.textContent.includes('session:'), null, { timeout: TIMEOUT });
  await a.selectOption('#dt-filter', { label: 'global' }).catch(() => {});
  const filtered = await a.$$eval('#dt-log li', (lis) => lis.every((li) => li.dataset.channel === 'global'));
  if (!filtered) throw new Error('devtools filter by channel shows other channels');
  await a.selectOption('#dt-filter', '');
  await shot(a, '2-devtools');
  await a.keyboard.press('Control+Shift+W');
  await a.waitForSelector('#devtools', { state: 'hidden', timeout: TIMEOUT });

  if (withShell) {
    step('the terminal echoes a typed command');
    await a.waitForFunction(() => document.querySelector('#shell-status')?.dataset.state === 'ready', null, { timeout: TIMEOUT });
    await a.waitForFunction(() => window.__CHANNELS__?.terminal, null, { timeout: TIMEOUT });
    await a.click('#terminal');
    await a.keyboard.type('echo channels-e2e-$((6*7))');
    await a.keyboard.press('Enter');
    await waitTerminal(a, /^channels-e2e-42\s*$/m);
    await shot(a, '3-terminal');

    step('a reloaded page gets the same shell back');
    await a.keyboard.type('E2E_MARK=kept-$((40+2))');
    await a.keyboard.press('Enter');
    await a.reload();
    await waitConnected(a);
    await a.waitForFunction(() => document.querySelector('#shell-status')?.dataset.state === 'ready'
      && window.__CHANNELS__?.terminal, null, { timeout: TIMEOUT });
    await a.click('#terminal');
    await a.keyboard.type('echo mark=$E2E_MARK');
    await a.keyboard.press('Enter');
    await waitTerminal(a, /^mark=kept-42\s*$/m);
  }

  step('mid-stream the server drops a tab (1012): it reconnects and the message is complete');
  await recoveryMidStream(browser, url, a);

  if (restart === 'stdin') {
    step('server restart: banner shows Reconnecting… then Connected');
    const sawReconnecting = a.waitForFunction(
      () => /^Reconnecting… \(\d+\/\d+\)$/.test(document.querySelector('#status-text')?.textContent ?? ''),
      null, { timeout: TIMEOUT, polling: 50 });
    console.log('E2E:RESTART');
    await sawReconnecting;
    await shot(a, '4-reconnecting');
    const line = await nextLine();
    if (!/RESTARTED/.test(line)) throw new Error(`expected RESTARTED on stdin, got '${line}'`);
    await waitConnected(a);
    await waitConnected(b);

    step('after the restart presence is rebuilt from the new state, no duplicates');
    const aName = await nameOf(a);
    await lists(a, bName);
    await lists(b, aName);
    await b.waitForFunction(() => [...document.querySelectorAll('#people li')].every((li) => !li.textContent.includes('×')),
      null, { timeout: TIMEOUT });

    step('after the restart a new message streams again');
    await sendAndAwaitStream(a, 'after the restart the stream still arrives', [a, b]);
    await shot(a, '5-after-restart');
  }
  console.log(`E2E:PASS banner="${await bannerText(a)}"`);
}

main().then(async () => {
  await browser?.close();
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(0);
}).catch(async (e) => {
  console.log(`E2E:FAIL ${e.message.split('\n')[0]}`);
  console.error(e);
  for (const [i, p] of pages.entries()) {
    try {
      console.log(`E2E:STATE[${i}] banner="${await bannerText(p)}"`);
      await shot(p, `failure-${i}`);
    } catch { /* page gone */ }
  }
  await browser?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
});
