// live.mjs — the command-centre map follows the store without a reload:
// a case reported while a leader watches appears on the map and in the
// counters, and an overdue (red) case turns green on the map when the
// dispatcher sends it to a department, both through the event stream.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenFor, api, pointIn, screenshot} from './lib.mjs';

const it = useServerAndBrowser();

const counter = (page, k) => page.$eval(`.counter[data-count=${k}] .n`, (e) => Number(e.textContent.replace(/\D/g, '')));

// Centre the map on case no with the map's own search box; its marker's
// light then.
async function find(page, no) {
  await page.fill('form.find input[name=no]', no);
  await page.click('form.find button[type=submit]');
  const mark = page.locator(`.pt span[data-no="${no}"]`);
  await mark.waitFor();
  await page.waitForSelector(`.case-card[data-no="${no}"] h3`);
  return mark.getAttribute('data-light');
}

test('the map shows a new case and recolours a case, live', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'leader');
  await page.waitForSelector('body[data-map-ready="1"]');
  await page.waitForSelector('.live[data-live=open]');
  await screenshot(page, 'map');
  const total = await counter(page, 'total');
  const leader = await tokenFor(it.srv, 'leader');
  const points = await api(it.srv, leader, '/api/v1/cases/points?state=open');
  assert.equal(total, points.count, 'the counter is the API\'s count');
  assert.equal(await counter(page, 'red'), points.points.filter((p) => p[3] === 2).length);

  // a new report, while the leader watches
  const at = await pointIn(it.srv, '410104003001');
  const r = await api(it.srv, null, '/api/v1/public/cases', {scheme: 'gb47678', kind: 'matter', code: '06010',
                                                          lat: at.lat, lon: at.lon, description: '路口暴露垃圾'});
  await page.waitForFunction((n) => Number(document.querySelector('.counter[data-count=total] .n')
                                            .textContent.replace(/\D/g, '')) === n + 1, total);
  const light = await find(page, r.no);
  assert.equal(light, r.case.light || 'none');

  // a red case filed and waiting: dispatched, it turns green
  const dispatcher = await tokenFor(it.srv, 'dispatcher');
  const filed = await api(it.srv, dispatcher, '/api/v1/cases?state=filed&limit=100');
  const red = filed.cases.find((c) => c.light === 'red' && c.dept);
  assert.ok(red, 'the demo holds an overdue filed case');
  assert.equal(await find(page, red.no), 'red');
  const reds = await counter(page, 'red');
  await api(it.srv, dispatcher, `/api/v1/cases/${red.no}/dispatch`, {});
  await page.waitForSelector(`.pt span[data-no="${red.no}"][data-light=green]`);
  await page.waitForFunction((n) => Number(document.querySelector('.counter[data-count=red] .n')
                                            .textContent.replace(/\D/g, '')) === n - 1, reds);
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
  assert.deepEqual(page.errors, []);
});

test('the map at a phone\'s width', async () => {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
  await login(page, it.srv, 'leader');
  await page.waitForSelector('body[data-map-ready="1"]');
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(sw <= w + 1, `the map page is ${sw}px wide at ${w}px`);
  await screenshot(page, 'map-phone');
  assert.deepEqual(page.errors, []);
});
