// category.js — choosing a problem's category from the dictionaries the
// server lists (GET /api/v1/categories): a group (a kind and major class:
// 事件/部件, 市容环境, ...), then the category within it. With more than
// one scheme (GB/T 47678.5 and CJ/T 214, and local ones), the scheme is
// chosen first. Used by the public report page and the staff's report form.

import {t} from './i18n.js';
import {el, labelled} from './ui.js';

// A category picker over cats (the API's "categories" array). Returns
// {fieldset, value()}: value() is {scheme, kind, code} or null while none
// is chosen. The selects are #cat-scheme (only with several schemes),
// #cat-major (values "kind:major") and #cat-minor ("scheme:kind:code").
export function categoryPicker(cats) {
  const schemes = [...new Set(cats.map((c) => c.scheme))];
  const label = (s) => (t('cat.scheme.' + s) === 'cat.scheme.' + s ? s : t('cat.scheme.' + s)); // a local one: its code
  const scheme = el('select', {id: 'cat-scheme', name: 'scheme'},
    schemes.map((s) => el('option', {value: s}, label(s))));
  const major = el('select', {name: 'major', required: true});
  const minor = el('select', {name: 'minor', required: true});

  // kind:major -> {name, items} of the scheme chosen
  function groups() {
    const g = new Map();
    for (const c of cats) {
      if (c.scheme !== scheme.value) continue;
      const k = c.kind + ':' + c.major_code;
      if (!g.has(k)) g.set(k, {name: c.major_name, items: []});
      g.get(k).items.push(c);
    }
    return g;
  }
  function fillMajor() {
    major.replaceChildren(el('option', {value: ''}, '—'),
      ...[...groups()].map(([k, g]) => el('option', {value: k}, g.name)));
    fillMinor();
  }
  function fillMinor() {
    const g = groups().get(major.value);
    minor.replaceChildren(el('option', {value: ''}, '—'),
      ...(g ? g.items : []).map((c) => el('option', {value: [c.scheme, c.kind, c.code].join(':')}, c.name_zh)));
  }
  scheme.addEventListener('change', fillMajor);
  major.addEventListener('change', fillMinor);
  fillMajor();

  const fieldset = el('fieldset', {class: 'category'}, el('legend', {}, t('pub.category')),
    schemes.length > 1
      ? labelled('cat-scheme', t('cat.scheme'), scheme) : null,
    labelled('cat-major', t('pub.category.major'), major),
    labelled('cat-minor', t('pub.category.minor'), minor));
  return {
    fieldset,
    value() {
      if (!minor.value) return null;
      const [s, kind, code] = minor.value.split(':');
      return {scheme: s, kind, code};
    },
  };
}
