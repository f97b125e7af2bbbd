// public.js — the public pages, no account: report a problem (category,
// place on the map or the phone's position, description, photos) and get
// a case number and a rating code; look a case up by number and follow its
// public history; rate the result once it is closed. Reports made on this
// device are remembered in localStorage with their codes. The public view
// the server sends never holds the reporter's name or phone, and these
// pages show nothing else.
//   #/report  #/lookup[/NO]  #/mine

import {t, setLang, getLang, applyI18n, nameOf} from './i18n.js';
import {api, uploadPhoto, ApiError} from './api.js';
import {el, say, loading, failed, describeError, lightBadge, stateBadge, when, deadlineText, photoInput,
        sending, sayMissing} from './ui.js';
import {placePicker} from './place.js';
import {categoryPicker} from './category.js';

const main = document.getElementById('main');
const MINE = 'cg.mine';
let cleanup = null;

function mine() {
  try {
    return JSON.parse(localStorage.getItem(MINE) || '[]');
  } catch {
    return [];
  }
}

function remember(no, secret) {
  const list = mine().filter((x) => x.no !== no);
  list.unshift({no, secret, at: Date.now()});
  localStorage.setItem(MINE, JSON.stringify(list.slice(0, 50)));
}

// ---- report -----------------------------------------------------------------

async function showReport() {
  main.replaceChildren(loading());
  let cats, district;
  try {
    [cats, district] = await Promise.all([api('/api/v1/categories?scheme=gb47678', {anonymous: true}),
                                          api('/api/v1/district', {anonymous: true})]);
  } catch (e) {
    main.replaceChildren(failed(e, showReport));
    return null;
  }
  const category = categoryPicker(cats.categories);
  const picker = placePicker({anonymous: true});
  const {input: photos, previews} = photoInput('photos');
  const err = el('p', {class: 'form-error', role: 'alert'});
  const submit = el('button', {type: 'submit', class: 'primary big'}, t('pub.submit'));
  const form = el('form', {class: 'report card', novalidate: true},
    category.fieldset,
    picker.fieldset,
    el('label', {class: 'field', for: 'address'}, el('span', {}, t('pub.address')),
       el('input', {id: 'address', name: 'address', maxlength: 200})),
    el('label', {class: 'field', for: 'description'}, el('span', {}, t('pub.description')),
       el('textarea', {id: 'description', name: 'description', rows: 4, maxlength: 2000, required: true})),
    el('label', {class: 'field', for: 'photos'}, el('span', {}, t('pub.photos')), photos), previews,
    el('label', {class: 'field', for: 'phone'}, el('span', {}, t('pub.phone')),
       el('input', {id: 'phone', name: 'phone', type: 'tel', autocomplete: 'tel', maxlength: 20})),
    err, submit);
  main.replaceChildren(form);

  picker.mount(district);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const place = picker.value(), cat = category.value();
    if (sayMissing(err, [[cat, t('pub.need.category')], [place, t('pub.need.place')],
                         [(fd.get('description') || '').trim(), t('pub.need.description')]]))
      return;
    const sent = sending(form, submit, t('pub.busy'));
    try {
      const shas = [];
      for (const f of [...photos.files].slice(0, 4)) shas.push(await uploadPhoto(f, true));
      const body = {...cat, lat: place.lat, lon: place.lon,
                    description: fd.get('description').trim(), attachments: shas.map((sha256) => ({sha256}))};
      if (fd.get('address').trim()) body.address = fd.get('address').trim();
      if (fd.get('phone').trim()) body.reporter_phone = fd.get('phone').trim();
      const r = await api('/api/v1/public/cases', {body, anonymous: true});
      remember(r.no, r.secret);
      main.replaceChildren(el('section', {class: 'card done', role: 'status'},
        el('h2', {}, t('pub.done')),
        el('p', {}, t('pub.done.no')), el('p', {class: 'case-no', id: 'new-no'}, r.no),
        el('p', {}, t('pub.done.secret')), el('p', {class: 'secret', id: 'new-secret'}, r.secret),
        el('a', {class: 'button primary', href: '#/lookup/' + r.no}, t('pub.done.follow'))));
    } catch (ex) {
      err.textContent = describeError(ex);
      sent();
    }
  });
  return () => picker.remove();
}

// ---- look up and rate ---------------------------------------------------------

function rateForm(c, known) {
  const err = el('p', {class: 'form-error', role: 'alert'});
  const form = el('form', {class: 'rate card'},
    el('h3', {}, t('pub.rate.title')),
    el('fieldset', {}, el('legend', {}, t('field.rating')),
      ['satisfied', 'basic', 'unsatisfied'].map((r, i) => el('label', {class: 'check'},
        el('input', {type: 'radio', name: 'rating', value: r, checked: i === 0}), t('rating.' + r)))),
    el('label', {class: 'field', for: 'rate-note'}, el('span', {}, t('pub.rate.note')),
       el('textarea', {id: 'rate-note', name: 'note', rows: 3, maxlength: 1000})),
    el('label', {class: 'field', for: 'rate-secret', hidden: !!known}, el('span', {}, t('pub.rate.secret')),
       el('input', {id: 'rate-secret', name: 'secret', value: known || '', autocomplete: 'off', required: true})),
    err, el('button', {type: 'submit', class: 'primary'}, t('pub.rate.submit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const btn = form.querySelector('button');
    btn.disabled = true;
    try {
      const body = {secret: fd.get('secret').trim(), rating: fd.get('rating')};
      if (fd.get('note').trim()) body.note = fd.get('note').trim();
      const after = await api('/api/v1/public/cases/' + encodeURIComponent(c.no) + '/rate', {body, anonymous: true});
      say(t('pub.rate.done'), 'ok');
      renderCase(after);
    } catch (ex) {
      err.textContent = describeError(ex);
      btn.disabled = false;
    }
  });
  return form;
}

function renderCase(c) {
  const known = (mine().find((x) => x.no === c.no) || {}).secret;
  const photos = (stage) => {
    const list = c.attachments.filter((a) => a.stage === stage && a.mime.startsWith('image/'));
    return list.length ? el('div', {class: 'photos'}, list.map((a) =>
      el('img', {src: '/api/v1/public/attachments/' + a.sha256, loading: 'lazy',
                 alt: t(stage === 'after' ? 'case.photos.after' : 'case.photos.before')})))
      : el('p', {class: 'muted'}, t('case.photos.none'));
  };
  const rateNote = (c.history || []).filter((h) => h.action === 'rate').map((h) => h.note).find(Boolean);
  const box = el('article', {class: 'case card', dataset: {no: c.no, state: c.state}},
    el('h2', {}, t('case.title', {no: c.no})),
    el('p', {}, stateBadge(c.state), ' ', lightBadge(c.light)),
    el('dl', {},
      el('dt', {}, t('case.category')), el('dd', {}, c.category.name || c.category.code),
      el('dt', {}, t('case.place')), el('dd', {}, [c.street?.name, c.community?.name].filter(Boolean).join(' · ')),
      c.address ? [el('dt', {}, t('case.address')), el('dd', {}, c.address)] : null,
      el('dt', {}, t('case.description')), el('dd', {class: 'desc'}, c.description || '—'),
      el('dt', {}, t('case.created')), el('dd', {}, when(c.created_at)),
      c.dept ? [el('dt', {}, t('case.dept')), el('dd', {}, c.dept.name)] : null,
      el('dt', {}, t('case.deadline')), el('dd', {}, deadlineText(c)),
      c.rating ? [el('dt', {}, t('case.rating')),
                  el('dd', {class: 'rated'}, t('rating.' + c.rating.value) + (rateNote ? ' · ' + rateNote : ''))] : null),
    el('h3', {}, t('case.photos.before')), photos('before'),
    el('h3', {}, t('case.photos.after')), photos('after'),
    el('h3', {}, t('case.history')),
    el('ol', {class: 'timeline'}, (c.history || []).map((h) => el('li', {dataset: {action: h.action}},
      el('time', {datetime: h.at}, when(h.at)), el('strong', {}, nameOf('action', h.action)),
      h.from !== h.to ? el('span', {class: 'states'}, nameOf('state', h.to)) : null,
      h.note ? el('p', {class: 'note'}, h.note) : null))));
  const out = el('div', {}, box);
  if (c.state === 'closed' && !c.rating) out.append(rateForm(c, known));
  main.replaceChildren(lookupForm(c.no), out);
}

function lookupForm(no) {
  const f = el('form', {class: 'lookup card', role: 'search'},
    el('label', {class: 'field', for: 'lookup-no'}, el('span', {}, t('pub.lookup.no')),
       el('input', {id: 'lookup-no', name: 'no', value: no || '', inputmode: 'numeric', required: true,
                    autocomplete: 'off'})),
    el('button', {type: 'submit', class: 'primary'}, t('pub.lookup.go')));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = '#/lookup/' + encodeURIComponent(new FormData(f).get('no').trim());
  });
  return f;
}

async function showLookup(no) {
  if (!no) {
    main.replaceChildren(lookupForm(''));
    return;
  }
  main.replaceChildren(lookupForm(no), loading());
  try {
    renderCase(await api('/api/v1/public/cases/' + encodeURIComponent(no), {anonymous: true}));
  } catch (e) {
    main.replaceChildren(lookupForm(no), e instanceof ApiError && e.status === 404
      ? el('p', {class: 'failed', role: 'alert'}, t('pub.lookup.none')) : failed(e, () => showLookup(no)));
  }
}

function showMine() {
  const list = mine();
  main.replaceChildren(el('section', {class: 'card'}, el('h2', {}, t('pub.tab.mine')),
    list.length ? el('ul', {class: 'cases'}, list.map((x) => el('li', {class: 'case-row'},
      el('a', {href: '#/lookup/' + x.no}, el('span', {class: 'no'}, x.no), el('span', {class: 'time'},
        when(Math.floor(x.at / 1000)))))))
      : el('p', {class: 'muted'}, t('pub.mine.empty'))));
}

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* what failed to tear down must not stop the next view */
    }
    cleanup = null;
  }
  applyI18n();
  const [, view, arg] = (location.hash || '#/report').slice(1).split('/');
  for (const a of document.querySelectorAll('#tabs a')) {
    const here = a.dataset.view === (view || 'report');
    a.classList.toggle('here', here);
    a.setAttribute('aria-selected', here ? 'true' : 'false');
  }
  if (view === 'lookup') await showLookup(arg ? decodeURIComponent(arg) : '');
  else if (view === 'mine') showMine();
  else cleanup = await showReport();
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'en' ? 'zh' : 'en');
  route();
});
window.addEventListener('hashchange', route);
route();
