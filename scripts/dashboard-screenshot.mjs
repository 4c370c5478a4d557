#!/usr/bin/env node
// Takes docs/dashboard.png: runs `sidewire serve --dashboard` (built dist/), connects two clients
// that make some traffic, opens the page with the token in headless Chromium (playwright-core,
// /usr/bin/chromium) and saves a screenshot. Usage: npm run build && node scripts/dashboard-screenshot.mjs [out.png]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'dashboard.png'));
const dir = mkdtempSync(join(tmpdir(), 'sw-shot-'));
const socketPath = join(dir, 'd.sock');
const daemon = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'serve', '--endpoint', `unix://${socketPath}`, '--dashboard'], {
  env: { ...process.env, XDG_RUNTIME_DIR: dir },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((res, rej) => {
  let text = '';
  daemon.stdout.setEncoding('utf8').on('data', (d) => {
    text += d;
    const m = /dashboard: (http:\/\/\S+)\n/.exec(text);
    if (m) res(m[1]);
  });
  daemon.once('exit', () => rej(new Error(`sidewire serve exited: ${text}`)));
});

function client(name, pid, topics) {
  const s = net.connect(socketPath);
  s.resume(); // replies are read and dropped
  let id = 1;
  const send = (method, params) => s.write(`${JSON.stringify({ jsonrpc: '2.0', id: id++, method, params })}\n`);
  send('$/hello', { protocol: 1, client: { name, version: '1.2.0', pid, ppid: 1 } });
  if (topics) send('$/subscribe', { topics });
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) send(i % 5 === 0 ? 'sum' : 'echo', i % 5 === 0 ? [1, 2, 3] : { text: 'hello' });
    if (Math.random() < 0.1) send('sum', { not: 'numbers' }); // a few errors, to show them
  }, 50);
  return () => {
    clearInterval(timer);
    s.destroy();
  };
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless'],
});
const stops = [];
try {
  const page = await browser.newPage({ viewport: { width: 1120, height: 1000 } });
  await page.goto(url);
  stops.push(client('editor-extension', 31337, ['clock.*']));
  await new Promise((r) => setTimeout(r, 1500));
  stops.push(client('build-watcher', 31338, ['daemon.state']));
  await new Promise((r) => setTimeout(r, 8000));
  await page.screenshot({ path: out, fullPage: false });
  console.log(`saved ${out}`);
} finally {
  for (const stop of stops) stop();
  await browser.close();
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
