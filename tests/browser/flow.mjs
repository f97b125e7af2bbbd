// flow.mjs — one case carried through the whole loop in a real browser,
// entirely by clicking: a member of the public reports it on the public
// pages at the phone's position with a photo; the operator registers it,
// the shift leader files it, the dispatcher sends it to the sanitation
// department with its own deadline, the department reports it handled
// with a note and an after-photo, the operator sends it for checking, the
// grid worker passes the check on site, the shift leader closes it, and the
// reporter rates the result with the code the report gave. Each staff
// member finds the case in their own work list.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenFor, api, pointIn, photo, screenshot, assertNoOverflow} from './lib.mjs';

const it = useServerAndBrowser();
const phone = {viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true};

// As user: open the work list `queue`, click case no, take `action` with
// the form filled by fill(form), and wait for the state `want`.
async function act(user, queue, no, action, want, fill, shot) {
  const page = await newPage(it.browser);
  await login(page, it.srv, user);
  await page.click('#nav a[data-view=queue]');
  await page.waitForSelector('.cases[data-ready="1"]');
  if (!(await page.$(`.tabs a.here[data-queue=${queue}]`))) await page.click(`.tabs a[data-queue=${queue}]`);
  await page.waitForSelector(`.cases[data-queue=${queue}][data-ready="1"]`);
  // the list comes a page at a time, the most urgent first
  while (!(await page.$(`.case-row[data-no="${no}"] a`))) {
    const n = await page.$$eval('.case-row', (r) => r.length);
    const more = page.locator('.queue button:has-text("加载更多")');
    if (!(await more.isVisible())) throw new Error(`case ${no} is not in ${user}'s list '${queue}'`);
    await more.click();
    await page.waitForFunction((k) => document.querySelectorAll('.case-row').length > k, n);
  }
  await page.click(`.case-row[data-no="${no}"] a`);
  await page.waitForSelector(`article.case[data-no="${no}"]`);
  await page.click(`.actions button[data-action=${action}]`);
  const form = page.locator(`form.action-form[data-action=${action}]`);
  await form.waitFor();
  if (fill) await fill(form);
  if (shot) await screenshot(page, shot, {fullPage: true});
  await form.locator('button[type=submit]').click();
  await page.waitForSelector(`article.case[data-no="${no}"][data-state=${want}]`);
  assert.deepEqual(page.errors, [], user + ': script errors');
  await page.context().close();
}

test('a public report carried to closure and rated, by clicking', async () => {
  // the grid worker of the demo works in community 410104001001: report there
  const at = await pointIn(it.srv, '410104001001');
  const pub = await newPage(it.browser, {...phone, permissions: ['geolocation'],
                                      geolocation: {latitude: at.lat, longitude: at.lon}});
  await pub.goto(it.srv.base + '/public#/report');
  await pub.selectOption('#cat-major', 'matter:06');
  await pub.selectOption('#cat-minor', 'gb47678:matter:06010');
  await pub.click('#gps');
  await pub.waitForSelector('#place-text.good');
  await pub.fill('#description', '人行道上有一堆暴露垃圾，影响通行');
  await pub.setInputFiles('#photos', photo('before.png'));
  await assertNoOverflow(pub, 'the report form at phone width');
  await screenshot(pub, 'public-report', {fullPage: true});
  await pub.click('form.report button[type=submit]');
  await pub.waitForSelector('#new-no');
  const no = (await pub.textContent('#new-no')).trim();
  assert.match(no, /^410104\d{8}\d+$/);
  assert.match((await pub.textContent('#new-secret')).trim(), /^[0-9a-f]{64}$/);

  await act('operator', 'intake', no, 'register', 'registered');
  await act('shiftleader', 'file', no, 'file', 'filed',
            (f) => f.locator('textarea[name=note]').fill('符合立案条件'));
  await act('dispatcher', 'dispatch', no, 'dispatch', 'dispatched', async (f) => {
    await f.locator('input[name=depts][value=hwc]').check();
    await f.locator('input[name=limit]').fill('8');
  });
  await act('dept-hwc', 'handle', no, 'handle', 'handled', async (f) => {
    await f.locator('textarea[name=note]').fill('已清运，路面已冲洗');
    await f.locator('input[name=photo]').setInputFiles(photo('after.png'));
  }, 'case-handle');
  await act('operator', 'check_request', no, 'check_request', 'checking');
  await act('gridworker', 'check', no, 'check', 'checked', async (f) => {
    await f.locator('input[name=pass][value="1"]').check();
    await f.locator('textarea[name=note]').fill('现场已整改');
  });
  await act('shiftleader', 'close', no, 'close', 'closed');

  // the staff page of the closed case: its history and both photos
  const staff = await newPage(it.browser);
  await login(staff, it.srv, 'leader');
  await staff.goto(it.srv.base + '/#/case/' + no);
  await staff.waitForSelector(`article.case[data-no="${no}"][data-state=closed]`);
  const actions = await staff.$$eval('.timeline li', (li) => li.map((x) => x.dataset.action));
  assert.deepEqual(actions, ['report', 'register', 'file', 'dispatch', 'handle', 'check_request', 'check',
                             'close']);
  await staff.waitForSelector('.photos[data-stage=before] img[src^="blob:"]');
  await staff.waitForSelector('.photos[data-stage=after] img[src^="blob:"]');
  await screenshot(staff, 'case-closed', {fullPage: true});
  await staff.context().close();

  // the reporter follows it from "my reports" and rates it
  await pub.click('#tabs a[data-view=mine]');
  await pub.click(`.case-row a[href="#/lookup/${no}"]`);
  await pub.waitForSelector(`article.case[data-no="${no}"][data-state=closed]`);
  await pub.check('form.rate input[name=rating][value=satisfied]');
  await pub.fill('#rate-note', '处理及时，很满意');
  await screenshot(pub, 'public-lookup', {fullPage: true});
  await pub.click('form.rate button[type=submit]');
  await pub.waitForSelector('dd.rated');
  assert.match(await pub.textContent('dd.rated'), /满意/);
  assert.equal(await pub.$('form.rate'), null, 'no second rating');
  assert.deepEqual(pub.errors, []);
  await pub.context().close();
});

test('an action the server refuses says why, and the page stays usable', async () => {
  const leader = await tokenFor(it.srv, 'shiftleader');
  const reg = (await api(it.srv, leader, '/api/v1/cases?state=registered&limit=1')).cases[0];
  assert.ok(reg, 'the demo holds a registered case');
  const page = await newPage(it.browser);
  await login(page, it.srv, 'shiftleader');
  await page.goto(it.srv.base + '/#/case/' + reg.no);
  await page.click('.actions button[data-action=file]');
  await page.waitForSelector('form.action-form[data-action=file]');
  // meanwhile someone else voids it
  await api(it.srv, leader, `/api/v1/cases/${reg.no}/void`, {note: '重复上报'});
  await page.click('form.action-form[data-action=file] button[type=submit]');
  await page.waitForFunction(() => document.querySelector('form.action-form .form-error').textContent.length > 0);
  const msg = await page.textContent('form.action-form .form-error');
  assert.match(msg, /服务器拒绝了此操作/);
  assert.match(msg, /void/);
  assert.equal(await page.isEnabled('form.action-form button[type=submit]'), true, 'the form can be sent again');
  assert.deepEqual(page.errors.filter((e) => !/409/.test(e)), []);
});

test('a report of a component shows which component and what became of it', async () => {
  const op = await tokenFor(it.srv, 'operator');
  const at = await pointIn(it.srv, '410104001001');
  const c = await api(it.srv, op, '/api/v1/cases', {
    scheme: 'gb47678', kind: 'component', code: '01002', lat: at.lat, lon: at.lon,
    description: '井盖丢失', component_id: '41010401002000321', component_state: 'missing'});
  const page = await newPage(it.browser);
  await login(page, it.srv, 'operator');
  await page.goto(it.srv.base + '/#/case/' + c.no);
  await page.waitForSelector(`article.case[data-no="${c.no}"] dd.component`);
  assert.equal(await page.textContent('dd.component'), '41010401002000321 · 丢失');
  assert.deepEqual(page.errors, []);
});
