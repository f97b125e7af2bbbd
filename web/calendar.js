// calendar.js — the working calendar on the administrators' page
// (#/admin): a year's holidays and make-up working days (调休) as the
// server counts deadlines by them, the files they come from, the CSV to
// download, and a form to load a year's file (the State Council publishes
// the next year's each winter), which the running server takes into use at
// once: deadlines counted from then on skip the new holidays. A refusal
// (a bad date, a day another file names) shows the server's reason, and
// nothing of the file is kept.
//
// GET /api/v1/calendar?year=, POST /api/v1/import/calendar?name=.

import {t} from './i18n.js';
import {api, download} from './api.js';
import {el, say, describeError, sending, labelled, sayMissing} from './ui.js';

export function calendarCard() {
  const thisYear = new Date().getFullYear();
  const year = el('select', {name: 'year'},
    [thisYear - 1, thisYear, thisYear + 1].map((y) =>
      el('option', {value: String(y), selected: y === thisYear}, String(y))));
  const summary = el('p', {class: 'muted', id: 'calendar-summary'});
  const days = el('tbody');
  const none = el('p', {class: 'muted', hidden: true, id: 'calendar-none'});
  const table = el('div', {class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'calendar-h'},
    el('table', {class: 'admin calendar'},
      el('caption', {class: 'sr-only'}, t('calendar.title')),
      el('thead', {}, el('tr', {}, ['date', 'kind', 'name'].map((k) =>
        el('th', {scope: 'col'}, t('calendar.col.' + k))))),
      days));
  const get = el('button', {type: 'button', id: 'calendar-download',
    onclick: () => download('/api/v1/calendar?format=csv&year=' + year.value, 'calendar-' + year.value + '.csv')
      .catch((e) => say(describeError(e), 'error'))}, t('calendar.download'));

  async function draw() {
    try {
      const c = await api('/api/v1/calendar?year=' + year.value);
      summary.textContent = t('calendar.summary', {hours: c.hours,
        files: c.files.length ? c.files.join(' ') : t('calendar.nofiles')});
      days.replaceChildren(...c.days.map((d) => el('tr', {dataset: {date: d.date, kind: d.kind}},
        el('td', {}, d.date), el('td', {}, t('calendar.kind.' + d.kind)), el('td', {}, d.name))));
      none.hidden = c.days.length > 0;
      none.textContent = t('calendar.none', {year: c.year});
      table.hidden = !c.days.length;
    } catch (e) {
      summary.textContent = describeError(e);
    }
  }
  year.addEventListener('change', draw);

  const file = el('input', {type: 'file', name: 'file', required: true, accept: '.csv,text/csv'});
  const err = el('p', {class: 'form-error', role: 'alert', id: 'calendar-error'});
  const submit = el('button', {type: 'submit', class: 'primary'}, t('calendar.load'));
  const form = el('form', {class: 'admin-form calendar-load', 'aria-labelledby': 'calendar-load-h',
                           'aria-describedby': 'calendar-error'},
    labelled('calendar-file', t('settings.file'), file), err, el('div', {class: 'buttons'}, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (sayMissing(err, [[f, t('settings.file')]])) return;
    const sent = sending(form, submit, t('settings.loading'));
    // kept under the file's own name when it is a CSV's, so that a year
    // loaded again replaces the one before; else the server names it
    const q = /^[^./][^/]*\.csv$/.test(f.name) ? '?name=' + encodeURIComponent(f.name) : '';
    try {
      const r = await api('/api/v1/import/calendar' + q, {method: 'POST', raw: true, body: f, type: 'text/csv'});
      say(t('calendar.loaded', {n: r.imported}), 'ok');
      form.dataset.loaded = String(r.imported);
      file.value = '';
      await draw();
    } catch (ex) {
      err.textContent = describeError(ex);
    }
    sent();
  });

  draw();
  return el('section', {class: 'card', 'aria-labelledby': 'calendar-h', id: 'admin-calendar'},
    el('h3', {id: 'calendar-h'}, t('calendar.title')),
    el('p', {class: 'muted'}, t('calendar.intro')),
    el('div', {class: 'buttons'}, labelled('calendar-year', t('calendar.year'), year), get),
    summary, table, none,
    el('h4', {id: 'calendar-load-h'}, t('calendar.load.title')), form);
}
