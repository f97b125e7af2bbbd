// queue.js — each role's own work lists (to verify, to file, to
// dispatch, to handle, to check, to close, ...): tabs with their counts,
// each a page of GET /api/v1/cases with the list's state and sort=due, so
// that the overdue come first, and a link to each case.

import {t} from './i18n.js';
import {api, query} from './api.js';
import {el, loading, failed, lightBadge, stateBadge, when, deadlineText} from './ui.js';

// The lists of each role: [key, filter]. The first is the one it opens on.
export const QUEUES = {
  grid_worker: [['verify', {state: 'verifying'}], ['check', {state: 'checking'}], ['drafts', {state: 'draft'}]],
  operator: [['intake', {state: 'reported'}], ['register', {state: 'verified'}],
             ['check_request', {state: 'handled'}]],
  shift_leader: [['file', {state: 'registered'}], ['close', {state: 'checked'}],
                 ['self', {state: 'self_handled'}], ['deferred', {state: 'deferred'}]],
  dispatcher: [['dispatch', {state: 'filed'}], ['dispatched', {state: 'dispatched'}],
               ['suspended', {state: 'suspended'}]],
  department: [['handle', {state: 'dispatched'}]],
  street: [['dispatch', {state: 'filed'}], ['overdue', {state: 'open', overdue: 1}], ['open', {state: 'open'}]],
  community: [['overdue', {state: 'open', overdue: 1}], ['open', {state: 'open'}]],
  road_chief: [['overdue', {state: 'open', overdue: 1}], ['open', {state: 'open'}]],
  leader: [['overdue', {state: 'open', overdue: 1}], ['open', {state: 'open'}]],
  admin: [['open', {state: 'open'}], ['overdue', {state: 'open', overdue: 1}]],
  public: [['mine', {}]],
};

const PAGE = 50;

function row(c) {
  return el('li', {class: 'case-row', dataset: {no: c.no}},
    el('a', {href: '#/case/' + encodeURIComponent(c.no)},
      el('span', {class: 'no'}, c.no),
      el('span', {class: 'cat'}, c.category.name || c.category.code),
      el('span', {class: 'where'}, [c.street?.name, c.address].filter(Boolean).join(' · ')),
      el('span', {class: 'badges'}, stateBadge(c.state), ' ', lightBadge(c.light)),
      el('span', {class: 'due'}, deadlineText(c)),
      el('span', {class: 'time'}, when(c.created_at))));
}

// A list's total as shown: the server counts no further than a thousand,
// and says so (total_exact false): "1000+".
function total(r) {
  return r.total_exact === false ? r.total + '+' : String(r.total);
}

export async function show(main, args, user) {
  const lists = QUEUES[user.role] || QUEUES.admin;
  const key = lists.some(([k]) => k === args[0]) ? args[0] : lists[0][0];
  const tabs = el('div', {class: 'tabs', role: 'tablist', 'aria-label': t('queue.title')});
  const body = el('div', {class: 'queue', role: 'tabpanel', id: 'queue-panel'});
  main.replaceChildren(el('section', {class: 'page'}, el('h2', {}, t('queue.title')), tabs, body));

  for (const [k, f] of lists) {
    const count = el('span', {class: 'count', dataset: {count: k}}, '…');
    tabs.append(el('a', {role: 'tab', href: '#/queue/' + k, class: k === key ? 'here' : '',
                         'aria-selected': k === key ? 'true' : 'false', 'aria-controls': 'queue-panel',
                         dataset: {queue: k}}, t('q.' + k), ' ', count));
    api('/api/v1/cases' + query({...f, limit: 1})).then((r) => (count.textContent = total(r)))
      .catch(() => (count.textContent = '?'));
  }

  const filter = lists.find(([k]) => k === key)[1];
  const list = el('ul', {class: 'cases', dataset: {queue: key}});
  const summary = el('p', {class: 'summary', role: 'status'});
  const more = el('button', {type: 'button', hidden: true}, t('common.more'));
  let offset = 0;

  async function page() {
    more.disabled = true;
    const wait = loading();
    body.append(wait);
    try {
      const r = await api('/api/v1/cases' + query({...filter, sort: 'due', limit: PAGE, offset}));
      wait.remove();
      summary.textContent = t('queue.count', {n: total(r)});
      summary.dataset.total = r.total;
      if (!r.total) list.replaceChildren(el('li', {class: 'empty'}, t('queue.empty')));
      for (const c of r.cases) list.append(row(c));
      offset += r.cases.length;
      more.hidden = r.total_exact ? offset >= r.total : r.cases.length < PAGE;
      more.disabled = false;
      list.dataset.ready = '1';
    } catch (e) {
      wait.replaceWith(failed(e, () => page()));
    }
  }
  more.addEventListener('click', page);
  body.replaceChildren(summary, list, more);
  await page();
}
