// report.mjs — the staff's report form (#/report). An operator takes a
// hotline call: picks the category, types the caller's coordinates, adds
// a photo, the caller's name and phone, and the new case opens with
// exactly that in the store. A place outside the district and a
// component's code the server refuses are said in the form, which keeps
// what was typed, and nothing is stored. A grid worker keeps a report as
// a draft, and reports one fixed on the spot only with a photo of the
// result. Roles that do not report have no link to the form and are sent
// home from it; the form fits a phone's width.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenOf, api, pointIn, photo, screenshot,
        assertNoOverflow} from './lib.mjs';

const it = useServerAndBrowser();
const phone = {viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true};

// How many reported cases (not taken in yet) the holder of token sees,
// by the API: the new ones are among them.
async function count(token) {
  const r = await api(it.srv, token, '/api/v1/cases?state=reported&limit=1');
  assert.equal(r.total_exact, true);
  return r.total;
}

// Open the form through the navigation, and wait for the map and the
// category lists.
async function openForm(page) {
  await page.click('#nav a[data-view=report]');
  await page.waitForSelector('form.report #report-map.leaflet-container');
}

// A page of user's (opts: the page's options) with the form open, the
// user's token, and the count() before anything is reported.
async function start(user, opts) {
  const page = await newPage(it.browser, opts);
  await login(page, it.srv, user);
  const token = await tokenOf(page);
  const before = await count(token);
  await openForm(page);
  return {page, token, before};
}

// Choose a category and a place typed as coordinates.
async function fillBasics(page, at, minor) {
  const [scheme, kind, code] = minor.split(':');
  await page.selectOption('#cat-scheme', scheme);
  await page.selectOption('#cat-major', kind + ':' + code.slice(0, 2));
  await page.selectOption('#cat-minor', minor);
  await page.fill('#lat', String(at.lat));
  await page.fill('#lon', String(at.lon));
  await page.click('#place-go');
  await page.waitForSelector('#place-text.good');
}

test('an operator enters a hotline call and the case is stored as typed', async () => {
  const at = await pointIn(it.srv, '410104001001');
  const {page, token, before} = await start('operator');
  // only the kinds of report a grid worker makes are not offered
  assert.equal(await page.locator('input[name=mode]').count(), 0);
  assert.equal(await page.inputValue('#source'), 'hotline'); /* an operator's calls */
  assert.equal(await page.isHidden('fieldset.component'), true);
  await fillBasics(page, at, 'gb47678:matter:06010');
  assert.match(await page.textContent('#place-text'), /410104001001\d{3}/); /* the unit grid */
  await page.fill('#address', '城东路与顺河路交叉口东北角');
  await page.fill('#description', '来电反映：人行道上堆放建筑垃圾，影响通行');
  await page.selectOption('#urgency', '1');
  await page.fill('#reporter_name', '王先生');
  await page.fill('#reporter_phone', '13800001234');
  await page.setInputFiles('#photos', photo('before.png'));
  await screenshot(page, 'staff-report', {fullPage: true});
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => location.hash.startsWith('#/case/'));
  const no = decodeURIComponent(await page.evaluate(() => location.hash.slice('#/case/'.length)));
  await page.waitForSelector(`article.case[data-no="${no}"][data-state=reported]`);

  const c = await api(it.srv, token, '/api/v1/cases/' + no);
  assert.deepEqual([c.category.scheme, c.category.kind, c.category.code], ['gb47678', 'matter', '06010']);
  assert.equal(c.lat, at.lat);
  assert.equal(c.lon, at.lon);
  assert.equal(c.community.code, '410104001001');
  assert.equal(c.address, '城东路与顺河路交叉口东北角');
  assert.equal(c.description, '来电反映：人行道上堆放建筑垃圾，影响通行');
  assert.equal(c.urgency, 1);
  assert.equal(c.source, 'hotline');
  assert.equal(c.case_type, 'daily');
  assert.equal(c.area_class, 'B');
  assert.equal(c.reporter.login, 'operator');
  assert.equal(c.reporter.name, '王先生');
  assert.equal(c.reporter.phone, '13800001234');
  assert.equal(c.attachments.length, 1);
  assert.equal(c.attachments[0].stage, 'before');
  assert.equal(await count(token), before + 1);
  // the public view of it names no caller
  const pub = await api(it.srv, null, '/api/v1/public/cases/' + no);
  assert.ok(!JSON.stringify(pub).includes('13800001234'));
  assert.ok(!JSON.stringify(pub).includes('王先生'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('refusals are said in the form and store nothing', async () => {
  const at = await pointIn(it.srv, '410104001001');
  const {page, token, before} = await start('operator');
  // a place outside the district
  await page.fill('#lat', '34.9');
  await page.fill('#lon', '113.5');
  await page.click('#place-go');
  await page.waitForSelector('#place-text.bad');
  await page.fill('#description', '井盖破损');
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => /\S/.test(document.querySelector('#report-error').textContent));
  assert.match(await page.textContent('#report-error'), /问题类别/);
  assert.match(await page.textContent('#report-error'), /问题位置/);
  // a component whose code the server refuses: its words, the form kept
  await page.selectOption('#cat-scheme', 'gb47678');
  const major = await page.$$eval('#cat-major option', (o) => o.map((x) => x.value).find((v) => v.startsWith('component:')));
  await page.selectOption('#cat-major', major);
  const minor = await page.$$eval('#cat-minor option', (o) => o.map((x) => x.value).find((v) => v));
  await page.selectOption('#cat-minor', minor);
  assert.equal(await page.isVisible('fieldset.component'), true);
  await page.fill('#component_id', '123');
  await page.selectOption('#component_state', 'damaged');
  await page.fill('#lat', String(at.lat));
  await page.fill('#lon', String(at.lon));
  await page.press('#lon', 'Enter'); /* locates, does not send */
  await page.waitForSelector('#place-text.good');
  assert.equal(page.url().includes('#/report'), true);
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => /17/.test(document.querySelector('#report-error').textContent));
  assert.match(await page.textContent('#report-error'), /component identifier '123' is not 17 digits/);
  assert.equal(await page.inputValue('#description'), '井盖破损');
  assert.equal(await page.inputValue('#component_id'), '123');
  assert.equal(await page.isEnabled('form.report button[type=submit]'), true);
  assert.equal(await count(token), before);
  // corrected, it goes through, with the component's code and state
  const code = minor.split(':')[2];
  await page.fill('#component_id', '410104' + code + '0'.repeat(17 - 6 - code.length - 1) + '7');
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => location.hash.startsWith('#/case/'));
  const no = decodeURIComponent(await page.evaluate(() => location.hash.slice('#/case/'.length)));
  const c = await api(it.srv, token, '/api/v1/cases/' + no);
  assert.equal(c.category.kind, 'component');
  assert.equal(c.component.id, '410104' + code + '0'.repeat(17 - 6 - code.length - 1) + '7');
  assert.equal(c.component.state, 'damaged');
  assert.equal(await count(token), before + 1);
  // the browser logs the refused request itself; nothing else went wrong
  assert.deepEqual(page.errors.filter((m) => !/responded with a status of 400/.test(m)), []);
  await page.context().close();
});

test('a grid worker keeps a draft, and fixes one on the spot with a photo of it', async () => {
  const at = await pointIn(it.srv, '410104001001');
  const {page, token} = await start('gridworker', phone);
  assert.equal(await page.inputValue('#source'), 'patrol');
  await assertNoOverflow(page, 'the report form at phone width');
  await fillBasics(page, at, 'gb47678:matter:06010');
  await page.fill('#description', '路边有暴露垃圾');
  await page.check('input[name=mode][value=draft]');
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => location.hash.startsWith('#/case/'));
  let no = decodeURIComponent(await page.evaluate(() => location.hash.slice('#/case/'.length)));
  assert.equal((await api(it.srv, token, '/api/v1/cases/' + no)).state, 'draft');

  await openForm(page);
  await fillBasics(page, at, 'gb47678:matter:06010');
  await page.fill('#description', '路边小广告，已当场清除');
  await page.check('input[name=mode][value=self]');
  assert.equal(await page.isVisible('#photos_after'), true);
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => /\S/.test(document.querySelector('#report-error').textContent));
  assert.match(await page.textContent('#report-error'), /处置后照片/);
  await page.setInputFiles('#photos', photo('before.png'));
  await page.setInputFiles('#photos_after', photo('after.png'));
  await page.click('form.report button[type=submit]');
  await page.waitForFunction(() => location.hash.startsWith('#/case/'));
  no = decodeURIComponent(await page.evaluate(() => location.hash.slice('#/case/'.length)));
  const c = await api(it.srv, token, '/api/v1/cases/' + no);
  assert.equal(c.state, 'self_handled');
  assert.deepEqual(c.attachments.map((a) => a.stage).sort(), ['after', 'before']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('roles that do not report have no form', async () => {
  for (const user of ['dispatcher', 'dept-hwc', 'leader', 'shiftleader']) {
    const page = await newPage(it.browser);
    await login(page, it.srv, user);
    assert.equal(await page.isHidden('#nav a[data-view=report]'), true, user);
    await page.evaluate(() => (location.hash = '#/report'));
    await page.waitForFunction(() => !location.hash.startsWith('#/report'));
    assert.equal(await page.locator('form.report').count(), 0, user);
    assert.deepEqual(page.errors, [], user);
    await page.context().close();
  }
});
