// stats.mjs — the statistics page shows the API's numbers: its counters
// and every panel's table equal GET /api/v1/stats (and the overdue list
// GET /api/v1/cases) for the same filters, first with none, then with a
// street, a category and a date range chosen in the page's form.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenOf, api, screenshot, assertNoOverflow} from './lib.mjs';

const it = useServerAndBrowser();

// What the page shows: counters, and each panel's table as key -> cells.
function read(page) {
  return page.evaluate(() => {
    const num = (s) => Number(String(s).replace(/[^\d.]/g, ''));
    const out = {counters: {}, panels: {}};
    for (const c of document.querySelectorAll('.stats-body .counter'))
      out.counters[c.dataset.count] = c.querySelector('.n').textContent;
    for (const p of document.querySelectorAll('.panel[data-stat]')) {
      const rows = {};
      for (const tr of p.querySelectorAll('tbody tr'))
        rows[tr.dataset.key] = [...tr.children].slice(1).map((td) => num(td.textContent));
      out.panels[p.dataset.stat] = rows;
      if (p.dataset.stat === 'overdue_list')
        out.overdue = [...p.querySelectorAll('.case-row')].map((r) => r.dataset.no);
    }
    return out;
  });
}

function compare(shown, s, overdue, what) {
  for (const k of ['total', 'open', 'closed', 'overdue'])
    assert.equal(Number(shown.counters[k]), s[k], `${what}: counter ${k}`);
  for (const k of ['by_state', 'by_category', 'by_street', 'by_source', 'by_dept']) {
    const want = Object.fromEntries(s[k].map((r) => [r.key, [r.count]]));
    assert.deepEqual(shown.panels[k], want, `${what}: ${k}`);
  }
  for (const k of ['on_time_by_dept', 'on_time_by_street']) {
    const want = Object.fromEntries(s[k].map((r) => [r.key, [r.closed, r.on_time, +(100 * r.rate).toFixed(1)]]));
    assert.deepEqual(shown.panels[k], want, `${what}: ${k}`);
  }
  const daily = Object.fromEntries(s.daily.map((r) => [r.day, [r.intake, r.closed]]));
  assert.deepEqual(shown.panels.daily, daily, `${what}: daily`);
  assert.deepEqual(shown.overdue, overdue.cases.map((c) => c.no), `${what}: overdue list`);
}

test('the statistics page shows the API\'s numbers, with and without filters', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'leader');
  await page.click('#nav a[data-view=stats]');
  await page.waitForSelector('.stats-body[data-ready="1"]');
  const token = await tokenOf(page);
  let s = await api(it.srv, token, '/api/v1/stats');
  let overdue = await api(it.srv, token, '/api/v1/cases?overdue=1&sort=due&limit=50');
  assert.ok(s.total > 1000, 'the demo data is there');
  compare(await read(page), s, overdue, 'no filter');
  await screenshot(page, 'stats', {fullPage: true});

  // the street with the most cases, the largest category, a date range
  const street = s.by_street[0].key, category = s.by_category[0].key;
  await page.selectOption('form.filters select[name=area]', street);
  await page.selectOption('form.filters select[name=category]', category);
  await page.fill('form.filters input[name=from]', '2020-01-01');
  await page.fill('form.filters input[name=to]', '2099-12-30');
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector('.stats-body[data-ready="1"]');
  const q = `area=${street}&category=${category}&from=2020-01-01&to=2099-12-31`;
  s = await api(it.srv, token, '/api/v1/stats?' + q);
  overdue = await api(it.srv, token, `/api/v1/cases?${q}&overdue=1&sort=due&limit=50`);
  const list = await api(it.srv, token, `/api/v1/cases?${q}&limit=1`);
  assert.equal(s.total, list.total, 'the API agrees with itself');
  assert.ok(s.total > 0 && s.total < 1482, 'the filter filters');
  compare(await read(page), s, overdue, 'street, category, dates');
  assert.deepEqual(page.errors, []);
});

test('the statistics page at a phone\'s width', async () => {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true});
  await login(page, it.srv, 'leader');
  await page.click('#nav a[data-view=stats]');
  await page.waitForSelector('.stats-body[data-ready="1"]');
  await assertNoOverflow(page, 'statistics at phone width');
  assert.deepEqual(page.errors, []);
});
