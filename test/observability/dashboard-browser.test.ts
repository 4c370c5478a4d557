/**
 * End to end: `sidewire serve --dashboard` as a child process, its page driven in headless
 * Chromium (Debian's `chromium`, installed by .ci/run) through playwright-core. The page loads
 * without console errors, shows a client that connects after it opened, shows a message rate
 * within 2 s of traffic starting (by the server's own snapshot times), and PAUSE / RESUME change
 * the daemon state as STATUS over the socket reports; a page without the token has no controls
 * and its control requests get 403. (docs/observability.md "Dashboard")
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { collect, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';

/** The few DOM calls the page functions below make (they run in the browser; this project has no DOM lib). */
declare const document: { getElementById(id: string): { readonly textContent: string | null; getAttribute(name: string): string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless'];
const WAIT_MS = 60_000; // a busy 2-core machine

/** One text command over the socket (docs/protocol.md §5), e.g. STATUS → its reply line. */
function textCommand(socketPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let out = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out.trim()));
    s.on('error', reject);
    s.setTimeout(WAIT_MS, () => s.destroy(new Error(`${line}: no reply`)));
  });
}

/** A JSON-mode client that says hello with name/pid/ppid, then calls `echo` as fast as replies come. */
class TrafficClient {
  private readonly socket: net.Socket;
  private nextId = 1;
  private running = false;
  private buffer = '';

  constructor(socketPath: string) {
    this.socket = net.connect(socketPath);
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => undefined);
    this.socket.on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        this.buffer = this.buffer.slice(nl + 1);
        if (this.running) this.send('echo', { text: 'hi' });
      }
    });
    this.send('$/hello', { protocol: 1, client: { name: 'e2e-traffic', version: '1.0.0', pid: 4242, ppid: 4141 } });
  }

  private send(method: string, params: unknown): void {
    this.socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params })}\n`);
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < 4; i++) this.send('echo', { text: 'hi' });
  }

  close(): void {
    this.running = false;
    this.socket.destroy();
  }
}

describe('dashboard in a real browser', () => {
  const { dir, cleanup } = tempDir('swb');
  const socketPath = path.join(dir, 'd.sock');
  let daemon: ChildProcess;
  let dashboardUrl: URL;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
    daemon = spawnCli(['serve', '--endpoint', `unix://${socketPath}`, '--dashboard'], { XDG_RUNTIME_DIR: dir, SIDEWIRE_LOG: undefined, DEBUG: undefined });
    const out = await waitForOutput(daemon, /dashboard: (http:\/\/\S+)\n/, WAIT_MS);
    dashboardUrl = new URL(/dashboard: (http:\/\/\S+)\n/.exec(out)![1]!);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: WAIT_MS });
  });

  after(async () => {
    await browser?.close();
    if (daemon !== undefined) {
      const done = collect(daemon, WAIT_MS);
      daemon.kill('SIGTERM');
      await done;
    }
    cleanup();
  });

  async function openPage(url: string, errors: string[]): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, { timeout: WAIT_MS });
    return page;
  }

  test('with the token: live data, a new client, the message rate within 2 s, PAUSE / RESUME', async () => {
    const errors: string[] = [];
    const page = await openPage(dashboardUrl.href, errors);
    assert.equal(await page.locator('#state').textContent(), 'running');
    assert.equal(await page.locator('#controls').isVisible(), true, 'controls with the token');
    const client = new TrafficClient(socketPath);
    try {
      // The client connected after the page opened: it shows up with its hello facts.
      const row = page.locator('#clients tr', { hasText: 'e2e-traffic' });
      await row.waitFor({ timeout: WAIT_MS });
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[1], 'json');
      // the pid is the kernel's (SO_PEERCRED, docs/security.md "Peer identity"): this test process, not the 4242 it claimed
      assert.equal(cells[3], String(process.pid));
      assert.equal(cells[4], '4141');
      assert.match(cells[6] ?? '', /^[1-9]\d* \/ [1-9]\d*$/, 'messages in / out of the connection (at least the hello and its reply)');
      assert.match(cells[7] ?? '', /^\d+(\.\d)? k?B \/ \d+(\.\d)? k?B$/, 'bytes in / out of the connection');
      // Traffic starts now; the page's rate must come from a snapshot taken within 2 s of that.
      const started = Date.now();
      client.start();
      const handle = await page.waitForFunction(
        () => {
          const el = document.getElementById('msg-rate');
          const rate = Number(el?.getAttribute('data-rate') ?? '0');
          return rate > 0 ? Number(el!.getAttribute('data-time')) : false;
        },
        undefined,
        { timeout: WAIT_MS, polling: 50 },
      );
      const firstRateAt = (await handle.jsonValue()) as number;
      assert.ok(firstRateAt - started <= 2000, `the rate showed in a snapshot ${firstRateAt - started} ms after traffic started`);
      await page.locator('#latencies tr', { hasText: 'echo' }).waitFor({ timeout: WAIT_MS });
      assert.ok((await page.locator('#chart .uplot canvas').count()) > 0, 'the rate chart is drawn by the inlined uPlot');

      await page.click('#btn-pause');
      await page.waitForFunction(() => document.getElementById('control-result')?.textContent?.startsWith('pause: 200'), undefined, { timeout: WAIT_MS });
      assert.match(await textCommand(socketPath, 'STATUS'), /"state":"paused"/);
      await page.waitForFunction(() => document.getElementById('state')?.textContent === 'paused', undefined, { timeout: WAIT_MS });
      await page.click('#btn-resume');
      await page.waitForFunction(() => document.getElementById('control-result')?.textContent?.startsWith('resume: 200'), undefined, { timeout: WAIT_MS });
      assert.match(await textCommand(socketPath, 'STATUS'), /"state":"running"/);
      await page.locator('#tail tr', { hasText: 'control' }).first().waitFor({ timeout: WAIT_MS });
      assert.deepEqual(errors, [], 'no console errors');
    } finally {
      client.close();
      await page.close();
    }
  });

  test('without the token: no controls, and the page\'s own control requests get 403', async () => {
    const errors: string[] = [];
    const bare = new URL(dashboardUrl.href);
    bare.search = '';
    const page = await openPage(bare.href, errors);
    try {
      assert.equal(await page.locator('#controls').isVisible(), false);
      assert.equal(await page.locator('#btn-pause').isVisible(), false);
      const statuses = await page.evaluate(async () => {
        const codes: number[] = [];
        for (const a of ['pause', 'resume', 'reload']) {
          codes.push((await fetch(`/control/${a}`, { method: 'POST' })).status);
          codes.push((await fetch(`/control/${a}`, { method: 'POST', headers: { 'x-sidewire-token': 'not-the-token-0123456789' } })).status);
        }
        return codes;
      });
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 403]);
      assert.match(await textCommand(socketPath, 'STATUS'), /"state":"running"/);
      // The 403s are the only console errors (Chromium logs failed fetches).
      assert.ok(errors.every((e) => /403/.test(e)), errors.join('\n'));
    } finally {
      await page.close();
    }
  });
});
