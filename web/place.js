// place.js — where a problem is, chosen on a map of the district: a tap or
// click, the phone's position, or (for staff taking a call) latitude and
// longitude typed in. Each choice is located by the server (GET
// /api/v1/locate), which says whether it lies inside the district and in
// which street, community and unit grid; only a place inside counts.
// Used by the public report page and by the staff's report form.

import {t} from './i18n.js';
import {api} from './api.js';
import {el, describeError, labelled} from './ui.js';

// A place picker. opts.anonymous: call the API without a login (the
// public page); opts.coords: show latitude and longitude fields too.
// Returns {fieldset, value(), mount(district), remove()}: put fieldset in
// the form, call mount() with the district's GeoJSON once it is in the
// page, read value() ({lat, lon, where} or null) when the form is sent,
// and call remove() when the page goes.
export function placePicker(opts = {}) {
  const anonymous = !!opts.anonymous;
  let place = null, map = null, marker = null, asked = 0;
  const text = el('p', {class: 'place-text', role: 'status', id: 'place-text'}, t('pub.place.hint'));
  const mapDiv = el('div', {class: 'map small', id: 'report-map', 'aria-label': t('pub.place')});
  const gps = el('button', {type: 'button', id: 'gps'}, t('pub.place.gps'));
  const lat = el('input', {name: 'lat', inputmode: 'decimal', autocomplete: 'off', size: 11});
  const lon = el('input', {name: 'lon', inputmode: 'decimal', autocomplete: 'off', size: 11});
  const coords = opts.coords
    ? el('div', {class: 'coords'},
         labelled('lat', t('place.lat'), lat),
         labelled('lon', t('place.lon'), lon),
         el('button', {type: 'button', id: 'place-go'}, t('place.go')))
    : null;
  const fieldset = el('fieldset', {class: 'place'}, el('legend', {}, t('pub.place')), mapDiv,
                      el('div', {class: 'buttons'}, gps), coords, text);

  // Locate (la, lo) and show the answer; a later choice overrides an
  // earlier one still being located.
  async function choose(la, lo) {
    const mine = ++asked;
    if (map) {
      if (marker) marker.setLatLng([la, lo]);
      else marker = L.marker([la, lo], {keyboard: false}).addTo(map);
    }
    lat.value = la;
    lon.value = lo;
    place = null;
    text.className = 'place-text';
    text.textContent = t('common.loading');
    try {
      const r = await api(`/api/v1/locate?lat=${la}&lon=${lo}`, {anonymous});
      if (mine !== asked) return;
      if (!r.inside) {
        text.textContent = t('pub.place.outside');
        text.className = 'place-text bad';
        return;
      }
      const where = [r.street?.name, r.community?.name, opts.coords ? r.grid?.code : null]
        .filter(Boolean).join(' · ');
      place = {lat: la, lon: lo, where};
      text.className = 'place-text good';
      text.textContent = t('pub.place.at', {where});
    } catch (e) {
      if (mine === asked) text.textContent = describeError(e);
    }
  }

  function typed() {
    const la = Number(lat.value.trim()), lo = Number(lon.value.trim());
    if (!lat.value.trim() || !lon.value.trim() || !Number.isFinite(la) || !Number.isFinite(lo) ||
        Math.abs(la) > 90 || Math.abs(lo) > 180) {
      place = null;
      text.className = 'place-text bad';
      text.textContent = t('place.bad');
      return;
    }
    if (map) map.setView([la, lo], Math.max(map.getZoom(), 16));
    choose(la, lo);
  }

  function mount(district) {
    map = L.map(mapDiv, {maxZoom: 19});
    const outline = L.geoJSON(district, {style: {weight: 2, color: '#37474f', fillColor: '#fff',
                                                 fillOpacity: 0.5, interactive: false}}).addTo(map);
    map.fitBounds(outline.getBounds());
    // the streets, to find one's way
    api('/api/v1/streets', {anonymous}).then((g) => map && L.geoJSON(g, {
      style: {weight: 1, color: '#78909c', fill: false, interactive: false},
      onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name,
        {permanent: true, direction: 'center', className: 'area-label'}),
    }).addTo(map)).catch(() => {});
    map.on('click', (e) => choose(+e.latlng.lat.toFixed(6), +e.latlng.lng.toFixed(6)));
    gps.addEventListener('click', () => {
      if (!navigator.geolocation) {
        text.textContent = t('pub.place.gps.failed', {msg: '—'});
        return;
      }
      gps.disabled = true;
      gps.textContent = t('pub.place.gps.busy');
      navigator.geolocation.getCurrentPosition((p) => {
        gps.disabled = false;
        gps.textContent = t('pub.place.gps');
        if (!map) return;
        map.setView([p.coords.latitude, p.coords.longitude], 17);
        choose(+p.coords.latitude.toFixed(6), +p.coords.longitude.toFixed(6));
      }, (e) => {
        gps.disabled = false;
        gps.textContent = t('pub.place.gps');
        text.textContent = t('pub.place.gps.failed', {msg: e.message});
      }, {enableHighAccuracy: true, timeout: 15000});
    });
    if (coords) {
      coords.querySelector('#place-go').addEventListener('click', typed);
      for (const input of [lat, lon])
        input.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') {
            e.preventDefault(); /* not the form's submit */
            typed();
          }
        });
    }
  }

  return {
    fieldset,
    value: () => place,
    mount,
    remove() {
      if (map) map.remove();
      map = null;
    },
  };
}
