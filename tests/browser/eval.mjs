// eval.mjs — the evaluation page shows the API's figures: the leader opens
// the tab, and for a week, a month and several kinds of unit the ranking
// (its rows, their order, ranks, scores, grades, changes and the terms of
// the score) and the chart equal GET /api/v1/indicators for the same
// period and unit, nulls shown as "—"; a period with nothing to score
// says so; the table sorts by mouse and keyboard; the map draws every
// segment and colours exactly the flagged ones of GET /api/v1/flags; a
// segment's card has its score and flag history, and for an
// administrator a form that names its chiefs; the bulletin downloads
// as a spreadsheet (a zip). People's kinds are offered only to the roles
// the API shows them to, and a role that may not see the evaluation has
// no tab. Phone width, in both languages, without sideways scrolling.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {useServerAndBrowser, newPage, login, tokenOf, api, screenshot, assertNoOverflow} from './lib.mjs';

const it = useServerAndBrowser();

// What the ranking table shows, row by row, in its order.
function readTable(page) {
  return page.evaluate(() => [...document.querySelectorAll('table.ranking tbody tr')].map((tr) => {
    const cells = {};
    for (const c of tr.children) cells[c.dataset.col] = c;
    const text = (c) => (c ? c.textContent.trim() : undefined);
    return {
      code: tr.dataset.code,
      rank: text(cells.rank), score: text(cells.score), grade: text(cells.grade),
      change: text(cells.change?.querySelector('.d-score')),
      rankChange: cells.change?.querySelector('.d-rank')?.dataset.rank ?? null,
      terms: Object.fromEntries(Object.entries(cells).filter(([k]) => !['rank', 'unit', 'score', 'grade', 'change']
        .includes(k)).map(([k, c]) => [k, text(c)])),
    };
  }));
}

// A figure as shown: "—" is null; otherwise a number (signs, % dropped).
function shown(s) {
  if (s === '—') return null;
  const v = Number(s.replace('%', '').replace('−', '-').replace('+', ''));
  assert.ok(Number.isFinite(v), `"${s}" is a number or "—"`);
  return v;
}

function sameFigure(text, want, what) {
  const got = shown(text);
  if (want === null || want === undefined) assert.equal(got, null, `${what}: null shows as —, not "${text}"`);
  else assert.ok(got !== null && Math.abs(got - want) < 0.006, `${what}: shows "${text}", the API has ${want}`);
}

// The table equals the API's rows, in the API's order (by rank).
function compareTable(rows, res, what) {
  assert.deepEqual(rows.map((r) => r.code), res.rows.map((r) => r.code), `${what}: the rows and their order`);
  const terms = res.terms.map((x) => x.key);
  assert.ok(terms.length > 0, `${what}: the score has terms`);
  res.rows.forEach((r, i) => {
    const s = rows[i], w = `${what}, ${r.code}`;
    sameFigure(s.rank, r.rank, w + ' rank');
    sameFigure(s.score, r.score, w + ' score');
    assert.equal(s.grade, r.grade ?? '—', w + ' grade');
    sameFigure(s.change, r.change.score, w + ' change of score');
    assert.equal(s.rankChange === null ? null : Number(s.rankChange), r.change.rank || null, w + ' change of rank');
    assert.deepEqual(Object.keys(s.terms), terms, w + ': the terms of the score as columns');
    for (const k of terms) sameFigure(s.terms[k], r.indicators[k], `${w} ${k}`);
  });
}

async function ready(page, unit, key) {
  const is = `[data-unit="${unit}"][data-period="${key}"]`;
  await page.waitForSelector(`.eval-body[data-ready="1"] table.ranking${is}, .eval-body[data-ready="1"] [data-empty="1"]${is}`);
}

async function choose(page, {kind, key, unit}) {
  if (kind) await page.selectOption('select[name=kind]', kind);
  if (kind) await page.waitForFunction(() => document.querySelector('select[name=period]').options.length > 0);
  if (key) await page.selectOption('select[name=period]', key);
  if (unit) await page.selectOption('select[name=unit]', unit);
  const u = await page.inputValue('select[name=unit]'), k = await page.inputValue('select[name=period]');
  await ready(page, u, k);
  return {unit: u, key: k};
}

// The chart's bars: the scores of the scored rows, best first.
function chartScores(page) {
  return page.evaluate(() => {
    const c = window.echarts.getInstanceByDom(document.querySelector('[data-panel=chart] .chart'));
    return c.getOption().series[0].data.map((d) => d.value);
  });
}

test('the evaluation page shows the API\'s rankings, grades, flags and bulletin', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'leader');
  await page.click('#nav a[data-view=eval]');
  await page.waitForSelector('.eval-body[data-ready="1"]');
  const token = await tokenOf(page);
  const q = (p) => api(it.srv, token, p);

  // by default: the last full week, streets
  const weeks = (await q('/api/v1/periods?kind=week&count=26')).periods;
  const lastFull = weeks.find((p) => p.complete).key;
  assert.equal(await page.inputValue('select[name=kind]'), 'week');
  assert.equal(await page.inputValue('select[name=period]'), lastFull);
  assert.equal(await page.inputValue('select[name=unit]'), 'street');
  assert.deepEqual(await page.$$eval('select[name=period] option', (o) => o.map((x) => x.value)),
                   weeks.map((p) => p.key), 'the weeks offered are the API\'s');
  let res = await q(`/api/v1/indicators?unit=street&week=${lastFull}`);
  if (res.rows.some((r) => r.score !== null)) compareTable(await readTable(page), res, 'default');
  else assert.ok(await page.$('[data-empty="1"]'), 'an empty default week says so');

  // the newest week the demo's cases give scores to
  let week = null;
  for (const p of weeks) {
    res = await q(`/api/v1/indicators?unit=street&week=${p.key}`);
    if (res.rows.some((r) => r.score !== null)) {
      week = p.key;
      break;
    }
  }
  assert.ok(week, 'the demo data scores some week');
  await choose(page, {key: week});
  compareTable(await readTable(page), res, `streets ${week}`);
  assert.deepEqual(await chartScores(page), res.rows.filter((r) => r.score !== null).map((r) => r.score),
                   'the chart has the scores');
  // the help: the score's terms with their weights, every grade
  const help = await page.$$eval('.help [data-term]', (l) => l.map((x) => x.dataset.term));
  assert.deepEqual(help, res.terms.map((x) => x.key));
  assert.deepEqual(await page.$$eval('.help [data-grade]', (l) => l.map((x) => x.dataset.grade)),
                   [...res.grades.map((g) => g.grade), 'E']);
  const defs = (await q('/api/v1/indicators/definitions')).indicators.filter((d) => d.kinds.includes('street'));
  assert.deepEqual(await page.$$eval('.help [data-def]', (l) => l.map((x) => x.dataset.def)), defs.map((d) => d.key));

  // sorting: by score, highest first, a unit without one last; again by
  // keyboard, lowest first
  await page.click('button[data-sort=score]');
  assert.equal(await page.getAttribute('th[data-col=score]', 'aria-sort'), 'descending');
  let order = (await readTable(page)).map((r) => shown(r.score));
  const scored = order.filter((v) => v !== null);
  assert.deepEqual(scored, [...scored].sort((a, b) => b - a));
  assert.ok(order.indexOf(null) < 0 || order.slice(order.indexOf(null)).every((v) => v === null), 'no score: last');
  await page.focus('button[data-sort=score]');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('th[data-col=score]', 'aria-sort'), 'ascending');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.sort), 'score', 'the focus stays');
  order = (await readTable(page)).map((r) => shown(r.score)).filter((v) => v !== null);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));

  // other kinds of unit, people's among them for a leader
  const units = await page.$$eval('select[name=unit] option', (o) => o.map((x) => x.value));
  assert.deepEqual(units, ['street', 'dept', 'community', 'segment', 'supervisor', 'operator', 'shift_leader',
                           'dispatcher']);
  for (const unit of ['dept', 'operator', 'segment']) {
    await choose(page, {unit});
    res = await q(`/api/v1/indicators?unit=${unit}&week=${week}`);
    if (res.rows.some((r) => r.score !== null)) compareTable(await readTable(page), res, `${unit} ${week}`);
    else assert.ok(await page.$('[data-empty="1"]'), `${unit}: nothing to score, and it says so`);
  }

  // the map: every segment, the flagged ones in their colours
  await page.waitForSelector(`#eval-map[data-ready="1"][data-week="${week}"]`);
  const segs = await q('/api/v1/segments');
  const flags = await q(`/api/v1/flags?week=${week}`);
  assert.ok(flags.red.length + flags.black.length > 0, 'the week has flags');
  const drawn = await page.$$eval('#eval-map path[data-segment]', (l) => l.map((p) => [p.dataset.segment, p.dataset.flag,
    getComputedStyle(p).stroke]));
  assert.equal(drawn.length, segs.features.length, 'every segment is drawn');
  const of = (f) => drawn.filter((d) => d[1] === f).map((d) => d[0]).sort();
  assert.deepEqual(of('red'), flags.red.map((x) => x.segment).sort(), 'red flags');
  assert.deepEqual(of('black'), flags.black.map((x) => x.segment).sort(), 'black flags');
  const colour = (f) => new Set(drawn.filter((d) => d[1] === f).map((d) => d[2]));
  // a week may have no flag of one colour (ties at the bottom flag none,
  // by the shipped rule): each colour that is there is drawn in its own
  if (flags.red.length) assert.deepEqual([...colour('red')], ['rgb(198, 40, 40)']);
  if (flags.black.length) assert.deepEqual([...colour('black')], ['rgb(17, 17, 17)']);
  assert.ok(!colour('none').has('rgb(198, 40, 40)') && !colour('none').has('rgb(17, 17, 17)'));
  await screenshot(page, 'evaluation', {fullPage: true});
  // a flagged segment's card, opened from the list beside the map
  const seg = (flags.black[0] || flags.red[0]).segment;
  await page.click(`.flag-list li[data-segment="${seg}"] button`);
  await page.waitForSelector(`.seg-card[data-segment="${seg}"] h3`);
  const one = (await q(`/api/v1/indicators?unit=segment&code=${seg}&week=${week}`)).rows[0];
  sameFigure(await page.textContent(`.seg-card[data-segment="${seg}"] dd[data-score]`).then((s) => s.trim().split(/\s/)[0]),
             one.score, 'the card\'s score');
  const hist = await q(`/api/v1/segments/${seg}/flags`);
  assert.equal(await page.$$eval('.seg-card .history li', (l) => l.length), hist.flags.length, 'the flag history');
  assert.equal(await page.$('.seg-card form.chief'), null, 'a leader does not name chiefs');
  // and any segment's, from its row in the ranking, by keyboard
  const other = res.rows.find((r) => r.code !== seg).code;
  await page.focus(`table.ranking tr[data-code="${other}"] th button`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.seg-card[data-segment="${other}"] dd[data-score]`);

  // the bulletin of the week, as a spreadsheet: a zip, sent with the token
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.downloads button[data-format=xlsx]')]);
  assert.equal(dl.suggestedFilename(), `citygrid-weekly-${week}.xlsx`);
  const bytes = fs.readFileSync(await dl.path());
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx is a zip');

  // a month with nothing to score: an honest empty state, no zeros
  const months = (await q('/api/v1/periods?kind=month&count=24')).periods;
  let empty = null;
  for (const p of months)
    if (!(await q(`/api/v1/indicators?unit=street&month=${p.key}`)).rows.some((r) => r.score !== null)) {
      empty = p.key;
      break;
    }
  assert.ok(empty, 'some month of the demo has no cases');
  await choose(page, {kind: 'month'});
  await choose(page, {key: empty});
  assert.ok(await page.$('[data-empty="1"]'), 'the empty month says so');
  assert.equal(await page.$('[data-panel=chart]'), null, 'and draws no chart');
  assert.ok((await page.textContent('.downloads')).includes(months.find((p) => p.key === empty).zh),
            'the monthly bulletin of that month');
  await page.waitForSelector('#eval-map[data-ready="1"][data-week=""]');
  assert.equal(await page.$$eval('#eval-map path[data-flag=red], #eval-map path[data-flag=black]', (l) => l.length), 0,
               'flags are weekly: none on a month');
  // a quarter has no bulletin to download
  await choose(page, {kind: 'quarter'});
  assert.equal(await page.$('.downloads button'), null);
  assert.deepEqual(page.errors, []);
});

test('an administrator names a segment\'s chief in its card', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'admin');
  await page.click('#nav a[data-view=eval]');
  await page.waitForSelector('.eval-body[data-ready="1"]');
  const q = async (p) => api(it.srv, await tokenOf(page), p);
  // a week in which segments are ranked, and one of them
  let week = null, code = null;
  for (const p of (await q('/api/v1/periods?kind=week&count=26')).periods) {
    const rows = (await q(`/api/v1/indicators?unit=segment&week=${p.key}`)).rows;
    if (rows.length) {
      [week, code] = [p.key, rows[0].code];
      break;
    }
  }
  assert.ok(week, 'the demo ranks segments in some week');
  await choose(page, {key: week, unit: 'segment'});
  await page.click(`table.ranking tr[data-code="${code}"] th button`);
  await page.waitForSelector(`.seg-card[data-segment="${code}"] form.chief`);
  await page.selectOption('.seg-card form.chief select[name=level]', '2');
  await page.fill('.seg-card form.chief input[name=chief]', '李路长');
  await page.click('.seg-card form.chief button[type=submit]');
  await page.waitForFunction((c) => document.querySelector(`.seg-card[data-segment="${c}"] dd ul`)
    ?.textContent.includes('李路长'), code);
  const seg = (await q('/api/v1/segments')).features.find((f) => f.properties.id === code);
  assert.equal(seg.properties.chief2, '李路长');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('people\'s figures only for the roles the API shows them to; no tab for the public', async () => {
  const page = await newPage(it.browser);
  await login(page, it.srv, 'dispatcher');
  await page.click('#nav a[data-view=eval]');
  await page.waitForSelector('.eval-body[data-ready="1"]');
  assert.deepEqual(await page.$$eval('select[name=unit] option', (o) => o.map((x) => x.value)),
                   ['street', 'dept', 'community', 'segment']);
  assert.deepEqual(page.errors, []);
  await page.context().close();

  const pub = await newPage(it.browser);
  await login(pub, it.srv, 'citizen');
  assert.equal(await pub.isHidden('#nav a[data-view=eval]'), true, 'no tab for the public');
  assert.ok(await pub.isVisible('#nav a[data-view=queue]'));
  await pub.goto(it.srv.base + '/#/eval');
  await pub.waitForFunction(() => location.hash === '#/queue');
  assert.equal(await pub.$('.eval-view'), null, 'and no page either');
  assert.deepEqual(pub.errors, []);
});

test('the evaluation page at a phone\'s width, in both languages', async () => {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true});
  await login(page, it.srv, 'leader');
  const token = await tokenOf(page);
  const weeks = (await api(it.srv, token, '/api/v1/periods?kind=week&count=26')).periods;
  let week = weeks[0].key;
  for (const p of weeks)
    if ((await api(it.srv, token, `/api/v1/indicators?unit=street&week=${p.key}`)).rows.some((r) => r.score !== null)) {
      week = p.key;
      break;
    }
  await page.click('#nav a[data-view=eval]');
  await page.waitForSelector('.eval-body[data-ready="1"]');
  await choose(page, {key: week, unit: 'community'});
  await page.click('.help > summary');
  await assertNoOverflow(page, 'evaluation at phone width');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('.eval-body[data-ready="1"] th[data-col=score]')
    ?.textContent.startsWith('Score'));
  assert.equal(await page.textContent('#nav a[data-view=eval]'), 'Evaluation');
  await ready(page, 'community', week);
  await page.click('.help > summary');
  await assertNoOverflow(page, 'evaluation at phone width, in English');
  assert.deepEqual(page.errors, []);
});
