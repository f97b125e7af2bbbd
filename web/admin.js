// admin.js — administering accounts and Open311 API keys, for
// administrators only (the routes are theirs; app.js shows the view to no
// other role). Accounts: every one in a table, a form to add one, and for
// each a form to change its name, role, area, department and phone, to set
// a new password, and to disable or enable it (a new password or disabling
// ends its sessions). API keys: the keys Open311 clients post with, a form
// to issue one, whose key is in the reply and shown this once, and revoking
// after a confirmation. The district's settings files to download and to
// load (settings.js), and the check of the cases' histories (verify.js). A refusal shows the server's reason beside the
// form, which keeps what was typed.
//
// GET/POST /api/v1/users, POST /api/v1/users/{login}, GET/POST
// /api/v1/apikeys, POST /api/v1/apikeys/{name}/revoke, and
// GET /api/v1/departments for the choice of department.

import {t, nameOf} from './i18n.js';
import {api} from './api.js';
import {el, say, loading, failed, describeError, when, sending} from './ui.js';
import {settingsCard} from './settings.js';
import {verifyCard} from './verify.js';
import {calendarCard} from './calendar.js';

// The roles an account may hold (org.c); "system" is the server's own
// sweeper, no one's account.
const ROLES = ['grid_worker', 'operator', 'shift_leader', 'dispatcher', 'department', 'street',
               'community', 'road_chief', 'leader', 'public', 'admin'];
const SOURCES = ['public', 'hotline', 'sensor', 'referral', 'patrol', 'inspection'];
const DASH = '—';

// A password the server takes: 8 to 128 bytes. Said before the request
// is sent, beside the field, rather than as the server's refusal.
const passwordOk = (pw) => {
  const n = new TextEncoder().encode(pw).length;
  return n >= 8 && n <= 128;
};

let ids = 0;
// A labelled field: the label above the input, a hint below it tied to
// the input by aria-describedby. opts.wide: the whole row of the form.
function field(label, input, hint, opts = {}) {
  const id = 'adm-' + ++ids;
  input.id = id;
  const h = hint ? el('small', {class: 'hint', id: id + '-hint'}, hint) : null;
  if (h) input.setAttribute('aria-describedby', h.id);
  return el('div', {class: 'field' + (opts.wide ? ' wide' : '')}, el('label', {for: id}, label), input, h);
}

const option = (value, text, current) => el('option', {value, selected: value === (current ?? '')}, text);

function roleSelect(current, disabled) {
  const roles = ROLES.includes(current) || !current ? ROLES : [...ROLES, current];
  return el('select', {name: 'role', required: true, disabled},
            roles.map((r) => option(r, nameOf('role', r), current || 'grid_worker')));
}

function deptSelect(depts, current) {
  return el('select', {name: 'dept'}, option('', t('admin.field.dept.none'), current),
            depts.map((d) => option(d.code, d.name, current)));
}

const deptName = (depts, code) => {
  if (!code) return DASH;
  const d = depts.find((x) => x.code === code);
  return d ? d.name : code;
};

// A cell of the tables: its column's name in data-label, which narrow
// screens show beside it, each row laid out as a card.
const cell = (tag, col, ...content) => el(tag, {scope: tag === 'th' ? 'row' : null, dataset: {col},
                                               'data-label': t('admin.col.' + col)}, el('span', {}, ...content));

// Run a form's request: the submit button busy meanwhile, a refusal in
// err with the form left as typed. Returns what fn returned, or null.
async function submitting(form, err, fn) {
  const btn = form.querySelector('button[type=submit]');
  const done = sending(form, btn, btn.textContent);
  err.textContent = '';
  try {
    return await fn();
  } catch (e) {
    err.textContent = describeError(e);
    return null;
  } finally {
    done();
  }
}

export async function show(main, args, user) {
  main.replaceChildren(loading());
  let users, keys, depts;
  try {
    [users, keys, depts] = await Promise.all([
      api('/api/v1/users').then((r) => r.users),
      api('/api/v1/apikeys').then((r) => r.apikeys),
      api('/api/v1/departments').then((r) => r.departments),
    ]);
  } catch (e) {
    main.replaceChildren(failed(e, () => show(main, args, user)));
    return;
  }

  /* ---- accounts ---- */
  const usersCount = el('p', {class: 'summary', role: 'status'});
  const usersBody = el('tbody');
  const editBox = el('div', {class: 'edit-box'});
  const addErr = el('p', {class: 'form-error', role: 'alert', id: 'add-user-error'});
  const addForm = el('form', {class: 'admin-form add-user', 'aria-labelledby': 'add-user-h',
                              'aria-describedby': 'add-user-error'},
    field(t('admin.field.login'), el('input', {name: 'login', required: true, maxlength: 63,
                                               pattern: '[A-Za-z0-9._\\-]+', autocomplete: 'off',
                                               autocapitalize: 'none', spellcheck: 'false'})),
    field(t('admin.field.name'), el('input', {name: 'name', maxlength: 100, autocomplete: 'off'})),
    field(t('admin.field.role'), roleSelect('')),
    field(t('admin.field.dept'), deptSelect(depts, ''), t('admin.field.dept.hint')),
    field(t('admin.field.scope'), el('input', {name: 'scope', autocomplete: 'off'}),
          t('admin.field.scope.hint')),
    field(t('admin.field.phone'), el('input', {name: 'phone', type: 'tel', autocomplete: 'off'})),
    field(t('admin.field.password'), el('input', {name: 'password', type: 'password', autocomplete: 'new-password'}),
          t('admin.field.password.hint')),
    addErr,
    el('div', {class: 'buttons'}, el('button', {type: 'submit', class: 'primary'}, t('admin.add.submit'))));

  function userRow(u) {
    const self = u.login === user.login;
    const edit = el('button', {type: 'button', dataset: {edit: u.login}, 'aria-expanded': 'false',
                               'aria-controls': 'edit-user',
                               'aria-label': t('admin.edit.label', {login: u.login})}, t('admin.edit'));
    edit.addEventListener('click', () => openEdit(u, edit));
    return el('tr', {class: u.disabled ? 'disabled' : '', dataset: {login: u.login, role: u.role,
                                                                   disabled: u.disabled ? '1' : '0'}},
      cell('th', 'login', u.login, self ? el('small', {class: 'code'}, t('admin.you')) : null),
      cell('td', 'name', u.name),
      cell('td', 'role', nameOf('role', u.role)),
      cell('td', 'scope', u.scope || t('admin.scope.all')),
      cell('td', 'dept', deptName(depts, u.dept)),
      cell('td', 'phone', u.phone || DASH),
      cell('td', 'state', t(u.disabled ? 'admin.state.disabled' : 'admin.state.active')),
      // a built-in account ('@web', the public page's reports) is no one's
      cell('td', 'actions', u.login.startsWith('@') ? el('small', {class: 'hint'}, t('admin.builtin')) : edit));
  }

  function drawUsers() {
    usersBody.replaceChildren(...users.map(userRow));
    usersCount.textContent = t('admin.users.count', {n: users.length});
    usersBody.closest('table')?.setAttribute('data-ready', '1');
  }

  // The users again from the server; the edit form closed (unless keepEdit),
  // the focus back on the edit button of focusLogin's row.
  async function reloadUsers(focusLogin, keepEdit) {
    try {
      users = (await api('/api/v1/users')).users;
    } catch (e) {
      say(describeError(e), 'error');
      return;
    }
    if (!keepEdit) editBox.replaceChildren();
    const open = usersBody.querySelector('button[aria-expanded=true]')?.dataset.edit;
    drawUsers();
    if (keepEdit && open)
      usersBody.querySelector(`button[data-edit="${CSS.escape(open)}"]`)?.setAttribute('aria-expanded', 'true');
    fillAs();
    if (focusLogin) usersBody.querySelector(`button[data-edit="${CSS.escape(focusLogin)}"]`)?.focus();
  }

  function openEdit(u, button) {
    for (const b of usersBody.querySelectorAll('button[data-edit]')) b.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-expanded', 'true');
    const self = u.login === user.login;
    const err = el('p', {class: 'form-error', role: 'alert', id: 'edit-user-error'});
    const h = el('h4', {id: 'edit-user-h'}, t('admin.edit.label', {login: u.login}));
    const form = el('form', {class: 'admin-form edit-user', dataset: {login: u.login},
                             'aria-labelledby': 'edit-user-h', 'aria-describedby': 'edit-user-error'},
      field(t('admin.field.name.edit'), el('input', {name: 'name', value: u.name, required: true, maxlength: 100,
                                                     autocomplete: 'off'})),
      field(t('admin.field.role'), roleSelect(u.role, self), self ? t('admin.self') : null),
      field(t('admin.field.dept'), deptSelect(depts, u.dept), t('admin.field.dept.hint')),
      field(t('admin.field.scope'), el('input', {name: 'scope', value: u.scope,
                                                 autocomplete: 'off'}), t('admin.field.scope.hint')),
      field(t('admin.field.phone'), el('input', {name: 'phone', type: 'tel', value: u.phone, autocomplete: 'off'})),
      field(t('admin.field.newpassword'), el('input', {name: 'password', type: 'password',
                                                       autocomplete: 'new-password'}),
            t('admin.field.newpassword.hint')),
      err,
      el('div', {class: 'buttons'},
        el('button', {type: 'submit', class: 'primary'}, t('admin.save')),
        el('button', {type: 'button', onclick: () => {
          editBox.replaceChildren();
          button.setAttribute('aria-expanded', 'false');
          button.focus();
        }}, t('common.cancel'))));

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const fd = new FormData(form);
      const body = {};
      for (const k of ['name', 'scope', 'phone']) {
        const v = String(fd.get(k)).trim();
        if (v !== u[k]) body[k] = v;
      }
      if (!self && fd.get('role') !== u.role) body.role = fd.get('role');
      if (fd.get('dept') !== u.dept) body.dept = fd.get('dept');
      const pw = String(fd.get('password'));
      if (pw) {
        if (!passwordOk(pw)) {
          err.textContent = t('admin.password.length');
          form.elements.password.focus();
          return;
        }
        body.password = pw;
      }
      if (!Object.keys(body).length) {
        err.textContent = t('admin.unchanged');
        return;
      }
      const r = await submitting(form, err, () => api('/api/v1/users/' + encodeURIComponent(u.login), {body}));
      if (!r) return;
      say(t(body.password ? 'admin.saved.password' : 'admin.saved', {login: u.login}), 'ok');
      await reloadUsers(u.login);
    });

    // disabling or enabling: a step of its own, with what it does
    let status = null;
    if (!self) {
      const dis = !u.disabled;
      const err2 = el('p', {class: 'form-error', role: 'alert'});
      const toggle = el('button', {type: 'button', class: dis ? 'danger' : 'primary',
                                   dataset: {toggle: dis ? 'disable' : 'enable'}},
                        t(dis ? 'admin.disable' : 'admin.enable'));
      const note = el('p', {class: 'hint', id: 'toggle-note'}, t(dis ? 'admin.disable.note' : 'admin.enable.note'));
      toggle.setAttribute('aria-describedby', 'toggle-note');
      toggle.addEventListener('click', async () => {
        toggle.disabled = true;
        err2.textContent = '';
        try {
          await api('/api/v1/users/' + encodeURIComponent(u.login), {body: {disabled: dis}});
        } catch (ex) {
          err2.textContent = describeError(ex);
          toggle.disabled = false;
          return;
        }
        say(t(dis ? 'admin.disable.done' : 'admin.enable.done', {login: u.login}), 'ok');
        await reloadUsers(u.login);
      });
      status = el('fieldset', {class: 'account-state'},
        el('legend', {}, t('admin.status', {state: t(u.disabled ? 'admin.state.disabled' : 'admin.state.active')})),
        note, err2, toggle);
    }
    editBox.replaceChildren(el('section', {class: 'card edit-user-card', id: 'edit-user'}, h, form, status));
    editBox.scrollIntoView({block: 'nearest'});
    form.elements.name.focus();
  }

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(addForm);
    const body = {login: String(fd.get('login')).trim(), role: fd.get('role')};
    for (const k of ['name', 'scope', 'dept', 'phone']) {
      const v = String(fd.get(k)).trim();
      if (v) body[k] = v;
    }
    const pw = String(fd.get('password'));
    if (pw) {
      if (!passwordOk(pw)) {
        addErr.textContent = t('admin.password.length');
        addForm.elements.password.focus();
        return;
      }
      body.password = pw;
    }
    const r = await submitting(addForm, addErr, () => api('/api/v1/users', {body}));
    if (!r) return;
    say(t('admin.add.done', {login: r.login}), 'ok');
    addForm.reset();
    await reloadUsers();
  });

  /* ---- API keys ---- */
  const keysBody = el('tbody');
  const keysEmpty = el('p', {class: 'empty'}, t('admin.keys.empty'));
  const newKeyBox = el('div', {class: 'new-key-box'});
  const keyErr = el('p', {class: 'form-error', role: 'alert', id: 'add-key-error'});
  const asSelect = el('select', {name: 'as'});
  const keyForm = el('form', {class: 'admin-form add-key', 'aria-labelledby': 'add-key-h',
                              'aria-describedby': 'add-key-error'},
    field(t('admin.key.name'), el('input', {name: 'name', required: true, maxlength: 63,
                                            pattern: '[A-Za-z0-9._\\-]+', autocomplete: 'off',
                                            autocapitalize: 'none', spellcheck: 'false'}),
          t('admin.key.name.hint')),
    field(t('admin.key.source'), el('select', {name: 'source'}, SOURCES.map((s) => option(s, nameOf('source', s), 'public')))),
    field(t('admin.key.as'), asSelect, t('admin.key.as.hint')),
    keyErr,
    el('div', {class: 'buttons'}, el('button', {type: 'submit', class: 'primary'}, t('admin.key.add.submit'))));

  function fillAs() {
    const cur = asSelect.value;
    asSelect.replaceChildren(option('', t('admin.key.as.new'), cur),
      users.filter((u) => !u.disabled).map((u) => option(u.login, u.login + ' · ' + u.name + ' · ' +
                                                              nameOf('role', u.role), cur)));
  }

  function keyRow(k) {
    const actions = el('span');
    const revoke = el('button', {type: 'button', dataset: {revoke: k.name},
                                 'aria-label': t('admin.revoke.label', {name: k.name})}, t('admin.revoke'));
    revoke.addEventListener('click', () => {
      const ask = el('span', {id: 'revoke-ask-' + k.name}, t('admin.revoke.ask', {name: k.name}));
      const yes = el('button', {type: 'button', class: 'danger', dataset: {confirm: k.name},
                                'aria-describedby': ask.id}, t('admin.revoke.confirm'));
      const no = el('button', {type: 'button'}, t('common.cancel'));
      no.addEventListener('click', () => {
        actions.replaceChildren(revoke);
        revoke.focus();
      });
      yes.addEventListener('click', async () => {
        yes.disabled = no.disabled = true;
        try {
          await api('/api/v1/apikeys/' + encodeURIComponent(k.name) + '/revoke', {method: 'POST'});
        } catch (e) {
          say(describeError(e), 'error');
          yes.disabled = no.disabled = false;
          return;
        }
        say(t('admin.revoke.done', {name: k.name}), 'ok');
        await reloadKeys();
        keysBody.querySelector(`tr[data-name="${CSS.escape(k.name)}"] th`)?.focus();
      });
      actions.replaceChildren(el('div', {class: 'confirm', role: 'group', 'aria-label': t('admin.revoke.label', {name: k.name})},
                              ask, yes, no));
      yes.focus();
    });
    if (!k.revoked_at) actions.append(revoke);
    const name = cell('th', 'key', k.name);
    name.tabIndex = -1; /* the focus comes back here once the key is revoked */
    return el('tr', {class: k.revoked_at ? 'disabled' : '', dataset: {name: k.name, revoked: k.revoked_at ? '1' : '0'}},
      name,
      cell('td', 'keylogin', k.login),
      cell('td', 'source', nameOf('source', k.source)),
      cell('td', 'created', when(k.created_at) || DASH),
      cell('td', 'revoked', k.revoked_at ? when(k.revoked_at) : t('admin.key.valid')),
      el('td', {dataset: {col: 'actions'}, 'data-label': t('admin.col.actions')}, actions));
  }

  function drawKeys() {
    keysBody.replaceChildren(...keys.map(keyRow));
    keysEmpty.hidden = keys.length > 0;
    keysBody.closest('table')?.setAttribute('data-ready', '1');
  }

  async function reloadKeys() {
    try {
      keys = (await api('/api/v1/apikeys')).apikeys;
    } catch (e) {
      say(describeError(e), 'error');
      return;
    }
    drawKeys();
  }

  // The key just issued, shown this once, until it is closed or the view left.
  function showNewKey(r) {
    const input = el('input', {class: 'key-value', readonly: true, value: r.key, spellcheck: 'false',
                               'aria-label': t('admin.key.value'), 'aria-describedby': 'new-key-once'});
    const copy = el('button', {type: 'button', class: 'primary', dataset: {copy: '1'}}, t('admin.key.copy'));
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(r.key);
        say(t('admin.key.copied'), 'ok');
        return;
      } catch {
        /* no clipboard for this page: the selection below */
      }
      input.focus();
      input.select();
      let done = false;
      try {
        done = document.execCommand('copy');
      } catch {
        done = false;
      }
      say(t(done ? 'admin.key.copied' : 'admin.key.copy.failed'), done ? 'ok' : 'error');
    });
    const box = el('section', {class: 'new-key', role: 'region', 'aria-labelledby': 'new-key-h',
                               dataset: {name: r.name}},
      el('h4', {id: 'new-key-h', tabindex: '-1'}, t('admin.key.new', {name: r.name})),
      el('p', {class: 'once', id: 'new-key-once'}, t('admin.key.once')),
      el('div', {class: 'key-row'}, input, copy),
      el('p', {class: 'hint'}, t('admin.key.filed', {login: r.login, source: nameOf('source', r.source)})),
      el('button', {type: 'button', onclick: () => {
        newKeyBox.replaceChildren();
        keyForm.elements.name.focus();
      }}, t('admin.key.close')));
    newKeyBox.replaceChildren(box);
    box.querySelector('h4').focus();
  }

  keyForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(keyForm);
    const body = {name: String(fd.get('name')).trim(), source: fd.get('source')};
    if (fd.get('as')) body.as = fd.get('as');
    newKeyBox.replaceChildren();
    const r = await submitting(keyForm, keyErr, () => api('/api/v1/apikeys', {body}));
    if (!r) return;
    say(t('admin.key.issued', {name: r.name}), 'ok');
    keyForm.reset();
    await reloadKeys();
    if (!body.as) await reloadUsers(null, true); /* a public account may have been made for it */
    showNewKey(r);
  });

  const col = (key) => el('th', {scope: 'col'}, t(key));
  main.replaceChildren(el('section', {class: 'page admin-view'},
    el('h2', {}, t('admin.title')),
    el('section', {class: 'card', 'aria-labelledby': 'users-h', id: 'admin-users'},
      el('h3', {id: 'users-h'}, t('admin.users')), usersCount,
      el('div', {class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'users-h'},
        el('table', {class: 'admin users'},
          el('caption', {class: 'sr-only'}, t('admin.users')),
          el('thead', {}, el('tr', {}, ['login', 'name', 'role', 'scope', 'dept', 'phone', 'state', 'actions']
            .map((k) => col('admin.col.' + k)))),
          usersBody)),
      editBox,
      el('h4', {id: 'add-user-h'}, t('admin.add')), addForm),
    el('section', {class: 'card', 'aria-labelledby': 'keys-h', id: 'admin-keys'},
      el('h3', {id: 'keys-h'}, t('admin.keys')),
      el('p', {class: 'muted'}, t('admin.keys.intro')),
      el('div', {class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'keys-h'},
        el('table', {class: 'admin apikeys'},
          el('caption', {class: 'sr-only'}, t('admin.keys')),
          el('thead', {}, el('tr', {}, ['key', 'keylogin', 'source', 'created', 'revoked', 'actions']
            .map((k) => col('admin.col.' + k)))),
          keysBody)),
      keysEmpty,
      el('h4', {id: 'add-key-h'}, t('admin.key.add')), keyForm, newKeyBox),
    settingsCard(), calendarCard(), verifyCard()));
  drawUsers();
  drawKeys();
  fillAs();
}
