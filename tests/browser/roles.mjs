// roles.mjs — every demo user logs in through the form and sees their own
// work: the view their role starts in, the work lists of their role with
// the first one open, and in each list the number of cases the API has
// for it. A wrong password is refused with a message; logging in works
// with the keyboard alone; the lists fit a phone's width.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenOf, api, screenshot, assertNoOverflow} from './lib.mjs';

const it = useServerAndBrowser();

// user: [role, view it starts in, its work lists as [key, query]]
const open = 'state=open', late = 'state=open&overdue=1';
const USERS = {
  gridworker: ['grid_worker', 'queue', [['verify', 'state=verifying'], ['check', 'state=checking'],
                                        ['drafts', 'state=draft']]],
  operator: ['operator', 'map', [['intake', 'state=reported'], ['register', 'state=verified'],
                                 ['check_request', 'state=handled']]],
  shiftleader: ['shift_leader', 'map', [['file', 'state=registered'], ['close', 'state=checked'],
                                        ['self', 'state=self_handled'], ['deferred', 'state=deferred']]],
  dispatcher: ['dispatcher', 'map', [['dispatch', 'state=filed'], ['dispatched', 'state=dispatched'],
                                     ['suspended', 'state=suspended']]],
  'dept-hwc': ['department', 'queue', [['handle', 'state=dispatched']]],
  street: ['street', 'map', [['dispatch', 'state=filed'], ['overdue', late], ['open', open]]],
  community: ['community', 'map', [['overdue', late], ['open', open]]],
  roadchief: ['road_chief', 'map', [['overdue', late], ['open', open]]],
  leader: ['leader', 'map', [['overdue', late], ['open', open]]],
  citizen: ['public', 'queue', [['mine', '']]],
  admin: ['admin', 'map', [['open', open], ['overdue', late]]],
};

test('each role logs in and sees its own work lists', async () => {
  for (const [user, [role, view, lists]] of Object.entries(USERS)) {
    const page = await newPage(it.browser);
    await login(page, it.srv, user);
    await page.waitForFunction((v) => location.hash.startsWith('#/' + v), view);
    if (view === 'map') await page.waitForSelector('body[data-map-ready="1"]');
    const me = await api(it.srv, await tokenOf(page), '/api/v1/me');
    assert.equal(me.role, role, user);
    assert.match(await page.textContent('#who'), new RegExp(me.name));

    await page.click('#nav a[data-view=queue]');
    await page.waitForSelector(`.cases[data-queue=${lists[0][0]}][data-ready="1"]`);
    const tabs = await page.$$eval('.tabs a[data-queue]', (a) => a.map((x) => x.dataset.queue));
    assert.deepEqual(tabs, lists.map(([k]) => k), user + ': the lists of ' + role);
    const token = await tokenOf(page);
    for (const [key, q] of lists) {
      const want = (await api(it.srv, token, `/api/v1/cases?limit=1&${q}`)).total;
      await page.waitForFunction((k) => /\d/.test(document.querySelector(`.count[data-count=${k}]`).textContent),
                                 key);
      assert.equal(Number(await page.textContent(`.count[data-count=${key}]`)), want, `${user}: ${key} count`);
    }
    // the first list: its cases, the most urgent deadline first
    const want = await api(it.srv, token, `/api/v1/cases?limit=50&sort=due&${lists[0][1]}`);
    assert.equal(Number(await page.getAttribute('.summary', 'data-total')), want.total);
    const shown = await page.$$eval('.case-row', (r) => r.map((x) => x.dataset.no));
    assert.deepEqual(shown, want.cases.map((c) => c.no), user + ': the list and its order');
    if (user === 'dispatcher') await screenshot(page, 'queue');
    assert.deepEqual(page.errors, [], user);
    await page.context().close();
  }
});

test('a wrong password is refused with a message', async () => {
  const page = await newPage(it.browser);
  await page.goto(it.srv.base + '/#/login');
  await page.fill('input[name=login]', 'leader');
  await page.fill('input[name=password]', 'not the password');
  await page.click('form.login button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert.match(await page.textContent('#login-error'), /登录失败/);
  assert.equal(await page.evaluate(() => localStorage.getItem('cg.token')), null);
});

test('logging in and opening a case with the keyboard alone, at a phone\'s width', async () => {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true});
  await page.goto(it.srv.base + '/#/login');
  await page.waitForSelector('form.login');
  // the form has the focus from the start
  await page.waitForFunction(() => document.activeElement.name === 'login');
  await page.keyboard.type('dept-hwc');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'password');
  await page.keyboard.type(it.srv.passwords['dept-hwc']);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cases[data-queue=handle][data-ready="1"]');
  await assertNoOverflow(page, 'work list at phone width');
  // Tab to the first case and open it
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.activeElement.closest('.case-row'))) break;
  }
  const no = await page.evaluate(() => document.activeElement.closest('.case-row').dataset.no);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`article.case[data-no="${no}"]`);
  await assertNoOverflow(page, 'case page at phone width');
  // its first action, by keyboard too
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.activeElement.dataset.action)) break;
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('form.action-form');
  await assertNoOverflow(page, 'an action form at phone width');
  await screenshot(page, 'case-phone', {fullPage: true});
  assert.deepEqual(page.errors, []);
});
