// case.js — one case for staff: its facts, the deadline that runs now
// with a live countdown, photos before and after, the dispatch tasks, the
// whole history as a timeline, and the actions the caller may take now
// (the server's list), each with the fields it needs: departments and a
// limit to dispatch, a note and an after-photo to report work done, a
// verdict to check, and so on. A refusal shows the server's reason.

import {t, nameOf} from './i18n.js';
import {api, photoURL, uploadPhoto} from './api.js';
import {el, say, loading, failed, describeError, lightBadge, stateBadge, when,
        deadlineText, dictionaries} from './ui.js';

// The fields of each action's form. Unlisted actions take a note.
const NOTE_REQUIRED = ['reject', 'void', 'defer', 'self_reject', 'return_request',
                       'suspend_request', 'comment'];
const TASK_STATE = {
  extend_approve: (k) => k.extension_asked_s > 0, extend_refuse: (k) => k.extension_asked_s > 0,
  return_approve: (k) => k.state === 'returning', return_refuse: (k) => k.state === 'returning',
  suspend_approve: (k) => k.state === 'suspending', suspend_refuse: (k) => k.state === 'suspending',
};

function fieldsOf(action) {
  switch (action) {
  case 'dispatch': return ['depts', 'limit', 'note'];
  case 'handle': return ['note!', 'photo!after'];
  case 'check': return ['pass', 'note?', 'photo after'];
  case 'verify': return ['pass', 'note?', 'photo before'];
  case 'extend_request': return ['hours', 'note!'];
  case 'rate': return ['rating', 'note'];
  default:
    if (TASK_STATE[action]) return ['task', 'note'];
    return [NOTE_REQUIRED.includes(action) ? 'note!' : 'note'];
  }
}

// The form of one action on case c; done(case) when it went through.
async function actionForm(c, action, done) {
  const d = await dictionaries();
  const form = el('form', {class: 'action-form card', dataset: {action}, 'aria-label': nameOf('action', action)});
  const err = el('p', {class: 'form-error', role: 'alert'});
  const id = (k) => 'f-' + action + '-' + k;
  for (const f of fieldsOf(action)) {
    if (f === 'depts') {
      const current = new Set((c.tasks || []).filter((k) => k.state === 'open').map((k) => k.dept));
      form.append(el('fieldset', {class: 'depts'}, el('legend', {}, t('field.depts')),
        d.depts.map((x) => el('label', {class: 'check'},
          el('input', {type: 'checkbox', name: 'depts', value: x.code,
                       checked: (c.dept && c.dept.code === x.code) || current.has(x.code)}), x.name))));
    } else if (f === 'limit' || f === 'hours') {
      form.append(el('label', {class: 'field', for: id(f)}, el('span', {}, t(f === 'limit' ? 'field.limit' : 'field.hours')),
        el('input', {id: id(f), name: f, type: 'number', min: '0.5', step: '0.5', max: '8760',
                     required: f === 'hours'})));
    } else if (f.startsWith('note')) {
      form.append(el('label', {class: 'field', for: id('note')},
        el('span', {}, t(f === 'note!' ? 'field.note.required' : 'field.note')),
        el('textarea', {id: id('note'), name: 'note', rows: 3, required: f === 'note!', maxlength: 2000})));
    } else if (f.startsWith('photo')) {
      const stage = f.endsWith('after') ? 'after' : 'before';
      form.append(el('label', {class: 'field', for: id('photo')},
        el('span', {}, t(f === 'photo!after' ? 'field.photo.after' : 'field.photo')),
        el('input', {id: id('photo'), name: 'photo', type: 'file', accept: 'image/jpeg,image/png,image/webp',
                     required: f === 'photo!after', dataset: {stage}})));
    } else if (f === 'pass') {
      form.append(el('fieldset', {class: 'pass'}, el('legend', {}, t('field.pass')),
        el('label', {class: 'check'}, el('input', {type: 'radio', name: 'pass', value: '1', checked: true}),
           t('field.pass.yes')),
        el('label', {class: 'check'}, el('input', {type: 'radio', name: 'pass', value: '0'}), t('field.pass.no'))));
    } else if (f === 'rating') {
      form.append(el('fieldset', {class: 'rating'}, el('legend', {}, t('field.rating')),
        ['satisfied', 'basic', 'unsatisfied'].map((r, i) => el('label', {class: 'check'},
          el('input', {type: 'radio', name: 'rating', value: r, checked: i === 0}), t('rating.' + r)))));
    } else if (f === 'task') {
      const tasks = (c.tasks || []).filter(TASK_STATE[action]);
      form.append(el('label', {class: 'field', for: id('task')}, el('span', {}, t('field.task')),
        el('select', {id: id('task'), name: 'task'}, tasks.map((k) =>
          el('option', {value: k.n}, k.n + ' · ' + (k.dept_name || k.dept) + ' · ' + nameOf('task', k.state))))));
    }
  }
  form.append(err, el('div', {class: 'buttons'},
    el('button', {type: 'submit', class: 'primary'}, nameOf('action', action)),
    el('button', {type: 'button', onclick: () => form.remove()}, t('common.cancel'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const body = {};
    const note = (fd.get('note') || '').trim();
    const pass = fd.get('pass');
    if (note) body.note = note;
    if (pass !== null) body.pass = pass === '1';
    if (pass === '0' && !note) {
      err.textContent = t('field.missing', {what: t('field.note')});
      return;
    }
    if (fd.getAll('depts').length) body.depts = fd.getAll('depts');
    if (fd.get('limit')) body.limit_hours = Number(fd.get('limit'));
    if (fd.get('hours')) body.hours = Number(fd.get('hours'));
    if (fd.get('rating')) body.rating = fd.get('rating');
    if (fd.get('task')) body.task = Number(fd.get('task'));
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    err.textContent = '';
    form.setAttribute('aria-busy', 'true');
    try {
      const photo = fd.get('photo');
      if (photo && photo.size) {
        const sha = await uploadPhoto(photo, false);
        body.attachments = [{sha256: sha, stage: form.querySelector('input[name=photo]').dataset.stage}];
      }
      const after = await api('/api/v1/cases/' + encodeURIComponent(c.no) + '/' + action, {body});
      say(nameOf('action', action) + ' · ' + t('common.saved'), 'ok');
      done(after);
    } catch (ex) {
      err.textContent = describeError(ex);
      btn.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}

function gallery(c, stage) {
  const list = c.attachments.filter((a) => a.stage === stage);
  const box = el('div', {class: 'photos', dataset: {stage}});
  if (!list.length) box.append(el('p', {class: 'muted'}, t('case.photos.none')));
  for (const a of list) {
    if (!a.mime.startsWith('image/')) {
      box.append(el('a', {href: '#', onclick: async (e) => {
        e.preventDefault();
        window.open(await photoURL(a.sha256), '_blank');
      }}, a.mime));
      continue;
    }
    const img = el('img', {alt: t(stage === 'after' ? 'case.photos.after' : 'case.photos.before'),
                           dataset: {sha: a.sha256}, loading: 'lazy'});
    photoURL(a.sha256).then((u) => (img.src = u)).catch(() => img.replaceWith(el('span', {class: 'muted'}, '×')));
    box.append(img);
  }
  return box;
}

function timeline(c) {
  return el('ol', {class: 'timeline'}, (c.history || []).map((h) =>
    el('li', {dataset: {action: h.action}},
      el('time', {datetime: h.at}, when(h.at)),
      el('strong', {}, nameOf('action', h.action)),
      el('span', {class: 'who'}, nameOf('role', h.role) + (h.actor ? ' · ' + h.actor : '')),
      h.from !== h.to ? el('span', {class: 'states'}, (h.from ? nameOf('state', h.from) + ' → ' : '') +
                           nameOf('state', h.to)) : null,
      h.note ? el('p', {class: 'note'}, h.note) : null)));
}

function tasksTable(c) {
  if (!c.tasks || !c.tasks.length) return null;
  return el('table', {class: 'tasks'},
    el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, t('case.task.dept')),
                       el('th', {}, t('case.task.state')), el('th', {}, t('case.task.due')), el('th', {}, ''))),
    el('tbody', {}, c.tasks.map((k) => el('tr', {},
      el('td', {}, k.n), el('td', {}, k.dept_name || k.dept), el('td', {}, nameOf('task', k.state)),
      el('td', {}, when(k.due_at)), el('td', {}, k.light ? lightBadge(k.light) : '')))));
}

function render(main, c, onChange) {
  const countdown = el('strong', {class: 'countdown', dataset: {light: c.light || 'none'}}, deadlineText(c));
  const actions = el('div', {class: 'actions'});
  const formBox = el('div', {class: 'form-box'});
  // the step that moves the case on first, the rest after
  const MAIN = ['dispatch', 'handle', 'check', 'verify', 'register', 'file', 'close', 'check_request',
                'verify_request', 'self_approve', 'submit', 'rate', 'resume', 'undefer'];
  const rank = (a) => (MAIN.includes(a) ? MAIN.indexOf(a) : MAIN.length);
  const acts = [...(c.actions || [])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (!acts.length) actions.append(el('p', {class: 'muted'}, t('case.actions.none')));
  for (const a of acts)
    actions.append(el('button', {type: 'button', class: a === acts[0] ? 'primary' : '', dataset: {action: a},
      onclick: async () => {
        formBox.replaceChildren(await actionForm(c, a, onChange));
        const first = formBox.querySelector('input, textarea, select, button');
        if (first) first.focus();
      }}, nameOf('action', a)));

  main.replaceChildren(el('article', {class: 'page case', dataset: {no: c.no, state: c.state}},
    el('p', {}, el('button', {type: 'button', class: 'link', onclick: () => {
      if (history.length > 1) history.back();
      else location.hash = '#/queue';
    }}, '← ' + t('case.back'))),
    el('h2', {}, t('case.title', {no: c.no}), ' ', stateBadge(c.state), ' ', lightBadge(c.light)),
    el('div', {class: 'case-grid'},
      el('section', {class: 'card facts'},
        el('dl', {},
          el('dt', {}, t('case.category')), el('dd', {}, (c.category.name || '') + ' (' + c.category.code + ')'),
          el('dt', {}, t('case.source')), el('dd', {}, nameOf('source', c.source)),
          el('dt', {}, t('case.urgency')), el('dd', {}, t('urgency.' + c.urgency)),
          el('dt', {}, t('case.place')),
          el('dd', {}, [c.street?.name, c.community?.name, c.grid?.name].filter(Boolean).join(' · ')),
          c.address ? [el('dt', {}, t('case.address')), el('dd', {}, c.address)] : null,
          c.component ? [el('dt', {}, t('case.component')),
                         el('dd', {class: 'component'}, [c.component.id, c.component.state_zh].filter(Boolean).join(' · '))] : null,
          el('dt', {}, t('case.description')), el('dd', {class: 'desc'}, c.description || '—'),
          c.reporter ? [el('dt', {}, t('case.reporter')),
                        el('dd', {class: 'reporter'}, [c.reporter.name, c.reporter.phone].filter(Boolean).join(' · ') ||
                                                      c.reporter.login)] : null,
          el('dt', {}, t('case.created')), el('dd', {}, when(c.created_at)),
          c.dept ? [el('dt', {}, t('case.dept')), el('dd', {}, c.dept.name)] : null,
          el('dt', {}, t('case.deadline')), el('dd', {}, countdown),
          c.rating ? [el('dt', {}, t('case.rating')), el('dd', {}, t('rating.' + c.rating.value))] : null)),
      el('section', {class: 'card'}, el('h3', {}, t('case.actions')), actions, formBox),
      el('section', {class: 'card'}, el('h3', {}, t('case.photos.before')), gallery(c, 'before'),
         el('h3', {}, t('case.photos.after')), gallery(c, 'after')),
      c.tasks && c.tasks.length ? el('section', {class: 'card'}, el('h3', {}, t('case.tasks')), tasksTable(c)) : null,
      el('section', {class: 'card history'}, el('h3', {}, t('case.history')), timeline(c)))));
  return countdown;
}

export async function show(main, args) {
  const no = args[0];
  let current = null;
  let tick = null;
  async function load() {
    main.replaceChildren(loading());
    try {
      current = await api('/api/v1/cases/' + encodeURIComponent(no));
    } catch (e) {
      main.replaceChildren(e.status === 404 ? el('p', {class: 'failed', role: 'alert'}, t('case.notfound', {no}))
                                            : failed(e, load));
      return;
    }
    draw(current);
  }
  // drawn again with the case the server returns after an action
  function draw(c) {
    current = c;
    const countdown = render(main, c, draw);
    clearInterval(tick);
    tick = setInterval(() => (countdown.textContent = deadlineText(current)), 1000);
  }
  await load();
  return () => clearInterval(tick);
}
