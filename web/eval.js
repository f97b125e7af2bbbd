// eval.js — the evaluation page (综合评价): for a week (by default the
// last full one), a month or a quarter and a kind of unit (streets,
// departments, communities, road segments; people for the roles the API
// shows them to), the ranking as a sortable table (rank, score, grade A–E,
// change against the previous period, the terms the score is made of),
// the scores as an ECharts bar chart, what each figure means, the
// bulletin of the period to download, and a map of the road segments
// coloured by the week's red and black flags, a click showing a
// segment's score, chiefs and flags so far.
//
// Every figure is the API's: GET /api/v1/indicators for the ranking and
// the chart, /api/v1/indicators/definitions for the help, /api/v1/periods
// for the choice of period, /api/v1/segments and /api/v1/flags for the
// map, /api/v1/segments/{id}/flags for a segment's history. What the API
// gives as null is shown as "—", never as 0.

import {t, getLang, nameOf, formulaText} from './i18n.js';
import {api, query, download} from './api.js';
import {el, loading, failed, say, sayError, when, loadECharts, describeError} from './ui.js';

// The kinds of unit offered, and those of people, which GET
// /api/v1/indicators shows only to leaders, administrators and shift
// leaders (reports.c, may_see_people).
const UNITS = ['street', 'dept', 'community', 'segment'];
const PEOPLE = ['supervisor', 'operator', 'shift_leader', 'dispatcher'];
const PEOPLE_ROLES = ['leader', 'admin', 'shift_leader'];
const KINDS = {week: 26, month: 24, quarter: 8}; /* periods offered of each */
const GRADE_COLOR = {A: '#2e7d32', B: '#1565c0', C: '#f9a825', D: '#ef6c00', E: '#c62828'};
const FLAG_STYLE = {
  red: {color: '#c62828', weight: 6, opacity: 1},
  black: {color: '#111', weight: 6, opacity: 1},
  none: {color: '#78909c', weight: 2, opacity: 0.75},
};
const DASH = '—';

function loadChoice() {
  try {
    return JSON.parse(sessionStorage.getItem('cg.evalChoice')) || {};
  } catch {
    return {};
  }
}

// A figure as the API gives it (two decimals at most), or "—" for null.
function fmt(v, rate) {
  if (v === null || v === undefined) return DASH;
  return String(+Number(v).toFixed(2)) + (rate ? '%' : '');
}

function signed(v) {
  if (v === null || v === undefined) return DASH;
  return v > 0 ? '+' + fmt(v) : v < 0 ? '−' + fmt(-v) : '0';
}

// A period's name in the language chosen; "in progress" if not over.
function periodName(p, complete = true) {
  let s;
  if (getLang() !== 'en') {
    s = p.zh;
  } else {
    const d = (x, o) => new Date(x + 'T00:00:00Z').toLocaleDateString('en-GB', {timeZone: 'UTC', ...o});
    if (p.kind === 'week') s = `${p.key} (${d(p.from, {day: 'numeric', month: 'short'})} – ` +
                                `${d(p.to, {day: 'numeric', month: 'short'})})`;
    else if (p.kind === 'month') s = d(p.from, {month: 'long', year: 'numeric'});
    else if (p.kind === 'quarter') s = p.key.replace('-', ' ');
    else s = p.key;
  }
  return complete ? s : s + (getLang() === 'en' ? ' ' : '') + t('eval.current');
}

// An indicator's name: the server's (Chinese), or in English from i18n.js.
const indName = (key, zhName) => (getLang() === 'en' ? nameOf('ind', key) : zhName || nameOf('ind', key));

const gradeBadge = (g) => g ? el('span', {class: 'grade grade-' + g}, g) : DASH;

export async function show(main, args, user) {
  const people = PEOPLE_ROLES.includes(user.role);
  const units = people ? [...UNITS, ...PEOPLE] : UNITS;
  const saved = loadChoice();
  const choice = {
    kind: KINDS[saved.kind] ? saved.kind : 'week',
    key: saved.key || null,
    unit: units.includes(saved.unit) ? saved.unit : 'street',
  };
  let periods = [];       /* of choice.kind, newest first */
  let defs = new Map();   /* indicator key -> definition */
  let res = null;         /* the indicators shown */
  let sort = {col: 'rank', dir: 1};
  let seq = 0;            /* loads begun: a slow one that is overtaken quits */
  let chart = null;
  let gone = false;

  // ---- the skeleton ---------------------------------------------------------
  const field = (label, input) => el('label', {class: 'field field-' + input.name}, el('span', {}, label), input);
  const kindSel = el('select', {name: 'kind'},
    Object.keys(KINDS).map((k) => el('option', {value: k, selected: k === choice.kind}, t('eval.kind.' + k))));
  const periodSel = el('select', {name: 'period'});
  const unitSel = el('select', {name: 'unit'},
    units.map((u) => el('option', {value: u, selected: u === choice.unit}, nameOf('unit', u))));
  const form = el('form', {class: 'eval-controls card', 'aria-label': t('eval.choose')},
    field(t('eval.kind'), kindSel), field(t('eval.period'), periodSel), field(t('eval.unit'), unitSel),
    people ? null : el('p', {class: 'muted note'}, t('eval.people')));
  const downloads = el('div', {class: 'downloads card', dataset: {downloads: ''}});
  const help = el('details', {class: 'card help', dataset: {help: ''}}, el('summary', {}, t('eval.help')),
                  el('div', {class: 'help-body'}, loading()));
  const head = el('div', {class: 'eval-head'});
  const body = el('div', {class: 'eval-body'}, loading());
  const mapDiv = el('div', {class: 'map eval-map', id: 'eval-map', role: 'region', 'aria-label': t('eval.map.label')});
  const mapNote = el('div', {class: 'map-note'});
  const flagLists = el('div', {class: 'flag-lists'});
  const mapCard = el('section', {class: 'card panel wide', dataset: {panel: 'map'}},
    el('h3', {}, t('eval.map')), mapNote, el('div', {class: 'map-box'}, mapDiv, flagLists));
  main.replaceChildren(el('section', {class: 'eval-view'},
    el('h2', {}, t('eval.title')), form, downloads, head, body, help, mapCard));

  // ---- the map of segments ---------------------------------------------------
  const cfg = await api('/api/v1/map').catch(() => ({tiles: null, district: null}));
  const map = L.map(mapDiv, {zoomControl: true, minZoom: 10, maxZoom: 18});
  if (cfg.district) {
    const [x0, y0, x1, y1] = cfg.district.bbox;
    map.fitBounds([[y0, x0], [y1, x1]]);
  } else {
    map.setView([34.7, 113.75], 12);
  }
  if (cfg.tiles) L.tileLayer(cfg.tiles, {attribution: cfg.attribution, maxZoom: 19}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  const district = L.geoJSON(null, {style: {weight: 2, color: '#37474f', fill: false, interactive: false}}).addTo(map);
  api('/api/v1/district').then((g) => district.addData(g)).catch(sayError);
  const segById = new Map(); /* id -> layer */
  let flags = null;          /* {red: Set, black: Set, data} of the week shown, or null */
  const segLayer = L.geoJSON(null, {
    style: () => FLAG_STYLE.none,
    onEachFeature: (f, layer) => {
      segById.set(f.properties.id, layer);
      layer.on('click', (e) => segmentCard(f.properties.id, e.latlng));
      layer.bindTooltip(f.properties.name || f.properties.id, {sticky: true});
    },
  }).addTo(map);
  const segmentsLoaded = api('/api/v1/segments').then((fc) => {
    segLayer.addData(fc);
    for (const [id, layer] of segById) {
      const e = layer.getElement && layer.getElement();
      if (e) e.dataset.segment = id;
    }
    mapDiv.dataset.segments = String(segById.size);
  });

  const flagOf = (id) => !flags ? 'none' : flags.red.has(id) ? 'red' : flags.black.has(id) ? 'black' : 'none';

  function colour() {
    for (const [id, layer] of segById) {
      const f = flagOf(id);
      layer.setStyle(FLAG_STYLE[f]);
      const e = layer.getElement && layer.getElement();
      if (e) {
        e.classList.remove('seg-red', 'seg-black', 'seg-none');
        e.classList.add('seg', 'seg-' + f);
        e.dataset.flag = f;
      }
      if (f !== 'none') layer.bringToFront();
    }
  }

  // The flags of the week chosen (none for a month or a quarter: flags
  // are given by week).
  async function loadFlags(my, p) {
    delete mapDiv.dataset.ready;
    let data = null;
    try {
      if (choice.kind === 'week') data = await api('/api/v1/flags' + query({week: p.key}));
      await segmentsLoaded;
    } catch (e) {
      if (my === seq) mapNote.replaceChildren(failed(e, () => loadFlags(my, p)));
      return;
    }
    if (my !== seq || gone) return;
    flags = data && {red: new Set(data.red.map((x) => x.segment)), black: new Set(data.black.map((x) => x.segment)),
                     data};
    colour();
    const legend = el('ul', {class: 'legend'}, ['red', 'black', 'none'].map((f) =>
      el('li', {}, el('span', {class: 'swatch swatch-' + f, 'aria-hidden': 'true'}), t('eval.flag.' + f),
         flags && f !== 'none' ? ' ' + flags[f].size : '')));
    const notes = [legend, el('p', {class: 'muted'}, t('eval.flag.segments', {n: segById.size}))];
    if (!data) {
      notes.push(el('p', {class: 'note'}, t('eval.flag.weekly')));
    } else {
      const r = data.rule;
      notes.push(el('p', {class: 'muted'}, t(r.mode === 'threshold' ? 'eval.flag.rule.threshold' : 'eval.flag.rule.rank',
        {min: fmt(r.min_cases), red: fmt(r.red), black: fmt(r.black), red_min: fmt(r.red_min),
         black_max: fmt(r.black_max)})));
      if (!data.stored) notes.push(el('p', {class: 'note'}, t('eval.flag.provisional', {week: periodName(p)})));
      if (!data.red.length && !data.black.length) notes.push(el('p', {class: 'empty'}, t('eval.flag.nothing')));
    }
    mapNote.replaceChildren(...notes);
    // the flagged segments as a list too: reachable by keyboard, readable
    // without the map
    flagLists.replaceChildren(...(data ? ['red', 'black'] : []).filter((f) => data[f].length).map((f) =>
      el('section', {class: 'flag-list', dataset: {flag: f}},
        el('h4', {}, el('span', {class: 'swatch swatch-' + f, 'aria-hidden': 'true'}),
           t('eval.flag.list', {flag: t('eval.flag.' + f), n: data[f].length})),
        el('ol', {}, data[f].map((x) => el('li', {dataset: {segment: x.segment}},
          el('button', {type: 'button', class: 'link', onclick: () => focusSegment(x.segment)},
             x.name || x.segment, ' · ', fmt(x.score))))))));
    mapDiv.dataset.week = data ? p.key : '';
    mapDiv.dataset.ready = '1';
  }

  function focusSegment(id) {
    const layer = segById.get(id);
    if (!layer) return;
    map.fitBounds(layer.getBounds(), {maxZoom: 16});
    segmentCard(id, layer.getCenter());
  }

  // For administrators, in a segment's card: name its chief at a level
  // (POST /api/v1/segments/{id}/chief); saved, the card is drawn again.
  function chiefForm(id, p, saved) {
    const level = el('select', {name: 'level', 'aria-label': t('eval.seg.chief.level')},
      [1, 2, 3].map((n) => el('option', {value: n}, t('eval.seg.chief', {n}))));
    const who = el('input', {name: 'chief', maxlength: 60, value: p.chief1 || '', autocomplete: 'off',
                             'aria-label': t('eval.seg.chief.name')});
    const err = el('p', {class: 'form-error', role: 'alert'});
    level.addEventListener('change', () => (who.value = p['chief' + level.value] || ''));
    const form = el('form', {class: 'chief'}, level, who,
      el('button', {type: 'submit'}, t('eval.seg.chief.save')), err);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        await api('/api/v1/segments/' + encodeURIComponent(id) + '/chief',
                  {body: {level: Number(level.value), chief: who.value.trim()}});
      } catch (ex) {
        err.textContent = describeError(ex);
        return;
      }
      p['chief' + level.value] = who.value.trim();
      say(t('eval.seg.chief.saved'), 'ok');
      saved();
    });
    return form;
  }

  // A segment's card: its score this period, chiefs, flags so far.
  async function segmentCard(id, latlng) {
    const layer = segById.get(id);
    const p = layer.feature.properties;
    const period = periods.find((x) => x.key === choice.key);
    const box = el('div', {class: 'seg-card', dataset: {segment: id}}, loading());
    const popup = L.popup({maxWidth: 320, minWidth: 220}).setLatLng(latlng).setContent(box).openOn(map);
    try {
      const [ind, hist] = await Promise.all([
        api('/api/v1/indicators' + query({unit: 'segment', code: id, [choice.kind]: choice.key})),
        api('/api/v1/segments/' + encodeURIComponent(id) + '/flags'),
      ]);
      const r = ind.rows[0] || {};
      const f = flagOf(id);
      const chiefs = [1, 2, 3].map((n) => [n, p['chief' + n]]).filter(([, c]) => c);
      box.replaceChildren(
        el('h3', {}, p.name || id, p.generated ? t('eval.seg.generated') : ''),
        el('p', {class: 'muted'}, period ? periodName(period, period.complete) : choice.key),
        el('dl', {},
          el('dt', {}, t('eval.seg.id')), el('dd', {}, id),
          el('dt', {}, t('eval.seg.length')), el('dd', {}, fmt(p.length_m) + ' m'),
          el('dt', {}, t('eval.seg.score')),
          el('dd', {dataset: {score: r.score ?? ''}}, fmt(r.score), ' ', gradeBadge(r.grade),
             r.rank ? ' · ' + t('eval.seg.rank', {n: r.rank}) : ''),
          choice.kind === 'week'
            ? [el('dt', {}, t('eval.seg.flag')),
               el('dd', {dataset: {flag: f}}, el('span', {class: 'swatch swatch-' + f, 'aria-hidden': 'true'}),
                  t('eval.flag.' + f))]
            : null,
          el('dt', {}, t('eval.seg.chiefs')),
          el('dd', {}, chiefs.length
            ? el('ul', {class: 'plain'}, chiefs.map(([n, c]) => el('li', {}, t('eval.seg.chief', {n}) + '：' + c)))
            : t('eval.seg.nochief'))),
        user.role === 'admin' ? chiefForm(id, p, () => segmentCard(id, latlng)) : null,
        el('h4', {}, t('eval.seg.history')),
        hist.flags.length
          ? el('ul', {class: 'plain history'}, hist.flags.map((h) => el('li', {dataset: {period: h.period, flag: h.flag}},
              el('span', {class: 'swatch swatch-' + h.flag, 'aria-hidden': 'true'}),
              t('eval.seg.history.row', {period: h.period, flag: t('eval.flag.' + h.flag), score: fmt(h.score),
                                         rank: h.rank ?? DASH}))))
          : el('p', {class: 'muted'}, t('eval.seg.history.none')));
      popup.update();
    } catch (e) {
      box.replaceChildren(failed(e));
    }
  }

  // ---- the help: the score's terms, the grades, the indicators -----------------
  function renderHelp() {
    const hb = help.querySelector('.help-body');
    const how = (tr) => tr.startsWith('bucket:') ? t('eval.help.bucket')
                                                 : t(tr === 'inverse' ? 'eval.help.inverse' : 'eval.help.rate');
    const mine = [...defs.values()].filter((d) => d.kinds.includes(choice.unit));
    hb.replaceChildren(
      el('h4', {}, t('eval.help.score')),
      el('ul', {class: 'terms'}, res.terms.map((tm) => el('li', {dataset: {term: tm.key}},
        el('strong', {}, indName(tm.key, tm.zh)), ' — ',
        t('eval.help.term', {w: fmt(tm.weight), how: how(tm.transform)}),
        defs.get(tm.key) ? t('eval.help.formula', {f: formulaText(defs.get(tm.key).formula)}) : null))),
      el('p', {class: 'muted'}, t('eval.help.missing')),
      el('h4', {}, t('eval.help.grades')),
      el('p', {class: 'grades'}, res.grades.map((g) => el('span', {dataset: {grade: g.grade}}, gradeBadge(g.grade), ' ',
        t('eval.help.grade', {op: g.op === '>=' ? '≥' : g.op === '<=' ? '≤' : g.op, b: fmt(g.bound)}))),
        el('span', {dataset: {grade: 'E'}}, gradeBadge('E'), ' ', t('eval.help.grade.else'))),
      el('h4', {}, t('eval.help.defs')),
      el('dl', {class: 'defs'}, mine.flatMap((d) => [
        el('dt', {dataset: {def: d.key}}, indName(d.key, d.zh), d.rate ? t('eval.help.rate.mark') : ''),
        el('dd', {}, d.formula === d.key ? t('eval.help.count') : formulaText(d.formula))])));
  }

  // ---- downloads -----------------------------------------------------------------
  function renderDownloads(p) {
    if (choice.kind === 'quarter') {
      downloads.replaceChildren(el('h3', {}, t('eval.download')), el('p', {class: 'muted'}, t('eval.download.quarter')));
      return;
    }
    const report = choice.kind === 'week' ? 'weekly' : 'monthly';
    const buttons = ['xlsx', 'csv', 'html'].map((f) => {
      const name = `citygrid-${report}-${p.key}.${f}`;
      const b = el('button', {type: 'button', dataset: {format: f}}, t('eval.fmt.' + f));
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await download('/api/v1/reports/' + report + query({[choice.kind]: p.key, format: f}), name);
          say(t('eval.download.done', {name}), 'ok');
        } catch (e) {
          sayError(e);
        } finally {
          b.disabled = false;
        }
      });
      return b;
    });
    downloads.replaceChildren(el('h3', {}, t('eval.download')),
      el('p', {class: 'muted'}, t('eval.download.' + report, {key: periodName(p)})),
      el('div', {class: 'buttons'}, buttons));
  }

  // ---- the ranking ---------------------------------------------------------------
  // Columns: [key, heading, value of a row, how it sorts first (1 up,
  // -1 down)], then the terms of the score.
  function columns() {
    const cols = [
      ['rank', t('eval.col.rank'), (r) => r.rank, 1],
      ['unit', t('eval.col.unit'), (r) => r.name, 1],
      ['score', t('eval.col.score'), (r) => r.score, -1],
      ['grade', t('eval.col.grade'), (r) => r.grade, 1],
      ['change', t('eval.col.change'), (r) => r.change.score, -1],
    ];
    for (const tm of res.terms) cols.push([tm.key, indName(tm.key, tm.zh), (r) => r.indicators[tm.key], -1]);
    return cols;
  }

  function sorted(rows, cols) {
    const col = cols.find((c) => c[0] === sort.col) || cols[0];
    const get = col[2];
    const order = rows.map((r, i) => [r, i]);
    const lang = getLang() === 'en' ? 'en' : 'zh-CN';
    order.sort(([a, i], [b, j]) => {
      const x = get(a), y = get(b);
      const nx = x === null || x === undefined, ny = y === null || y === undefined;
      if (nx || ny) return nx && ny ? i - j : nx ? 1 : -1; /* no value: last either way */
      const c = typeof x === 'string' ? x.localeCompare(y, lang) : x - y;
      return c ? c * sort.dir : i - j; /* ties: in the API's order */
    });
    return order.map(([r]) => r);
  }

  function changeCell(r) {
    const d = r.change.score, k = r.change.rank;
    if (d === null && k === null)
      return el('td', {dataset: {col: 'change'}, title: t('eval.change.none')}, el('span', {class: 'd-score'}, DASH));
    const words = [t('eval.change.score', {v: signed(d)})];
    if (k !== null) words.push(k > 0 ? t('eval.change.up', {n: k}) : k < 0 ? t('eval.change.down', {n: -k})
                                                                    : t('eval.change.same'));
    return el('td', {dataset: {col: 'change'}, title: words.join('，'), class: d > 0 ? 'up' : d < 0 ? 'down' : ''},
      el('span', {class: 'd-score'}, signed(d)),
      k !== null && k !== 0 ? el('span', {class: 'd-rank', dataset: {rank: k}, 'aria-label': words[1]},
                                 k > 0 ? '↑' + k : '↓' + -k) : null);
  }

  function table(rows, caption) {
    const cols = columns();
    const th = ([key, label, , first]) => {
      const def = defs.get(key);
      const here = sort.col === key;
      const btn = el('button', {type: 'button', class: 'sort', dataset: {sort: key},
                                title: def ? formulaText(def.formula) : null},
        label, el('span', {class: 'arrow', 'aria-hidden': 'true'}, here ? (sort.dir > 0 ? '▲' : '▼') : ''));
      btn.addEventListener('click', () => {
        sort = here ? {col: key, dir: -sort.dir} : {col: key, dir: first};
        renderRanking();
        body.querySelector(`button[data-sort="${key}"]`)?.focus();
      });
      return el('th', {scope: 'col', dataset: {col: key},
                       'aria-sort': here ? (sort.dir > 0 ? 'ascending' : 'descending') : null}, btn);
    };
    const rate = new Map(res.terms.map((tm) => [tm.key, !!defs.get(tm.key)?.rate]));
    return el('div', {class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption},
      el('table', {class: 'data ranking', dataset: {unit: res.unit, period: res.period.key}},
        el('caption', {class: 'sr-only'}, caption),
        el('thead', {}, el('tr', {}, cols.map(th))),
        el('tbody', {}, sorted(rows, cols).map((r) => el('tr', {dataset: {code: r.code}},
          el('td', {dataset: {col: 'rank'}, class: 'num'}, r.rank ?? DASH),
          el('th', {scope: 'row', dataset: {col: 'unit'}},
             res.unit === 'segment' && segById.has(r.code)
               ? el('button', {type: 'button', class: 'link', title: t('eval.seg.show'),
                               onclick: () => {
                                 mapCard.scrollIntoView({block: 'start'});
                                 focusSegment(r.code);
                               }}, r.name || r.code)
               : r.name || r.code,
             r.name && r.name !== r.code ? el('small', {class: 'code'}, r.code) : null),
          el('td', {dataset: {col: 'score'}, class: 'num'}, fmt(r.score)),
          el('td', {dataset: {col: 'grade'}}, gradeBadge(r.grade)),
          changeCell(r),
          res.terms.map((tm) => el('td', {dataset: {col: tm.key}, class: 'num'},
                                   fmt(r.indicators[tm.key], rate.get(tm.key)))))))));
  }

  function renderChart(host, scored) {
    if (chart) chart.dispose();
    chart = null;
    const shown = Math.min(scored.length, 20);
    host.style.height = (shown * 28 + 48) + 'px';
    const names = scored.map((r) => r.name || r.code);
    chart = window.echarts.init(host);
    chart.setOption({
      animation: false,
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'},
                valueFormatter: (v) => fmt(v)},
      grid: {left: 8, right: scored.length > 20 ? 84 : 60, top: 8, bottom: 24, containLabel: true},
      xAxis: {type: 'value', min: 0, max: 100},
      yAxis: {type: 'category', inverse: true, data: names,
              axisLabel: {width: window.innerWidth < 600 ? 84 : 160, overflow: 'truncate'}},
      dataZoom: scored.length > 20
        ? [{type: 'slider', yAxisIndex: 0, startValue: 0, endValue: 19, right: 4, width: 18, showDetail: false},
           {type: 'inside', yAxisIndex: 0, startValue: 0, endValue: 19, zoomOnMouseWheel: false,
            moveOnMouseWheel: true}]
        : [],
      series: [{type: 'bar', name: t('eval.col.score'), barMaxWidth: 22,
                data: scored.map((r) => ({value: r.score, itemStyle: {color: GRADE_COLOR[r.grade] || '#607d8b'}})),
                label: {show: true, position: 'right', formatter: (x) => fmt(x.value) + ' ' +
                        (scored[x.dataIndex].grade || '')}}],
    });
  }

  function renderRanking() {
    const p = periods.find((x) => x.key === choice.key);
    const unitName = nameOf('unit', res.unit);
    const caption = t('eval.ranking.caption', {unit: unitName, period: periodName(p || res.period, p?.complete)});
    const scored = res.rows.filter((r) => r.score !== null);
    if (chart) chart.dispose();
    chart = null;
    if (!scored.length) {
      // an honest empty state: nothing to rank, not a row of zeros
      body.replaceChildren(el('div', {class: 'card empty-state', dataset: {empty: '1', unit: res.unit,
                                                                           period: res.period.key}},
        el('p', {}, t('eval.empty', {period: periodName(res.period), unit: unitName})),
        res.rows.length
          ? el('details', {}, el('summary', {}, t('eval.empty.table')), table(res.rows, caption))
          : null));
      return;
    }
    const chartBox = el('div', {class: 'chart', role: 'img', 'aria-label': t('eval.chart') + ' · ' + caption});
    const unscored = res.rows.length - scored.length;
    body.replaceChildren(el('div', {class: 'panels'},
      el('section', {class: 'card panel wide', dataset: {panel: 'ranking'}},
        el('h3', {}, t('eval.ranking')), table(res.rows, caption),
        unscored ? el('p', {class: 'muted'}, t('eval.unscored', {n: unscored})) : null),
      el('section', {class: 'card panel wide', dataset: {panel: 'chart'}},
        el('h3', {}, t('eval.chart')), chartBox,
        scored.length > 20 ? el('p', {class: 'muted'}, t('eval.chart.more', {n: scored.length})) : null)));
    renderChart(chartBox, scored);
  }

  // ---- loading ---------------------------------------------------------------------
  function fillPeriods() {
    periodSel.replaceChildren(...periods.map((p) =>
      el('option', {value: p.key, selected: p.key === choice.key}, periodName(p, p.complete))));
  }

  async function loadPeriods() {
    const r = await api('/api/v1/periods' + query({kind: choice.kind, count: KINDS[choice.kind]}));
    periods = r.periods;
    // by default the last full period; the current one if none has ended
    if (!periods.some((p) => p.key === choice.key))
      choice.key = (periods.find((p) => p.complete) || periods[0]).key;
    fillPeriods();
  }

  async function load() {
    const my = ++seq;
    sessionStorage.setItem('cg.evalChoice', JSON.stringify(choice));
    delete body.dataset.ready;
    body.replaceChildren(loading());
    let r;
    const p = periods.find((x) => x.key === choice.key);
    head.replaceChildren(el('p', {class: 'period-name'}, periodName(p, p.complete)));
    renderDownloads(p);
    loadFlags(my, p);
    try {
      [r] = await Promise.all([api('/api/v1/indicators' + query({unit: choice.unit, [choice.kind]: choice.key})),
                               loadECharts()]);
    } catch (e) {
      if (my === seq) body.replaceChildren(failed(e, load));
      return;
    }
    if (my !== seq || gone) return;
    res = r;
    head.replaceChildren(
      el('p', {class: 'period-name'}, periodName(p, p.complete)),
      el('p', {class: 'muted'}, t('eval.previous', {p: periodName(r.previous)}), ' · ',
         t('eval.asof', {t: when(r.at)})));
    if (!sort.col || !columns().some((c) => c[0] === sort.col)) sort = {col: 'rank', dir: 1};
    renderRanking();
    renderHelp();
    body.dataset.ready = '1';
  }

  kindSel.addEventListener('change', async () => {
    choice.kind = kindSel.value;
    choice.key = null;
    seq++; /* what is under way is for the kind before */
    delete body.dataset.ready;
    body.replaceChildren(loading());
    periodSel.replaceChildren();
    try {
      await loadPeriods();
    } catch (e) {
      body.replaceChildren(failed(e, () => kindSel.dispatchEvent(new Event('change'))));
      return;
    }
    load();
  });
  periodSel.addEventListener('change', () => {
    choice.key = periodSel.value;
    load();
  });
  unitSel.addEventListener('change', () => {
    choice.unit = unitSel.value;
    sort = {col: 'rank', dir: 1};
    load();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  const onResize = () => chart && chart.resize();
  window.addEventListener('resize', onResize);

  try {
    const [d] = await Promise.all([api('/api/v1/indicators/definitions'), loadPeriods()]);
    defs = new Map(d.indicators.map((x) => [x.key, x]));
  } catch (e) {
    body.replaceChildren(failed(e, () => window.dispatchEvent(new HashChangeEvent('hashchange'))));
    return () => map.remove();
  }
  segmentsLoaded.catch(sayError);
  await load();
  return () => {
    gone = true;
    window.removeEventListener('resize', onResize);
    if (chart) chart.dispose();
    map.remove();
  };
}
