// admin.mjs — administering accounts and Open311 API keys through the
// staff dashboard's #/admin view, as the demo administrator: the table
// holds every account the API lists, in the API's words; an account added
// with a role and a password logs in through the login form in a fresh
// browser; its role changed in the form is the API's; disabled, its
// session is refused (401) and it cannot log in, enabled it can again; a
// login already taken is refused with the server's message beside the
// form, which keeps what was typed, and nothing is added. An API key
// issued in the view is shown once, copies, files an Open311 request,
// and once revoked (after a confirmation) is refused with 403. The
// departments file downloads as the server exports it; a file with a
// mistake is refused with the server's reason and nothing kept; the file
// with a department added loads, and the department is there at once.
// Unit grids are generated anew only after a second yes in the page, a
// size the server refuses is said beside the form, and the counts are the
// API's; road segments likewise.
// The working calendar shows this year's days as the API counts them and
// downloads them as its CSV; next year's file loads and is shown and in
// use at once, and one with a bad date is refused with the server's
// reason, nothing kept.
// The history check reports the demo's histories whole, with the API's
// counts, and names (and links) a case whose event was edited in the
// store behind the server's back. Other roles
// have no link to the view and are sent home from it. Phone width and
// English without sideways scrolling.

import {test} from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenOf, tokenFor, api, assertNoOverflow, screenshot} from './lib.mjs';

const it = useServerAndBrowser();

async function openAdmin(page) {
  await page.click('#nav a[data-view=admin]');
  await page.waitForSelector('table.users[data-ready="1"]');
  await page.waitForSelector('table.apikeys[data-ready="1"]');
}

// The accounts table as shown, row by row.
function userRows(page) {
  return page.$$eval('table.users tbody tr', (trs) => trs.map((tr) => ({
    login: tr.dataset.login, role: tr.dataset.role, disabled: tr.dataset.disabled === '1',
    cells: Object.fromEntries([...tr.children].map((c) => [c.dataset.col, c.textContent.trim()])),
  })));
}

// The name the pages give a role, from the pages' own word list.
function roleName(page, role) {
  return page.evaluate(async (r) => (await import('/assets/i18n.js')).nameOf('role', r), role);
}

async function users(token) {
  return (await api(it.srv, token, '/api/v1/users')).users;
}

// An Open311 report with key: the status and the answer.
async function open311(key) {
  const r = await fetch(it.srv.base + '/open311/v2/requests.json', {
    method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({api_key: key, service_code: 'gb47678-matter-06010', lat: '34.7555',
                               long: '113.679', description: '人行道上有垃圾堆放'}).toString(),
  });
  return {status: r.status, body: await r.json().catch(() => null)};
}

// A fetch refused on purpose shows as a console error; those are expected.
const unexpected = (errors, status) => errors.filter((e) => !e.includes(`status of ${status}`));

test('the administrator sees every account, adds one that logs in, changes its role and disables it', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'admin');
  assert.ok(await page.isVisible('#nav a[data-view=admin]'), 'the administrator has the link');
  await openAdmin(page);
  await screenshot(page, 'admin');
  // the public page's built-in account is no one's to change
  assert.equal(await page.$('button[data-edit="@web"]'), null);
  assert.match(await page.textContent('tr[data-login="@web"] [data-col=actions]'), /系统内置/);
  assert.equal(await page.getAttribute('#nav a[data-view=admin]', 'aria-current'), 'page');
  const token = await tokenOf(page);

  // every account, in the API's order, with the API's fields in words
  const all = await users(token);
  const rows = await userRows(page);
  assert.deepEqual(rows.map((r) => r.login), all.map((u) => u.login), 'the accounts and their order');
  for (const [i, u] of all.entries()) {
    const r = rows[i];
    assert.equal(r.role, u.role, u.login);
    assert.equal(r.cells.role, await roleName(page, u.role), u.login + ': the role in words');
    assert.equal(r.cells.name, u.name, u.login);
    assert.equal(r.cells.scope, u.scope || '全区', u.login);
    assert.equal(r.cells.phone, u.phone || '—', u.login);
    assert.equal(r.disabled, u.disabled, u.login);
    assert.equal(r.cells.state, u.disabled ? '已停用' : '正常', u.login);
  }
  const hwc = rows.find((r) => r.login === 'dept-hwc');
  assert.match(hwc.cells.dept, /环境卫生/, 'a department by its name');
  assert.match(await page.textContent('#admin-users .summary'), new RegExp(`${all.length}`));

  // an account added with a role and a password
  const form = 'form.add-user';
  await page.fill(`${form} input[name=login]`, 'inspector-li');
  await page.fill(`${form} input[name=name]`, '受理员李明');
  await page.selectOption(`${form} select[name=role]`, 'operator');
  await page.fill(`${form} input[name=phone]`, '13800000000');
  await page.fill(`${form} input[name=password]`, 'spring-rain-2026');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector('table.users tr[data-login="inspector-li"]');
  let li = (await users(token)).find((u) => u.login === 'inspector-li');
  assert.deepEqual({...li}, {login: 'inspector-li', name: '受理员李明', role: 'operator', scope: '',
                             dept: '', phone: '13800000000', disabled: false});
  assert.equal(await page.inputValue(`${form} input[name=login]`), '', 'the form is cleared once added');
  assert.equal((await userRows(page)).length, all.length + 1);

  // who logs in through the login form in a browser of their own
  const other = await newPage(it.browser);
  await other.goto(it.srv.base + '/#/login');
  await other.fill('input[name=login]', 'inspector-li');
  await other.fill('input[name=password]', 'spring-rain-2026');
  await other.click('form.login button[type=submit]');
  await other.waitForSelector('#nav:not([hidden])');
  assert.match(await other.textContent('#who'), /受理员李明/);
  assert.ok(await other.isHidden('#nav a[data-view=admin]'), 'an operator has no admin link');
  const liToken = await tokenOf(other);
  assert.equal((await api(it.srv, liToken, '/api/v1/me')).role, 'operator');
  assert.deepEqual(other.errors, []);

  // the role changed
  await page.click('button[data-edit="inspector-li"]');
  await page.waitForSelector('form.edit-user[data-login="inspector-li"]');
  assert.equal(await page.inputValue('form.edit-user input[name=name]'), '受理员李明', 'the form has the account');
  assert.equal(await page.inputValue('form.edit-user select[name=role]'), 'operator');
  await page.selectOption('form.edit-user select[name=role]', 'dispatcher');
  await page.click('form.edit-user button[type=submit]');
  await page.waitForSelector('table.users tr[data-login="inspector-li"][data-role="dispatcher"]');
  li = (await users(token)).find((u) => u.login === 'inspector-li');
  assert.equal(li.role, 'dispatcher', 'the API has the new role');
  const row = (await userRows(page)).find((r) => r.login === 'inspector-li');
  assert.equal(row.cells.role, await roleName(page, 'dispatcher'));
  assert.equal((await api(it.srv, liToken, '/api/v1/me')).role, 'dispatcher', 'the session shows it at once');

  // disabled: the page says it ends the sessions; the next call is refused
  await page.click('button[data-edit="inspector-li"]');
  await page.waitForSelector('form.edit-user[data-login="inspector-li"]');
  assert.match(await page.textContent('.account-state'), /会话/, 'disabling says it ends the sessions');
  await page.click('.account-state button[data-toggle=disable]');
  await page.waitForSelector('table.users tr[data-login="inspector-li"][data-disabled="1"]');
  assert.equal((await users(token)).find((u) => u.login === 'inspector-li').disabled, true);
  const me = await fetch(it.srv.base + '/api/v1/me', {headers: {Authorization: 'Bearer ' + liToken}});
  assert.equal(me.status, 401, 'a disabled account\'s session is refused');
  await assert.rejects(tokenFor({...it.srv, passwords: {'inspector-li': 'spring-rain-2026'}}, 'inspector-li'),
                       /401/, 'and it cannot log in');
  await other.context().close();

  // enabled again, it can
  await page.click('button[data-edit="inspector-li"]');
  await page.click('.account-state button[data-toggle=enable]');
  await page.waitForSelector('table.users tr[data-login="inspector-li"][data-disabled="0"]');
  await tokenFor({...it.srv, passwords: {'inspector-li': 'spring-rain-2026'}}, 'inspector-li');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a login already taken is refused with the server\'s message; the form keeps what was typed', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'admin');
  await openAdmin(page);
  const token = await tokenOf(page);
  const before = await users(token);
  const form = 'form.add-user';
  await page.fill(`${form} input[name=login]`, 'operator');
  await page.fill(`${form} input[name=name]`, '另一个受理员');
  await page.selectOption(`${form} select[name=role]`, 'leader');
  await page.fill(`${form} input[name=password]`, 'another-pass-1');
  await page.click(`${form} button[type=submit]`);
  await page.waitForFunction(() => document.querySelector('#add-user-error').textContent.length > 0);
  assert.match(await page.textContent('#add-user-error'), /user 'operator' exists already/, 'the server\'s words');
  assert.match(await page.textContent('#add-user-error'), /服务器拒绝/);
  assert.equal(await page.inputValue(`${form} input[name=login]`), 'operator');
  assert.equal(await page.inputValue(`${form} input[name=name]`), '另一个受理员');
  assert.equal(await page.inputValue(`${form} select[name=role]`), 'leader');
  assert.equal(await page.inputValue(`${form} input[name=password]`), 'another-pass-1');
  assert.deepEqual(await users(token), before, 'nothing added or changed');
  assert.equal((await userRows(page)).length, before.length);

  // a password too short is refused before anything is sent
  await page.fill(`${form} input[name=login]`, 'short-pass');
  await page.fill(`${form} input[name=password]`, 'abc');
  await page.click(`${form} button[type=submit]`);
  await page.waitForFunction(() => /8/.test(document.querySelector('#add-user-error').textContent));
  assert.deepEqual(await users(token), before, 'no account with a password it could not set');
  assert.deepEqual(unexpected(page.errors, 409), []);
  await page.context().close();
});

test('an API key is shown once, files an Open311 request, and is refused once revoked', async () => {
  const page = await newPage(it.browser);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {origin: it.srv.base});
  await login(page, it.srv, 'admin');
  await openAdmin(page);
  const token = await tokenOf(page);

  await page.fill('form.add-key input[name=name]', 'fixmystreet');
  await page.selectOption('form.add-key select[name=source]', 'hotline');
  await page.click('form.add-key button[type=submit]');
  await page.waitForSelector('.new-key[data-name=fixmystreet]');
  const key = await page.inputValue('.new-key input.key-value');
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.match(await page.textContent('.new-key'), /只显示这一次/, 'the box says it is shown once');
  await page.waitForSelector('table.apikeys tr[data-name=fixmystreet][data-revoked="0"]');
  const cells = await page.$$eval('table.apikeys tr[data-name=fixmystreet] > *',
                                  (c) => Object.fromEntries(c.map((x) => [x.dataset.col, x.textContent.trim()])));
  assert.equal(cells.keylogin, 'fixmystreet');
  assert.equal(cells.source, '12345热线');
  const listed = (await api(it.srv, token, '/api/v1/apikeys')).apikeys;
  assert.deepEqual(listed.map((k) => [k.name, k.login, k.source, k.revoked_at]),
                   [['fixmystreet', 'fixmystreet', 'hotline', null]]);
  assert.ok(!JSON.stringify(listed).includes(key), 'the listing never has the key');
  assert.ok((await users(token)).some((u) => u.login === 'fixmystreet' && u.role === 'public'),
            'reports are filed as a public account of its name');
  await page.waitForSelector('table.users tr[data-login=fixmystreet]');

  // the copy button puts it on the clipboard
  await page.click('.new-key button[data-copy]');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);

  // the key files a request
  const ok = await open311(key);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const no = ok.body[0].service_request_id;
  const c = await api(it.srv, token, '/api/v1/cases/' + encodeURIComponent(no));
  assert.equal(c.source, 'hotline', 'filed with the key\'s source');

  // closed, the key is nowhere on the page any more
  await page.click('.new-key button:not([data-copy])');
  assert.equal(await page.$('.new-key'), null);
  assert.ok(!(await page.content()).includes(key), 'the key is not shown again');

  // revoking asks first; cancelled, nothing happens
  await page.click('button[data-revoke=fixmystreet]');
  await page.waitForSelector('button[data-confirm=fixmystreet]');
  assert.match(await page.textContent('table.apikeys tr[data-name=fixmystreet] .confirm'), /拒绝/);
  await page.click('table.apikeys tr[data-name=fixmystreet] .confirm button:not([data-confirm])');
  await page.waitForSelector('button[data-revoke=fixmystreet]');
  assert.equal((await api(it.srv, token, '/api/v1/apikeys')).apikeys[0].revoked_at, null, 'not revoked yet');
  assert.equal((await open311(key)).status, 200);

  // confirmed, it is revoked and refused
  await page.click('button[data-revoke=fixmystreet]');
  await page.click('button[data-confirm=fixmystreet]');
  await page.waitForSelector('table.apikeys tr[data-name=fixmystreet][data-revoked="1"]');
  assert.ok((await api(it.srv, token, '/api/v1/apikeys')).apikeys[0].revoked_at, 'the API has it revoked');
  assert.equal(await page.$('button[data-revoke=fixmystreet]'), null, 'no revoke button for a revoked key');
  const refused = await open311(key);
  assert.equal(refused.status, 403, JSON.stringify(refused.body));

  // a name already taken is refused beside the form, which keeps it
  await page.fill('form.add-key input[name=name]', 'fixmystreet');
  await page.click('form.add-key button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#add-key-error').textContent.length > 0);
  assert.match(await page.textContent('#add-key-error'), /服务器拒绝/);
  assert.equal(await page.inputValue('form.add-key input[name=name]'), 'fixmystreet');
  assert.equal(await page.$('.new-key'), null, 'no key shown for a refusal');
  assert.deepEqual(unexpected(page.errors, 409), []);
  await page.context().close();
});

test('settings files: downloaded as the server loads them, loaded whole or not at all', async () => {
  const page = await newPage(it.browser, {acceptDownloads: true});
  await login(page, it.srv, 'admin');
  const token = await tokenOf(page);
  await openAdmin(page);
  const csvOf = async (p) => (await fetch(it.srv.base + p)).text();
  const before = await csvOf('/api/v1/departments?format=csv');
  assert.match(before, /^code,name,phone\n/);

  // the download is the file the server exports
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=departments]')]);
  assert.equal(dl.suggestedFilename(), 'departments.csv');
  assert.equal(fs.readFileSync(await dl.path(), 'utf8'), before);

  // the kind decides which of scheme and coordinates are asked
  await page.selectOption('#settings-kind', 'categories');
  assert.ok(await page.isVisible('#settings-scheme') && await page.isHidden('#settings-crs'));
  await page.selectOption('#settings-kind', 'segments');
  assert.ok(await page.isHidden('#settings-scheme') && await page.isVisible('#settings-crs'));
  await page.selectOption('#settings-kind', 'grids');
  assert.ok(await page.isHidden('#settings-scheme') && await page.isVisible('#settings-crs'));
  await page.selectOption('#settings-kind', 'divisions');
  assert.ok(await page.isHidden('#settings-scheme') && await page.isHidden('#settings-crs'));

  // a file with a mistake: the server's reason, nothing kept
  await page.selectOption('#settings-kind', 'departments');
  await page.setInputFiles('#settings-file', {name: 'bad.csv', mimeType: 'text/csv',
                                              buffer: Buffer.from(before + 'zz9\n')});
  await page.click('form.settings button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#settings-error').textContent.length > 0);
  assert.match(await page.textContent('#settings-error'), /服务器拒绝.*the body/);
  assert.equal(await csvOf('/api/v1/departments?format=csv'), before);

  // the file with a department added: loaded, and in use at once
  const added = before + 'jdb,管城回族区井盖管理办公室,0371-66660000\n';
  await page.setInputFiles('#settings-file', {name: 'departments.csv', mimeType: 'text/csv',
                                              buffer: Buffer.from(added)});
  await page.click('form.settings button[type=submit]');
  const lines = added.trim().split('\n').length - 1;
  await page.waitForSelector(`form.settings[data-loaded="departments:${lines}"]`);
  assert.equal(await page.textContent('#settings-error'), '');
  const sorted = (text) => text.trim().split('\n').sort();
  assert.deepEqual(sorted(await csvOf('/api/v1/departments?format=csv')), sorted(added)); /* by code */
  const depts = (await api(it.srv, token, '/api/v1/departments')).departments;
  assert.ok(depts.some((d) => d.code === 'jdb' && d.name === '管城回族区井盖管理办公室'));
  assert.deepEqual(unexpected(page.errors, 400), []);
  await page.context().close();
});

test('grids and segments generated from the settings card; the grids only after a second yes', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'admin');
  await openAdmin(page);
  const count = async (p) => (await (await fetch(it.srv.base + p)).json()).features.length;
  const grids = await count('/api/v1/grids');

  // asked first; cancelled, nothing is sent
  await page.click('form.generate-grids button[type=submit]');
  await page.waitForSelector('#generate-yes');
  await page.click('form.generate-grids .confirm button:not(.danger)');
  assert.ok(await page.isVisible('form.generate-grids button[type=submit]'));
  assert.equal(await page.$('form.generate-grids[data-done]'), null);

  // a size the server refuses: its reason beside the form
  await page.fill('#generate-grids-cell', '5');
  await page.click('form.generate-grids button[type=submit]');
  await page.click('#generate-yes');
  await page.waitForFunction(() => document.querySelector('#generate-grids-error').textContent.length > 0);
  assert.match(await page.textContent('#generate-grids-error'), /服务器拒绝/);
  assert.equal(await count('/api/v1/grids'), grids);

  // the district's own size again: as many grids as before, the API's
  await page.fill('#generate-grids-cell', '100');
  await page.click('form.generate-grids button[type=submit]');
  await page.click('#generate-yes');
  await page.waitForSelector('form.generate-grids[data-done]', {timeout: 20000});
  assert.equal(Number(await page.getAttribute('form.generate-grids', 'data-done')), grids);
  assert.equal(await count('/api/v1/grids'), grids);

  // road segments: sent at once
  await page.fill('#generate-segments-spacing', '2000');
  await page.click('form.generate-segments button[type=submit]');
  await page.waitForSelector('form.generate-segments[data-done]');
  assert.equal(Number(await page.getAttribute('form.generate-segments', 'data-done')),
               await count('/api/v1/segments'));
  assert.deepEqual(unexpected(page.errors, 400), []);
  await page.context().close();
});

test('working calendar: the year as the server counts it; next year loaded and in use at once', async () => {
  const page = await newPage(it.browser, {acceptDownloads: true});
  await login(page, it.srv, 'admin');
  await openAdmin(page);
  const calendar = async (q) => (await fetch(it.srv.base + '/api/v1/calendar?' + q)).json();
  const year = new Date().getFullYear(), next = year + 1;
  const shown = () => page.$$eval('table.calendar tbody tr', (trs) =>
    trs.map((tr) => [tr.dataset.date, tr.dataset.kind, tr.children[2].textContent]));
  const want = (c) => c.days.map((d) => [d.date, d.kind, d.name]);

  // this year: the API's days, the CSV download the API's
  const now = await calendar('year=' + year);
  await page.waitForFunction(() => document.querySelector('#calendar-summary').textContent.length > 0);
  assert.deepEqual(await shown(), want(now));
  assert.match(await page.textContent('#calendar-summary'), new RegExp(now.hours));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#calendar-download')]);
  assert.equal(fs.readFileSync(await dl.path(), 'utf8'),
               await (await fetch(it.srv.base + '/api/v1/calendar?format=csv&year=' + year)).text());

  // next year: none yet
  await page.selectOption('#calendar-year', String(next));
  await page.waitForSelector('#calendar-none:not([hidden])');
  assert.match(await page.textContent('#calendar-none'), new RegExp(String(next)));

  // a file with a day that does not exist: the server's reason, nothing kept
  await page.setInputFiles('#calendar-file', {name: `cn-${next}.csv`, mimeType: 'text/csv',
    buffer: Buffer.from(`date,kind,name\n${next}-01-01,holiday,元旦\n${next}-02-30,holiday,春节\n`)});
  await page.click('form.calendar-load button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#calendar-error').textContent.length > 0);
  assert.match(await page.textContent('#calendar-error'), /服务器拒绝.*the body:3/);
  assert.deepEqual((await calendar('year=' + next)).days, []);

  // the good file: kept under its name, shown, and the server's at once
  await page.setInputFiles('#calendar-file', {name: `cn-${next}.csv`, mimeType: 'text/csv',
    buffer: Buffer.from(`date,kind,name\n${next}-01-01,holiday,元旦\n${next}-02-06,workday,春节调休\n`)});
  await page.click('form.calendar-load button[type=submit]');
  await page.waitForSelector('form.calendar-load[data-loaded="2"]');
  assert.equal(await page.textContent('#calendar-error'), '');
  const loaded = await calendar('year=' + next);
  assert.ok(loaded.files.includes(`cn-${next}.csv`));
  assert.deepEqual(want(loaded), [[`${next}-01-01`, 'holiday', '元旦'], [`${next}-02-06`, 'workday', '春节调休']]);
  await page.waitForFunction((n) => document.querySelectorAll('table.calendar tbody tr').length === n, 2);
  assert.deepEqual(await shown(), want(loaded));
  assert.match(await page.textContent('#calendar-summary'), new RegExp(`cn-${next}\\.csv`));
  assert.deepEqual(unexpected(page.errors, 400), []);
  await page.context().close();
});

test('the history check: whole on the demo data, as the API counts it; a case edited behind its back named', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'admin');
  const want = await api(it.srv, await tokenOf(page), '/api/v1/verify');
  assert.equal(want.ok, true);
  await openAdmin(page);
  await page.click('#verify-run');
  await page.waitForSelector('#verify-result[data-ok="1"]');
  const text = await page.textContent('#verify-result');
  assert.ok(text.includes(String(want.events)) && text.includes(String(want.cases)), text);
  assert.ok(text.includes(want.head.slice(0, 16)), text);

  // an event's note edited behind the server's back (Debian's sqlite3, as
  // someone with the file could): the check names the case and links to
  // it; the note put back, whole again
  const db = path.join(it.srv.dir, 'citygrid.db');
  const sql = (q) => execFileSync('sqlite3', [db, q], {encoding: 'utf8'}).trim();
  const no = sql("SELECT case_no FROM event WHERE seq = 2 ORDER BY gseq LIMIT 1");
  const where = `WHERE case_no = '${no}' AND seq = 2`;
  const kept = sql(`SELECT quote(note) FROM event ${where}`);
  sql(`UPDATE event SET note = '已按时办结' ${where}`);
  try {
    await page.click('#verify-run');
    await page.waitForSelector('#verify-result[data-ok="0"]');
    assert.ok(await page.isVisible(`#verify-result li[data-no="${no}"] a[href="#/case/${no}"]`));
    assert.match(await page.textContent(`#verify-result li[data-no="${no}"]`), /event 2/);
  } finally {
    sql(`UPDATE event SET note = ${kept} ${where}`);
  }
  await page.click('#verify-run');
  await page.waitForSelector('#verify-result[data-ok="1"]');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('other roles have no admin link and are sent home from #/admin', async () => {
  for (const user of ['operator', 'leader']) {
    const page = await newPage(it.browser);
    await login(page, it.srv, user);
    assert.ok(await page.isHidden('#nav a[data-view=admin]'), user + ': no admin link');
    await page.evaluate(() => (location.hash = '#/admin'));
    await page.waitForFunction(() => location.hash === '#/map');
    await page.waitForSelector('body[data-map-ready="1"]');
    assert.equal(await page.$('table.users'), null, user);
    assert.deepEqual(page.errors, [], user);
    await page.context().close();
  }
});

test('the admin view fits a phone\'s width, in Chinese and English', async () => {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true});
  await login(page, it.srv, 'admin');
  await openAdmin(page);
  await assertNoOverflow(page, 'admin view at phone width');
  await page.click('button[data-edit=operator]');
  await page.waitForSelector('form.edit-user[data-login=operator]');
  await assertNoOverflow(page, 'the edit form at phone width');

  await page.click('#lang');
  await page.waitForSelector('table.users[data-ready="1"]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  // every word of the view's own is English (the data may be Chinese)
  const words = await page.$$eval(
    '.admin-view :is(h2, h3, h4, th[scope=col], label, button, .hint, .summary, p.muted, .empty), #nav a[data-view=admin]',
    (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
  const chinese = words.filter((w) => /[\u4e00-\u9fff]/.test(w));
  assert.deepEqual(chinese, [], 'words left in Chinese');
  assert.ok(words.includes('Accounts and API keys'), words.join(' | '));
  assert.ok(!words.some((w) => /^admin\./.test(w)), 'no word missing');
  await assertNoOverflow(page, 'admin view at phone width, in English');
  assert.deepEqual(page.errors, []);
});
