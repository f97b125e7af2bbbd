// ui.js — small helpers the pages share: building elements, messages in
// an aria-live region, loading placeholders, times and durations in the
// reader's words, the traffic-light badge, the filter form of the map,
// the statistics and the work lists, labelled fields, photo fields, a
// form's missing inputs and its send button while it sends, and ECharts, loaded when a page with charts
// first needs it.

import {t, nameOf, getLang} from './i18n.js';
import {api, ApiError} from './api.js';

// el('div', {class: 'x', onclick: fn}, child, 'text', ...)
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Apache ECharts (about 1 MB), loaded once, by the first page that draws
// a chart. Resolves to window.echarts.
let echartsLoading = null;
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsLoading)
    echartsLoading = new Promise((ok, fail) => {
      const s = el('script', {src: '/assets/echarts.js'});
      s.onload = () => ok(window.echarts);
      s.onerror = () => {
        echartsLoading = null;
        fail(new Error('echarts.js'));
      };
      document.head.append(s);
    });
  return echartsLoading;
}

// The side panel of filters: open on wide screens, folded on phones so
// that the map or the charts come first. fill(box) puts its content in.
export function sidePanel() {
  const body = el('div', {class: 'side-body'}, loading());
  const box = el('details', {class: 'side', open: window.innerWidth >= 900},
                 el('summary', {}, t('filter.title')), body);
  return {box, body};
}

// Show a message for a while: kind 'ok', 'error' or 'info'.
export function say(text, kind = 'info') {
  let box = document.getElementById('messages');
  if (!box) {
    box = el('div', {id: 'messages', 'aria-live': 'polite', role: 'status'});
    document.body.append(box);
  }
  const m = el('div', {class: 'msg msg-' + kind, role: kind === 'error' ? 'alert' : null}, text,
               el('button', {type: 'button', class: 'msg-x', 'aria-label': t('common.close'),
                             onclick: () => m.remove()}, '×'));
  box.append(m);
  setTimeout(() => m.remove(), kind === 'error' ? 12000 : 5000);
  return m;
}

// A field for up to four photos, taken with the camera on a phone, with
// their previews below it. Returns {input, previews}: both go in the form.
export function photoInput(id) {
  const input = el('input', {type: 'file', id, name: id, accept: 'image/jpeg,image/png,image/webp',
                             multiple: true, capture: 'environment'});
  const previews = el('div', {class: 'photos'});
  input.addEventListener('change', () => {
    previews.replaceChildren(...[...input.files].slice(0, 4)
      .map((f) => el('img', {src: URL.createObjectURL(f), alt: f.name})));
  });
  return {input, previews};
}

// A form field: input (given id) with its label above it.
export function labelled(id, label, input) {
  input.id = id;
  return el('label', {class: 'field', for: id}, el('span', {}, label), input);
}

// Say in err which of a form's required inputs are missing: checks are
// [value, name] pairs, a falsy value missing. Returns whether any was;
// if none, err is emptied.
export function sayMissing(err, checks) {
  const missing = checks.filter(([v]) => !v).map(([, name]) => name);
  err.textContent = missing.length ? t('field.missing', {what: missing.join('、')}) : '';
  return missing.length > 0;
}

// A form being sent: its button disabled and saying busyText, the form
// aria-busy. Returns a function that puts both back (after a refusal).
export function sending(form, button, busyText) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  form.setAttribute('aria-busy', 'true');
  return () => {
    button.disabled = false;
    button.textContent = label;
    form.removeAttribute('aria-busy');
  };
}

// The words for a failure: the server's refusal, a lost connection, ...
export function describeError(e) {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('common.offline');
    if (e.status === 401) return t('common.session');
    if (e.status >= 400 && e.status < 500) return t('common.refused', {msg: e.message});
    return t('common.error', {msg: e.message});
  }
  return t('common.error', {msg: e && e.message ? e.message : String(e)});
}

export function sayError(e) {
  return say(describeError(e), 'error');
}

// A placeholder while something loads.
export function loading() {
  return el('div', {class: 'loading', role: 'status', 'aria-busy': 'true'},
            el('span', {class: 'spinner', 'aria-hidden': 'true'}), t('common.loading'));
}

// An error in place of what failed to load, with a retry button.
export function failed(e, retry) {
  return el('div', {class: 'failed', role: 'alert'}, describeError(e), ' ',
            retry ? el('button', {type: 'button', onclick: retry}, t('common.retry')) : null);
}

// Local date and time of an RFC 3339 text or Unix seconds.
export function when(v) {
  if (!v) return '';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return d.toLocaleString(getLang() === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

// A duration in seconds as "2天3小时", "3小时5分", "5分".
export function duration(s) {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const en = getLang() === 'en';
  const parts = [];
  if (d) parts.push(d + (en ? ' d' : '天'));
  if (h) parts.push(h + (en ? ' h' : '小时'));
  if (!d && (m || !h)) parts.push(m + (en ? ' min' : '分'));
  return parts.join(en ? ' ' : '');
}

// The traffic-light badge of a case or task; nothing for one without a
// clock (closed, void, ...).
export function lightBadge(light) {
  if (!light) return null;
  return el('span', {class: 'light light-' + light}, t('light.' + light));
}

export function stateBadge(state) {
  return el('span', {class: 'state state-' + state}, nameOf('state', state));
}

// The dictionaries forms need, fetched once.
let dicts = null;
export async function dictionaries() {
  if (!dicts) {
    dicts = Promise.all([
      api('/api/v1/categories'), api('/api/v1/streets'), api('/api/v1/departments'),
    ]).then(([c, s, d]) => {
      const majors = new Map();
      for (const x of c.categories)
        majors.set(x.scheme + ':' + x.major_code, {scheme: x.scheme, code: x.major_code,
                                                   name: x.major_name});
      return {
        categories: c.categories,
        majors: [...majors.values()].sort((a, b) => (a.scheme + a.code).localeCompare(b.scheme + b.code)),
        streets: s.features.map((f) => ({code: f.properties.code, name: f.properties.name}))
          .sort((a, b) => a.code.localeCompare(b.code)),
        streetsGeo: s,
        depts: d.departments,
      };
    });
    dicts.catch(() => (dicts = null));
  }
  return dicts;
}

// The API's parameters for a filter of the form: its "to" date is the
// last day shown, the API's the first day left out.
export function apiParams(f) {
  const p = {...f};
  if (p.to) {
    const d = new Date(p.to + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + 1);
    p.to = d.toISOString().slice(0, 10);
  }
  return p;
}

// The countdown of a case's current deadline, as words.
export function deadlineText(c, now = Date.now()) {
  let due = null;
  for (const k of c.tasks || [])
    if (['open', 'returning', 'suspending'].includes(k.state) && k.due_at &&
        (!due || k.due_at < due)) due = k.due_at;
  if (!due && c.state === 'dispatched' && c.due_at) due = c.due_at;
  if (!due && c.step && c.step.due_at) due = c.step.due_at;
  if (['suspended', 'deferred'].includes(c.state)) return t('case.countdown.stopped');
  if (!due || ['closed', 'void', 'rejected', 'duplicate', 'draft'].includes(c.state)) return t('case.countdown.none');
  const left = (new Date(due).getTime() - now) / 1000;
  return left >= 0 ? t('case.countdown.left', {t: duration(left)})
                   : t('case.countdown.over', {t: duration(-left)});
}

const STATES = ['reported', 'verifying', 'verified', 'registered', 'filed', 'dispatched',
                'suspended', 'handled', 'checking', 'checked', 'deferred', 'self_handled',
                'closed', 'rejected', 'void', 'duplicate', 'draft'];
const SOURCES = ['patrol', 'public', 'hotline', 'sensor', 'referral', 'inspection'];

// The filter form: state, category, street, department, source, overdue,
// date range. values: the current filter; onApply(filter) on submit.
export async function filterForm(values, onApply) {
  const d = await dictionaries();
  const opt = (v, text, cur) => el('option', {value: v, selected: v === (cur || '')}, text);
  const field = (label, input) => el('label', {class: 'field'}, el('span', {}, label), input);
  const f = el('form', {class: 'filters', 'aria-label': t('filter.title')},
    field(t('filter.state'), el('select', {name: 'state'},
      opt('', t('common.all'), values.state), opt('open', t('filter.open'), values.state),
      STATES.map((s) => opt(s, nameOf('state', s), values.state)))),
    field(t('filter.category'), el('select', {name: 'category'}, opt('', t('common.all'), values.category),
      d.majors.map((m) => opt(m.scheme + ':' + m.code, m.name + ' (' + m.scheme + ' ' + m.code + ')', values.category)))),
    field(t('filter.street'), el('select', {name: 'area'}, opt('', t('common.all'), values.area),
      d.streets.map((s) => opt(s.code, s.name, values.area)))),
    field(t('filter.dept'), el('select', {name: 'dept'}, opt('', t('common.all'), values.dept),
      d.depts.map((x) => opt(x.code, x.name, values.dept)))),
    field(t('filter.source'), el('select', {name: 'source'}, opt('', t('common.all'), values.source),
      SOURCES.map((s) => opt(s, nameOf('source', s), values.source)))),
    field(t('filter.from'), el('input', {type: 'date', name: 'from', value: values.from || ''})),
    field(t('filter.to'), el('input', {type: 'date', name: 'to', value: values.to || ''})),
    el('label', {class: 'check'}, el('input', {type: 'checkbox', name: 'overdue', checked: !!values.overdue}),
       t('filter.overdue')),
    el('div', {class: 'buttons'},
      el('button', {type: 'submit', class: 'primary'}, t('common.apply')),
      el('button', {type: 'reset'}, t('common.reset'))));
  const read = () => {
    const fd = new FormData(f);
    const out = {};
    for (const k of ['state', 'category', 'area', 'dept', 'source', 'from', 'to'])
      if (fd.get(k)) out[k] = fd.get(k);
    if (fd.get('overdue')) out.overdue = 1;
    return out;
  };
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    onApply(read());
  });
  f.addEventListener('reset', () => setTimeout(() => onApply(read()), 0));
  return f;
}
