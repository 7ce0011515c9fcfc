#!/usr/bin/env node
// End-to-end test of the demo page in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download).
//
//   node examples/e2e/e2e.mjs <base-url> [--token demo-token] [--shell] [--restart stdin|none]
//                             [--screenshots DIR]
//
// Checks: the page loads and shows "Connected"; a message sent streams in completely
// (in two tabs); the devtools panel toggles and filters; with --shell, the terminal echoes a
// typed command and a reloaded page gets the same shell back; with --restart stdin,
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
