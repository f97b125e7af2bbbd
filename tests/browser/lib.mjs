// lib.mjs — what the browser tests share: a `citygrid serve --port 0` on
// a fresh copy of the demo data (made once per test run by the
// browser_demo fixture, see CMakeLists.txt), Debian's chromium driven by
// playwright-core (headless, no sandbox, nothing fetched from outside;
// playwright gives each launch a fresh temporary profile), logging in
// through the login form, calls to the API as a user, and screenshots for
// docs/screenshots/ when CG_SCREENSHOTS names a folder.
//
// The tests find the binary in $CG_BIN and the demo data in $CG_DEMO.

import {chromium} from 'playwright-core';
import {before, after} from 'node:test';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage',
];

// A server on a copy of the demo data. Returns {base, dir, passwords,
// stop()}; stop() fails if the server does not exit cleanly (a sanitizer
// report makes it exit non-zero).
export async function startServer() {
  const bin = process.env.CG_BIN, demo = process.env.CG_DEMO;
  if (!bin || !demo) throw new Error('CG_BIN and CG_DEMO must be set (run under ctest)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citygrid-browser-'));
  fs.cpSync(demo, dir, {recursive: true});
  const log = fs.openSync(path.join(dir, 'serve.log'), 'w');
  const proc = spawn(bin, ['--data', dir, 'serve', '--port', '0'], {stdio: ['ignore', 'pipe', log]});
  const exited = new Promise((ok) => proc.on('exit', (code, sig) => ok(sig ? sig : code)));
  const port = await new Promise((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error('citygrid serve did not start in 60 s')), 60000);
    proc.stdout.on('data', (d) => {
      if (buf === null) return; // the access log: drained, not kept
      buf += d;
      const m = buf.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        buf = null;
        ok(Number(m[1]));
      }
    });
    exited.then((c) => fail(new Error('citygrid serve exited: ' + c)));
  });
  const passwords = Object.fromEntries(fs.readFileSync(path.join(dir, 'demo-passwords.txt'), 'utf8')
    .trim().split('\n').map((l) => l.trim().split(/\s+/)));
  return {
    base: `http://127.0.0.1:${port}`, dir, passwords,
    async stop() {
      proc.kill('SIGTERM');
      const code = await exited;
      fs.closeSync(log);
      const text = fs.readFileSync(path.join(dir, 'serve.log'), 'utf8');
      fs.rmSync(dir, {recursive: true, force: true});
      if (code !== 0) throw new Error(`citygrid serve exited with ${code}:\n${text.slice(-4000)}`);
    },
  };
}

export async function launch() {
  return chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS});
}

// A server and a browser for the tests of a file: started before them,
// stopped after them (the server's clean exit is checked). Returns an
// object whose srv and browser are set once they run.
export function useServerAndBrowser() {
  const it = {srv: null, browser: null};
  before(async () => {
    it.srv = await startServer();
    it.browser = await launch();
  });
  after(async () => {
    if (it.browser) await it.browser.close();
    if (it.srv) await it.srv.stop();
  });
  return it;
}

// A new browser context (its own storage: one user) with a page that
// fails the test on script errors. opts: playwright context options.
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({viewport: {width: 1280, height: 860}, locale: 'zh-CN', ...opts});
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  return page;
}

// Log in through the form as login; waits for the first view.
export async function login(page, srv, user) {
  await page.goto(srv.base + '/#/login');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', srv.passwords[user]);
  await page.click('form.login button[type=submit]');
  await page.waitForFunction(() => localStorage.getItem('cg.token'));
  await page.waitForSelector('#nav:not([hidden])');
}

// The session token a page holds.
export function tokenOf(page) {
  return page.evaluate(() => localStorage.getItem('cg.token'));
}

// A token for user, by the API.
export async function tokenFor(srv, user) {
  const r = await fetch(srv.base + '/api/v1/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({login: user, password: srv.passwords[user]}),
  });
  if (r.status !== 200) throw new Error(`login ${user}: ${r.status}`);
  return (await r.json()).token;
}

// GET or POST path as the holder of token (null: anonymous); JSON back.
export async function api(srv, token, p, body) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(srv.base + p, {method: body === undefined ? 'GET' : 'POST', headers,
                                       body: body === undefined ? undefined : JSON.stringify(body)});
  const j = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

// A point inside community `code`: the centre of one of its unit grids
// that the locator puts in that community.
export async function pointIn(srv, code) {
  const comm = await api(srv, null, '/api/v1/communities');
  const f = comm.features.find((x) => x.properties.code === code);
  const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
  const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
  const bbox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].join(',');
  const grids = await api(srv, null, '/api/v1/grids?bbox=' + bbox);
  for (const g of grids.features) {
    if (!g.properties.code.startsWith(code)) continue;
    const r = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const lon = +(r.reduce((a, p) => a + p[0], 0) / r.length).toFixed(6);
    const lat = +(r.reduce((a, p) => a + p[1], 0) / r.length).toFixed(6);
    const at = await api(srv, null, `/api/v1/locate?lat=${lat}&lon=${lon}`);
    if (at.inside && at.community && at.community.code === code) return {lat, lon};
  }
  throw new Error('no point found in community ' + code);
}

// A PNG of w x h pixels coloured by fn(x, y) -> [r, g, b], encoded with
// node's zlib (a PNG is zlib-compressed rows with a CRC-32 per chunk).
function png(w, h, fn) {
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) rows.set(fn(x, y), y * (w * 3 + 1) + 1 + x * 3);
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
                        chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

// A photo for an <input type=file>: a street scene of sorts, littered
// ("before") or clean ("after").
export function photo(name) {
  const after = name.startsWith('after');
  return {
    name, mimeType: 'image/png',
    buffer: png(320, 240, (x, y) => {
      if (y < 90) return [150 + (y >> 2), 190 + (y >> 3), 235]; // sky
      if (y < 150) return x % 64 < 56 ? [176, 170, 160] : [120, 116, 110]; // wall
      const litter = !after && ((x * 7 + y * 13) % 29 < 9) && x > 80 && x < 250 && y > 170;
      return litter ? [110 + (x % 60), 80, 40] : [90, 92, 96]; // pavement
    }),
  };
}

// Save a screenshot as docs/screenshots/NAME.png when asked to.
export async function screenshot(page, name, opts = {}) {
  const dir = process.env.CG_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, {recursive: true});
  await page.screenshot({path: path.join(dir, name + '.png'), ...opts});
}

// Fail if the page scrolls sideways: text or controls wider than the
// window.
export async function assertNoOverflow(page, what) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (sw > w + 1) throw new Error(`${what}: the page is ${sw}px wide in a ${w}px window`);
}
