// settings.js — the district's settings files, on the administrators'
// page (#/admin): the departments and the category dictionaries to
// download as the CSV files the server loads, and a form to load a file —
// departments, categories, routing rules, time limits, the evaluation's
// weights, buckets and flag rules, road segments, the district's divisions,
// boundary and grids (GeoJSON) — which the server applies whole or not at
// all and uses at once. A refusal shows the
// server's reason, and nothing of the file is kept.
//
// Below, unit grids cut anew and road segments generated along them.
//
// GET /api/v1/departments?format=csv, GET /api/v1/categories?format=csv,
// POST /api/v1/import/{kind}, POST /api/v1/grids/generate,
// POST /api/v1/segments/generate.

import {t} from './i18n.js';
import {api, download} from './api.js';
import {el, say, describeError, sending, labelled, sayMissing} from './ui.js';

const KINDS = ['departments', 'categories', 'routing', 'limits', 'weights', 'buckets', 'flag-rules', 'segments',
               'divisions', 'boundary', 'grids'];
const GEOJSON = ['segments', 'boundary', 'grids']; // with their coordinates
const SCHEMES = ['gb47678', 'cjt214'];

// The card: downloads, then the form to load a file.
export function settingsCard() {
  const downloads = el('div', {class: 'buttons'},
    [['departments', '/api/v1/departments?format=csv', 'departments.csv'],
     ...SCHEMES.map((s) => ['categories-' + s, '/api/v1/categories?format=csv&scheme=' + s,
                            'categories-' + s + '.csv'])]
      .map(([key, path, name]) => el('button', {type: 'button', dataset: {download: key},
        onclick: () => download(path, name).catch((e) => say(describeError(e), 'error'))},
        t('settings.download.' + key.split('-')[0], {scheme: t('cat.scheme.' + key.split('-')[1])}))));

  const kind = el('select', {name: 'kind'}, KINDS.map((k) => el('option', {value: k}, t('settings.kind.' + k))));
  const scheme = el('select', {name: 'scheme'}, SCHEMES.map((s) => el('option', {value: s}, t('cat.scheme.' + s))));
  const crs = el('select', {name: 'crs'}, ['wgs84', 'gcj02'].map((c) => el('option', {value: c}, t('settings.crs.' + c))));
  const file = el('input', {type: 'file', name: 'file', required: true, accept: '.csv,.geojson,.json,text/csv'});
  const schemeField = labelled('settings-scheme', t('cat.scheme'), scheme);
  const crsField = labelled('settings-crs', t('settings.crs'), crs);
  const err = el('p', {class: 'form-error', role: 'alert', id: 'settings-error'});
  const submit = el('button', {type: 'submit', class: 'primary'}, t('settings.load'));
  const form = el('form', {class: 'admin-form settings', 'aria-labelledby': 'settings-load-h',
                           'aria-describedby': 'settings-error'},
    labelled('settings-kind', t('settings.kind'), kind), schemeField, crsField,
    labelled('settings-file', t('settings.file'), file), err, el('div', {class: 'buttons'}, submit));
  const shown = () => {
    schemeField.hidden = kind.value !== 'categories';
    crsField.hidden = !GEOJSON.includes(kind.value);
  };
  kind.addEventListener('change', shown);
  shown();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (sayMissing(err, [[f, t('settings.file')]])) return;
    const sent = sending(form, submit, t('settings.loading'));
    const q = kind.value === 'categories' ? '?scheme=' + scheme.value
      : GEOJSON.includes(kind.value) ? '?crs=' + crs.value : '';
    try {
      const r = await api('/api/v1/import/' + kind.value + q, {
        method: 'POST', raw: true, body: f,
        type: GEOJSON.includes(kind.value) ? 'application/geo+json' : 'text/csv'});
      say(t('settings.loaded', {n: r.imported, what: t('settings.kind.' + r.kind)}), 'ok');
      form.dataset.loaded = r.kind + ':' + r.imported;
      file.value = '';
    } catch (ex) {
      err.textContent = describeError(ex);
    }
    sent();
  });

  return el('section', {class: 'card', 'aria-labelledby': 'settings-h', id: 'admin-settings'},
    el('h3', {id: 'settings-h'}, t('settings.title')),
    el('p', {class: 'muted'}, t('settings.intro')),
    downloads,
    el('h4', {id: 'settings-load-h'}, t('settings.load.title')), form,
    el('h4', {id: 'settings-generate-h'}, t('settings.generate.title')),
    el('p', {class: 'muted'}, t('settings.generate.intro')),
    generateForm('grids', 'cell', 100), generateForm('segments', 'spacing', 1000));
}

// A form that generates what (grids, segments) anew with one size in
// metres: POST /api/v1/{what}/generate {field: metres}. The grids replace
// the stored ones, so the form asks first, in the page.
function generateForm(what, field, metres) {
  const size = el('input', {type: 'number', name: field, min: '1', step: '1', value: String(metres),
                            required: true, inputmode: 'numeric'});
  const err = el('p', {class: 'form-error', role: 'alert', id: `generate-${what}-error`});
  const submit = el('button', {type: 'submit'}, t(`settings.generate.${what}`));
  const buttons = el('div', {class: 'buttons'}, submit);
  const form = el('form', {class: `admin-form generate generate-${what}`,
                           'aria-describedby': `generate-${what}-error`},
    labelled(`generate-${what}-${field}`, t(`settings.generate.${field}`), size), err, buttons);

  async function generate() {
    const sent = sending(form, submit, t('settings.generating'));
    try {
      const r = await api(`/api/v1/${what}/generate`, {method: 'POST', body: {[field]: Number(size.value)}});
      say(t(`settings.generated.${what}`, {n: r[what]}), 'ok');
      form.dataset.done = String(r[what]);
    } catch (ex) {
      err.textContent = describeError(ex);
    }
    sent();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (sayMissing(err, [[size.value, t(`settings.generate.${field}`)]])) return;
    if (what !== 'grids') return generate();
    const ask = el('span', {id: 'generate-ask'}, t('settings.generate.confirm'));
    const yes = el('button', {type: 'button', class: 'danger', id: 'generate-yes', 'aria-describedby': ask.id},
                   t('settings.generate.yes'));
    const no = el('button', {type: 'button'}, t('common.cancel'));
    const back = () => {
      buttons.replaceChildren(submit);
      submit.focus();
    };
    no.addEventListener('click', back);
    yes.addEventListener('click', async () => {
      back();
      await generate();
    });
    buttons.replaceChildren(el('div', {class: 'confirm', role: 'group'}, ask, yes, no));
    yes.focus();
  });
  return form;
}
