// bench/dashboard.mjs — how fast the command-centre map comes up with
// 100,000 open cases in the store, in headless chromium on loopback: the
// time from navigation to the map showing all its clusters (the page marks
// that moment: window.cgMapReady), and the bytes the page downloaded by
// then, as sent (gzip). The store is made through the product's own bulk
// path (bench_cases: report, register, file, dispatch, handle, send for
// check, through the case module, batched), so every case is open.
//
// Baseline, in the same run: nginx serving a blank page that fetches the
// very same points (the bytes citygrid returned, as a static .json with its
// .gz beside it: gzip_static) and parses them: the floor for moving and
// reading that data in the same browser. Runs RUNS times each, cold (a
// fresh browser context each time), and prints the medians as
// `name: value` lines, the ratios last.
//
// usage: node bench/dashboard.mjs BUILD_DIR [CASES] [RUNS]  (repo root)

import {chromium} from 'playwright-core';
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const build = path.resolve(process.argv[2] || 'build');
const cases = Number(process.argv[3] || 100000);
const runs = Number(process.argv[4] || 5);
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
              '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'citygrid-dash-'));
const store = path.join(tmp, 'store');
const www = path.join(tmp, 'www');
let server = null, nginxStarted = false, browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    const gone = new Promise((ok) => server.on('exit', ok));
    server.kill('SIGTERM');
    await gone;
  }
  if (nginxStarted) {
    try {
      process.kill(Number(fs.readFileSync(path.join(tmp, 'nginx.pid'), 'utf8')), 'SIGTERM');
    } catch {
      /* gone already */
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  // the store: 100,000 open cases, and a leader to look at them (about
  // 0.8 % of bench_cases' reports fall near another of their category
  // and are linked to it as duplicates, no longer open: make 1 % more)
  execFileSync(path.join(build, 'bench_cases'), [String(Math.ceil(cases * 1.01)), store],
               {stdio: ['ignore', 'ignore', 'inherit']});
  const cg = (...a) => execFileSync(path.join(build, 'citygrid'), ['--data', store, ...a],
                                    {input: 'a long password\n', stdio: ['pipe', 'ignore', 'inherit']});
  cg('user', 'add', 'boss', '--role', 'leader', '--name', '区领导');
  cg('user', 'passwd', 'boss');

  server = spawn(path.join(build, 'citygrid'), ['--data', store, 'serve', '--port', '0'],
                 {stdio: ['ignore', 'pipe', 'inherit']});
  const port = await new Promise((ok, fail) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      if (buf === null) return;
      buf += d;
      const m = buf.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) {
        buf = null;
        ok(Number(m[1]));
      }
    });
    server.on('exit', (c) => fail(new Error('citygrid serve exited: ' + c)));
  });
  const base = `http://127.0.0.1:${port}`;
  const login = await (await fetch(base + '/api/v1/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({login: 'boss', password: 'a long password'}),
  })).json();

  // the same points for the baseline, served by nginx as static files
  fs.mkdirSync(www, {recursive: true});
  fs.chmodSync(tmp, 0o755);
  fs.chmodSync(www, 0o755);
  const pts = Buffer.from(await (await fetch(base + '/api/v1/cases/points?state=open',
                                            {headers: {Authorization: 'Bearer ' + login.token}})).arrayBuffer());
  const open = JSON.parse(pts).count;
  fs.writeFileSync(path.join(www, 'points.json'), pts);
  fs.writeFileSync(path.join(www, 'points.json.gz'), zlib.gzipSync(pts, {level: 1}));
  fs.writeFileSync(path.join(www, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>baseline</title><script>' +
    'fetch("/points.json").then((r) => r.json()).then((j) => { window.ready = ' +
    '{at: performance.now(), points: j.points.length}; document.body.dataset.ready = "1"; });</script><body>');
  const nport = 18000 + Math.floor(Math.random() * 2000);
  fs.writeFileSync(path.join(tmp, 'nginx.conf'), `worker_processes 1;
daemon on;
pid ${tmp}/nginx.pid;
error_log ${tmp}/nginx.err;
events { worker_connections 256; }
http {
  access_log off;
  types { text/html html; application/json json; }
  server { listen 127.0.0.1:${nport}; root ${www}; gzip_static on; }
}
`);
  execFileSync('nginx', ['-c', path.join(tmp, 'nginx.conf'), '-p', tmp]);
  nginxStarted = true;

  browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args});

  // One cold load of url; waits for selector; returns {ms, bytes}: the
  // page's own mark (performance.now() at the moment) and the bytes
  // received (encoded, headers included) until then.
  async function load(url, selector, mark, init) {
    const context = await browser.newContext({viewport: {width: 1440, height: 900}});
    if (init) await context.addInitScript(init.fn, init.arg);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', {cacheDisabled: true});
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
    await page.goto(url, {waitUntil: 'commit'});
    await page.waitForSelector(selector, {state: 'attached', timeout: 60000});
    const got = await page.evaluate(mark);
    const out = {ms: got.at, bytes, markers: got.markers, points: got.points};
    await context.close();
    return out;
  }

  const dash = [], baseline = [];
  for (let i = 0; i < runs; i++) {
    dash.push(await load(base + '/#/map', 'body[data-map-ready="1"]', () => window.cgMapReady, {
      fn: ([tok, user]) => {
        localStorage.setItem('cg.token', tok);
        localStorage.setItem('cg.user', JSON.stringify(user));
      },
      arg: [login.token, login.user],
    }));
    baseline.push(await load(`http://127.0.0.1:${nport}/`, 'body[data-ready="1"]', () => window.ready));
  }
  if (dash.some((d) => d.points !== open)) throw new Error('the map did not get every case');
  if (open < cases) console.error(`bench/dashboard: only ${open} open cases, not ${cases}`);

  const ms = median(dash.map((d) => d.ms)), kb = median(dash.map((d) => d.bytes));
  const bms = median(baseline.map((d) => d.ms)), bkb = median(baseline.map((d) => d.bytes));
  console.log(`dashboard.cases_open: ${open}`);
  console.log(`dashboard.runs: ${runs}`);
  console.log(`dashboard.markers_drawn: ${dash[0].markers}`);
  console.log(`dashboard.ready_ms: ${ms.toFixed(0)}`);
  console.log(`dashboard.ready_ms.max: ${Math.max(...dash.map((d) => d.ms)).toFixed(0)}`);
  console.log(`dashboard.bytes_gzip: ${kb}`);
  console.log(`dashboard.points_bytes_raw: ${pts.length}`);
  console.log(`baseline.static_points_ready_ms: ${bms.toFixed(0)}`);
  console.log(`baseline.static_points_bytes_gzip: ${bkb}`);
  console.log(`dashboard.target.ready_ms: 1500`);
  console.log(`dashboard.target.bytes_gzip: ${2 * 1024 * 1024}`);
  console.log(`dashboard.ratio.ready_over_baseline: ${(ms / bms).toFixed(2)}`);
  console.log(`dashboard.ratio.bytes_over_baseline: ${(kb / bkb).toFixed(2)}`);
}

try {
  await main();
} finally {
  await cleanup();
  await new Promise((ok) => setTimeout(ok, 300)); /* nginx's exit */
  fs.rmSync(tmp, {recursive: true, force: true});
}
