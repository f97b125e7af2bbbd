// verify.js — the history check on the administrators' page (#/admin):
// whether any case's history was altered, removed or reordered since it
// was written (GET /api/v1/verify, as `citygrid verify`): each case's
// hash chain and the district's. Whole, it says how much it read and the
// chain's head; otherwise it names each case and what is wrong with it,
// each linked to the case.

import {t} from './i18n.js';
import {api} from './api.js';
import {el, describeError, sending} from './ui.js';

export function verifyCard() {
  const result = el('div', {class: 'verify-result', role: 'status', id: 'verify-result'});
  const button = el('button', {type: 'button', class: 'primary', id: 'verify-run'}, t('verify.run'));
  const box = el('div', {}, button);
  button.addEventListener('click', async () => {
    const sent = sending(box, button, t('verify.running'));
    result.replaceChildren();
    delete result.dataset.ok;
    try {
      const r = await api('/api/v1/verify');
      result.dataset.ok = r.ok ? '1' : '0';
      if (r.ok) {
        result.replaceChildren(el('p', {class: 'good'},
          t('verify.ok', {events: r.events, cases: r.cases, head: r.head ? r.head.slice(0, 16) + '…' : '—'})));
      } else {
        result.replaceChildren(
          el('p', {class: 'bad'}, t('verify.bad', {n: r.problems_total, events: r.events, cases: r.cases})),
          el('ul', {class: 'problems'}, r.problems.map((p) => el('li', {dataset: {no: p.case || ''}},
            p.case ? el('a', {href: '#/case/' + encodeURIComponent(p.case)}, p.case) : t('verify.district'),
            '：', p.problem))));
      }
    } catch (e) {
      result.replaceChildren(el('p', {class: 'form-error', role: 'alert'}, describeError(e)));
    }
    sent();
  });
  return el('section', {class: 'card', 'aria-labelledby': 'verify-h', id: 'admin-verify'},
    el('h3', {id: 'verify-h'}, t('verify.title')),
    el('p', {class: 'muted'}, t('verify.intro')), box, result);
}
