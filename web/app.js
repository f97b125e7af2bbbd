// app.js — the staff dashboard's shell: logging in and out, the language
// switch, the navigation, and the views the URL's # names:
//   #/login  #/map  #/queue[/KEY]  #/report  #/case/NO  #/stats  #/eval
//   #/admin (accounts and API keys, administrators only)
// Each view module exports show(main, args, user) and may return a
// function that tears it down (closes streams, timers) when another view
// comes. A view some roles may not use is neither linked nor shown to them.

import {t, setLang, getLang, applyI18n, nameOf} from './i18n.js';
import {api, currentUser, setSession, setUnauthorizedHandler} from './api.js';
import {el, say, describeError} from './ui.js';

const main = document.getElementById('main');
let teardown = null;
let routes = 0; /* views begun: a slow one that finds itself overtaken quits */

// The view a role starts in: those who dispatch and lead watch the map;
// those who work cases one by one start with their work list.
function home(user) {
  return ['grid_worker', 'department', 'public'].includes(user.role) ? '#/queue' : '#/map';
}

function showLogin(msg) {
  const form = el('form', {class: 'login card', 'aria-labelledby': 'login-h'},
    el('h2', {id: 'login-h'}, t('login.title')),
    el('label', {class: 'field'}, el('span', {}, t('login.user')),
       el('input', {name: 'login', autocomplete: 'username', required: true, autofocus: true})),
    el('label', {class: 'field'}, el('span', {}, t('login.password')),
       el('input', {name: 'password', type: 'password', autocomplete: 'current-password', required: true})),
    el('p', {class: 'form-error', role: 'alert', id: 'login-error'}, msg || ''),
    el('button', {type: 'submit', class: 'primary'}, t('login.submit')),
    el('p', {class: 'aside'}, el('a', {href: '/public'}, t('nav.public'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    const fd = new FormData(form);
    btn.disabled = true;
    btn.textContent = t('login.busy');
    try {
      const r = await api('/api/v1/login', {body: {login: fd.get('login'), password: fd.get('password')},
                                            anonymous: true});
      setSession(r.token, r.user);
      if (location.hash === home(r.user)) route();
      else location.hash = home(r.user); /* hashchange routes */
    } catch (err) {
      form.querySelector('#login-error').textContent =
        t('login.failed', {msg: err.status === 401 || err.status === 429 ? err.message : describeError(err)});
      btn.disabled = false;
      btn.textContent = t('login.submit');
    }
  });
  main.replaceChildren(form);
}

function header(user) {
  document.getElementById('nav').hidden = !user;
  document.getElementById('logout').hidden = !user;
  document.getElementById('who').textContent =
    user ? user.name + ' · ' + nameOf('role', user.role) : '';
  document.getElementById('nav').setAttribute('aria-label', t('app.short'));
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = !user || !mayUse(a.dataset.view, user);
    const here = location.hash.startsWith('#/' + a.dataset.view);
    a.classList.toggle('here', here);
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

const views = {
  map: () => import('./map.js'),
  queue: () => import('./queue.js'),
  report: () => import('./report.js'),
  case: () => import('./case.js'),
  stats: () => import('./stats.js'),
  eval: () => import('./eval.js'),
  admin: () => import('./admin.js'),
};

// Who may use a view, where not everyone may: the evaluation's routes are
// for staff, every role but the public's (routes.c, STAFF).
const allowed = {
  eval: (user) => user.role !== 'public',
  // accounts and API keys: the routes are the administrators' (routes.c, ADMIN)
  admin: (user) => user.role === 'admin',
  // reports are made by those src/case/report.c lets report
  report: (user) => ['grid_worker', 'operator', 'street', 'community', 'road_chief', 'public'].includes(user.role),
};
const mayUse = (view, user) => !allowed[view] || allowed[view](user);

async function route() {
  const user = currentUser();
  const [, name, ...args] = (location.hash || '#/').slice(1).split('/');
  if (teardown) {
    try {
      teardown();
    } catch {
      /* a view that failed to tear down must not stop the next one */
    }
    teardown = null;
  }
  applyI18n();
  if (!user || name === 'login') {
    header(null);
    showLogin();
    return;
  }
  if (!views[name] || !mayUse(name, user)) {
    location.replace(home(user));
    return;
  }
  header(user);
  const seq = ++routes;
  const mod = await views[name]();
  const off = await mod.show(main, args.map(decodeURIComponent), user);
  if (seq !== routes) {
    if (off) off(); /* another view came meanwhile */
    return;
  }
  teardown = off || null;
  main.focus({preventScroll: true});
}

setUnauthorizedHandler(() => {
  setSession(null);
  header(null);
  showLogin(t('common.session'));
});

document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'en' ? 'zh' : 'en');
  route();
});

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('/api/v1/logout', {method: 'POST'});
  } catch {
    /* the session may be gone already */
  }
  setSession(null);
  location.hash = '#/login';
});

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => say(describeError(e.reason), 'error'));
route();
