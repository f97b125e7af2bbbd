// stats.js — the statistics page: ECharts panels of cases by category,
// street, source, state and department, daily intake and closures, and
// on-time closure per department and street, with the overdue list. Every
// number comes from one GET /api/v1/stats with the filters of the form
// (the overdue list from GET /api/v1/cases with the same filters), and
// each chart has its numbers as a table too, for reading and checking.

import {t, nameOf} from './i18n.js';
import {api, query} from './api.js';
import {el, loading, failed, filterForm, apiParams, lightBadge, stateBadge, deadlineText,
        sidePanel, loadECharts} from './ui.js';

function loadFilter() {
  try {
    return JSON.parse(sessionStorage.getItem('cg.statsFilter')) || {};
  } catch {
    return {};
  }
}

const pct = (x) => (100 * x).toFixed(1) + '%';

// A panel: title, chart, and the numbers as a table.
function panel(key, title, head, rows) {
  const chart = el('div', {class: 'chart', role: 'img', 'aria-label': title});
  const table = el('table', {class: 'data'},
    el('thead', {}, el('tr', {}, head.map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {dataset: {key: r.key}},
      r.cells.map((c, i) => el(i ? 'td' : 'th', {scope: i ? null : 'row', dataset: {col: head[i]}}, c))))));
  const box = el('section', {class: 'card panel', dataset: {stat: key}},
    el('h3', {}, title), chart, el('details', {}, el('summary', {}, t('stats.table')), table));
  return {box, chart};
}

export async function show(main) {
  let filter = loadFilter();
  const charts = [];
  const side = sidePanel();
  const body = el('div', {class: 'stats-body'});
  main.replaceChildren(el('section', {class: 'stats-view'}, side.box,
                          el('div', {}, el('h2', {}, t('stats.title')), body)));
  const onResize = () => charts.forEach((c) => c.resize());
  window.addEventListener('resize', onResize);

  async function load() {
    for (const c of charts.splice(0)) c.dispose();
    body.replaceChildren(loading());
    body.dataset.ready = '';
    let s, overdue, echarts;
    const params = apiParams(filter);
    try {
      [s, overdue, echarts] = await Promise.all([
        api('/api/v1/stats' + query(params)),
        api('/api/v1/cases' + query({...params, overdue: 1, sort: 'due', limit: 50})),
        loadECharts(),
      ]);
    } catch (e) {
      body.replaceChildren(failed(e, load));
      return;
    }
    const closedOnTime = s.on_time_by_dept.reduce((a, r) => a + r.on_time, 0);
    const closedTimed = s.on_time_by_dept.reduce((a, r) => a + r.closed, 0);
    const card = (k, v) => el('div', {class: 'counter', dataset: {count: k}},
                              el('span', {class: 'n'}, v), el('span', {}, t('stats.' + k)));
    const summary = el('div', {class: 'counters'}, card('total', s.total), card('open', s.open),
                       card('closed', s.closed), card('overdue', s.overdue),
                       card('ontime', closedTimed ? pct(closedOnTime / closedTimed) : '—'));
    const grid = el('div', {class: 'panels'});
    body.replaceChildren(summary, grid);

    const named = (list, nameFn) => list.map((r) => ({key: r.key, name: nameFn ? nameFn(r) : (r.name || r.key || '—'),
                                                      count: r.count}));
    const bars = (key, title, list, horizontal) => {
      const p = panel(key, title, [t('stats.name'), t('stats.count')],
                      list.map((r) => ({key: r.key, cells: [r.name, String(r.count)]})));
      grid.append(p.box);
      const names = list.map((r) => r.name), values = list.map((r) => r.count);
      const c = echarts.init(p.chart);
      c.setOption({
        tooltip: {trigger: 'axis'}, grid: {left: horizontal ? 120 : 40, right: 16, top: 16, bottom: horizontal ? 24 : 60},
        xAxis: horizontal ? {type: 'value'} : {type: 'category', data: names, axisLabel: {rotate: 30, interval: 0}},
        yAxis: horizontal ? {type: 'category', data: names, inverse: true} : {type: 'value'},
        series: [{type: 'bar', data: values, itemStyle: {color: '#1565c0'}}],
      });
      charts.push(c);
    };
    const pie = (key, title, list) => {
      const p = panel(key, title, [t('stats.name'), t('stats.count')],
                      list.map((r) => ({key: r.key, cells: [r.name, String(r.count)]})));
      grid.append(p.box);
      const c = echarts.init(p.chart);
      c.setOption({tooltip: {trigger: 'item'}, legend: {bottom: 0, type: 'scroll'},
                   series: [{type: 'pie', radius: ['35%', '65%'], data: list.map((r) => ({name: r.name, value: r.count}))}]});
      charts.push(c);
    };
    const onTime = (key, title, list) => {
      const p = panel(key, title, [t('stats.name'), t('stats.closed_n'), t('stats.ontime_n'), t('stats.rate')],
                      list.map((r) => ({key: r.key, cells: [r.name || r.key, String(r.closed), String(r.on_time),
                                                             pct(r.rate)]})));
      grid.append(p.box);
      const c = echarts.init(p.chart);
      c.setOption({
        tooltip: {trigger: 'axis', valueFormatter: (v) => v + '%'}, grid: {left: 140, right: 24, top: 16, bottom: 24},
        xAxis: {type: 'value', max: 100}, yAxis: {type: 'category', inverse: true, data: list.map((r) => r.name || r.key)},
        series: [{type: 'bar', data: list.map((r) => +(100 * r.rate).toFixed(1)), itemStyle: {color: '#2e7d32'}}],
      });
      charts.push(c);
    };

    // daily intake and closures
    {
      const p = panel('daily', t('stats.daily'), [t('stats.day'), t('stats.intake'), t('stats.closures')],
                      s.daily.map((r) => ({key: r.day, cells: [r.day, String(r.intake), String(r.closed)]})));
      p.box.classList.add('wide');
      grid.append(p.box);
      const c = echarts.init(p.chart);
      c.setOption({
        tooltip: {trigger: 'axis'}, legend: {top: 0, data: [t('stats.intake'), t('stats.closures')]},
        grid: {left: 40, right: 16, top: 32, bottom: 40},
        xAxis: {type: 'category', data: s.daily.map((r) => r.day.slice(5))}, yAxis: {type: 'value'},
        series: [{name: t('stats.intake'), type: 'line', data: s.daily.map((r) => r.intake), itemStyle: {color: '#1565c0'}},
                 {name: t('stats.closures'), type: 'line', data: s.daily.map((r) => r.closed), itemStyle: {color: '#2e7d32'}}],
      });
      charts.push(c);
    }
    bars('by_category', t('stats.by_category'), named(s.by_category), true);
    bars('by_street', t('stats.by_street'), named(s.by_street), false);
    pie('by_source', t('stats.by_source'), named(s.by_source, (r) => nameOf('source', r.key)));
    pie('by_state', t('stats.by_state'), named(s.by_state, (r) => nameOf('state', r.key)));
    bars('by_dept', t('stats.by_dept'), named(s.by_dept), true);
    onTime('on_time_by_dept', t('stats.ontime_dept'), s.on_time_by_dept);
    onTime('on_time_by_street', t('stats.ontime_street'), s.on_time_by_street);

    // the overdue list
    grid.append(el('section', {class: 'card panel wide', dataset: {stat: 'overdue_list'}},
      el('h3', {}, t('stats.overdue_list') + ' (' + s.overdue + ')'),
      el('ul', {class: 'cases'}, overdue.cases.map((c) => el('li', {class: 'case-row', dataset: {no: c.no}},
        el('a', {href: '#/case/' + encodeURIComponent(c.no)},
          el('span', {class: 'no'}, c.no), el('span', {class: 'cat'}, c.category.name || c.category.code),
          el('span', {class: 'where'}, c.street?.name || ''),
          el('span', {class: 'badges'}, stateBadge(c.state), ' ', lightBadge(c.light)),
          el('span', {class: 'due'}, deadlineText(c))))))));
    body.dataset.ready = '1';
  }

  filterForm(filter, (f) => {
    filter = f;
    sessionStorage.setItem('cg.statsFilter', JSON.stringify(f));
    load();
  }).then((form) => side.body.replaceChildren(form))
    .catch((e) => side.body.replaceChildren(failed(e)));
  await load();
  return () => {
    window.removeEventListener('resize', onResize);
    for (const c of charts) c.dispose();
  };
}
