// report.js — the staff's report form (#/report): an operator taking a
// hotline call, a grid worker on patrol, street and community staff and
// road chiefs enter a new case — category (with the component's code and
// state for a 部件), place (map, phone position, or coordinates typed),
// address, description, urgency, source and case type, the caller's name
// and phone (kept from the public), photos; a grid worker may keep it as a
// draft or report it handled on the spot with a photo of the result.
// POST /api/v1/cases; on success the new case's page opens.

import {t, nameOf} from './i18n.js';
import {api, uploadPhoto} from './api.js';
import {el, say, loading, failed, describeError, photoInput, sending, labelled, sayMissing} from './ui.js';
import {placePicker} from './place.js';
import {categoryPicker} from './category.js';

// The source a role reports from unless told otherwise (src/case/report.c).
const DEFAULT_SOURCE = {operator: 'hotline', public: 'public'};
const SOURCES = ['patrol', 'hotline', 'public', 'referral', 'inspection', 'sensor'];
const COMPONENT_STATES = ['damaged', 'missing', 'abandoned', 'removed', 'intact'];

function select(id, options, value) {
  return el('select', {id, name: id},
    options.map(([v, text]) => el('option', {value: v, selected: v === value}, text)));
}

export async function show(main, args, user) {
  main.replaceChildren(loading());
  let cats, district;
  try {
    [cats, district] = await Promise.all([api('/api/v1/categories'), api('/api/v1/district')]);
  } catch (e) {
    main.replaceChildren(failed(e, () => show(main, args, user)));
    return null;
  }
  const staff = user.role !== 'public';
  const worker = user.role === 'grid_worker';
  const category = categoryPicker(cats.categories);
  const place = placePicker({coords: true});

  const componentId = el('input', {id: 'component_id', name: 'component_id', inputmode: 'numeric',
                                   maxlength: 32, autocomplete: 'off'});
  const componentState = select('component_state', [['', '—'],
    ...COMPONENT_STATES.map((s) => [s, t('report.component_state.' + s)])], '');
  const component = el('fieldset', {class: 'component', hidden: true},
    el('legend', {}, t('case.component')),
    labelled('component_id', t('report.component_id'), componentId),
    labelled('component_state', t('report.component_state'), componentState));
  category.fieldset.addEventListener('change', () => {
    component.hidden = category.value()?.kind !== 'component';
  });

  const before = photoInput('photos');
  const after = photoInput('photos_after');
  const afterBox = el('div', {class: 'after', hidden: true},
    labelled('photos_after', t('report.photos.after'), after.input), after.previews);
  const mode = worker
    ? el('fieldset', {class: 'mode'}, el('legend', {}, t('report.mode')),
         ['report', 'draft', 'self'].map((m, i) => el('label', {class: 'check'},
           el('input', {type: 'radio', name: 'mode', value: m, checked: i === 0}), t('report.mode.' + m))))
    : null;
  if (mode) mode.addEventListener('change', () => {
    afterBox.hidden = mode.querySelector('input:checked').value !== 'self';
  });

  const more = staff
    ? el('fieldset', {class: 'more'}, el('legend', {}, t('report.more')),
         labelled('source', t('case.source'), select('source', SOURCES.map((s) => [s, nameOf('source', s)]),
                                                  DEFAULT_SOURCE[user.role] || 'patrol')),
         labelled('case_type', t('report.case_type'), select('case_type',
           ['daily', 'inspection', 'other'].map((k) => [k, t('report.case_type.' + k)]), 'daily')),
         labelled('area_class', t('report.area_class'), select('area_class',
           ['A', 'B', 'C'].map((k) => [k, t('report.area_class.' + k)]), 'B')),
         labelled('reporter_name', t('report.reporter_name'),
               el('input', {id: 'reporter_name', name: 'reporter_name', maxlength: 60, autocomplete: 'off'})),
         labelled('reporter_phone', t('report.reporter_phone'),
               el('input', {id: 'reporter_phone', name: 'reporter_phone', type: 'tel', maxlength: 20,
                            autocomplete: 'off'})))
    : null;

  const err = el('p', {class: 'form-error', role: 'alert', id: 'report-error'});
  const submit = el('button', {type: 'submit', class: 'primary big'}, t('report.submit'));
  const form = el('form', {class: 'report card', novalidate: true, 'aria-labelledby': 'report-h'},
    el('h2', {id: 'report-h'}, t('report.title')),
    category.fieldset, component, place.fieldset,
    labelled('address', t('pub.address'), el('input', {id: 'address', name: 'address', maxlength: 200})),
    labelled('description', t('pub.description'),
          el('textarea', {id: 'description', name: 'description', rows: 4, maxlength: 2000, required: true})),
    labelled('urgency', t('case.urgency'), select('urgency', [0, 1, 2].map((u) => [String(u), t('urgency.' + u)]), '0')),
    labelled('photos', t('pub.photos'), before.input), before.previews,
    more, mode, afterBox, err, submit);
  main.replaceChildren(form);
  place.mount(district);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const cat = category.value(), at = place.value();
    const how = fd.get('mode') || 'report';
    if (sayMissing(err, [[cat, t('pub.need.category')], [at, t('pub.need.place')],
                         [(fd.get('description') || '').trim(), t('pub.need.description')],
                         [how !== 'self' || after.input.files.length, t('report.photos.after')]]))
      return;
    const sent = sending(form, submit, t('pub.busy'));
    try {
      const attachments = [];
      for (const f of [...before.input.files].slice(0, 4))
        attachments.push({sha256: await uploadPhoto(f, false), stage: 'before'});
      if (how === 'self')
        for (const f of [...after.input.files].slice(0, 4))
          attachments.push({sha256: await uploadPhoto(f, false), stage: 'after'});
      const body = {...cat, lat: at.lat, lon: at.lon, description: fd.get('description').trim(),
                    urgency: Number(fd.get('urgency')), attachments};
      const text = (name) => (fd.get(name) || '').trim();
      for (const name of ['address', 'reporter_name', 'reporter_phone'])
        if (text(name)) body[name] = text(name);
      if (staff)
        for (const name of ['source', 'case_type', 'area_class']) body[name] = fd.get(name);
      if (cat.kind === 'component') {
        if (text('component_id')) body.component_id = text('component_id');
        if (fd.get('component_state')) body.component_state = fd.get('component_state');
      }
      if (how === 'draft') body.draft = true;
      if (how === 'self') body.self_handled = true;
      const c = await api('/api/v1/cases', {body});
      say(t('report.done', {no: c.no}), 'ok');
      location.hash = '#/case/' + encodeURIComponent(c.no);
    } catch (ex) {
      err.textContent = describeError(ex);
      sent();
    }
  });
  return () => place.remove();
}
