// map.js — the command-centre map (挂图作战): the district, its streets,
// communities and unit grids drawn from citygrid's own GeoJSON (a tile
// layer only where the deployment names one), and the cases that match
// the filters as markers coloured by their traffic light. The markers come
// from GET /api/v1/cases/points, one compact row per case, and are
// clustered in the browser by supercluster, which indexes 100,000 points
// in a fraction of a second and hands back only the clusters in view;
// each cluster shows its count and, as a ring, its share of red, yellow
// and green. The event stream keeps markers and counters current without
// a reload. Clicking a marker opens the case's card.

import {t} from './i18n.js';
import {api, query, stream} from './api.js';
import {el, say, sayError, loading, failed, lightBadge, stateBadge, when, filterForm,
        dictionaries, apiParams, deadlineText, sidePanel} from './ui.js';

const LIGHTS = ['green', 'yellow', 'red'];
const COLOR = {red: '#c62828', yellow: '#f9a825', green: '#2e7d32', none: '#607d8b'};
const CLOSED = new Set(['closed', 'void', 'rejected', 'duplicate', 'draft']);
const REFRESH_MS = 5 * 60 * 1000; // lights change with time alone: refetch

function loadFilter() {
  try {
    return JSON.parse(sessionStorage.getItem('cg.mapFilter')) || {state: 'open'};
  } catch {
    return {state: 'open'};
  }
}

export async function show(main) {
  let filter = loadFilter();
  delete document.body.dataset.mapReady;
  let pts = [];          // {no, lat, lon, l, s, c} or null once gone
  let byNo = new Map();  // case number -> index into pts
  let index = null;      // supercluster
  let live = null;
  let rebuildTimer = null, reloadTimer = null, refreshTimer = null;
  let truncated = false;
  let first = true;

  const counters = el('div', {class: 'counters', role: 'group', 'aria-label': t('map.count.total')});
  const status = el('p', {class: 'live', role: 'status'});
  const mapDiv = el('div', {class: 'map', id: 'map', 'aria-label': t('nav.map')});
  const findForm = el('form', {class: 'find', role: 'search'},
    el('label', {class: 'field'}, el('span', {}, t('map.find')),
       el('input', {name: 'no', inputmode: 'numeric', autocomplete: 'off'})),
    el('button', {type: 'submit'}, t('map.find.go')));
  const side = sidePanel();
  const wrap = el('div', {class: 'map-wrap'}, el('div', {class: 'map-bar'}, counters, status), mapDiv);
  main.replaceChildren(el('section', {class: 'map-view'}, side.box, wrap));

  // the cases first: the longest wait, so it starts before all else
  let pending = fetchPoints();
  const cfg = await api('/api/v1/map').catch(() => ({tiles: null, district: null}));
  const map = L.map(mapDiv, {preferCanvas: true, zoomControl: true, minZoom: 10, maxZoom: 19});
  if (cfg.district) {
    const [x0, y0, x1, y1] = cfg.district.bbox;
    map.fitBounds([[y0, x0], [y1, x1]]);
  } else {
    map.setView([34.7, 113.75], 12);
  }
  if (cfg.tiles) L.tileLayer(cfg.tiles, {attribution: cfg.attribution, maxZoom: 19}).addTo(map);
  map.createPane('labels').style.zIndex = 450; /* street names under the markers */

  // areas: district and streets at once, communities and grids on demand
  const areaStyle = (w, c, dash) => ({weight: w, color: c, fill: false, dashArray: dash, interactive: false});
  const districtLayer = L.geoJSON(null, {style: {weight: 3, color: '#37474f', fillColor: '#fff', fillOpacity: 0.6,
                                                 interactive: false}}).addTo(map);
  const streetLayer = L.geoJSON(null, {style: areaStyle(2, '#455a64'),
    onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name,
      {permanent: true, direction: 'center', className: 'area-label', pane: 'labels'})}).addTo(map);
  const communityLayer = L.geoJSON(null, {style: areaStyle(1, '#78909c', '4 3')});
  const gridLayer = L.geoJSON(null, {style: areaStyle(0.5, '#90a4ae')});
  const caseLayer = L.layerGroup().addTo(map);
  L.control.layers(null, {
    [t('map.layers.streets')]: streetLayer,
    [t('map.layers.communities')]: communityLayer,
    [t('map.layers.grids')]: gridLayer,
    [t('map.layers.cases')]: caseLayer,
  }, {collapsed: window.innerWidth < 700}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  api('/api/v1/district').then((g) => districtLayer.addData(g)).catch(sayError);
  dictionaries().then((d) => streetLayer.addData(d.streetsGeo)).catch(sayError);
  map.on('overlayadd', (e) => {
    if (e.layer === communityLayer && !communityLayer.getLayers().length)
      api('/api/v1/communities').then((g) => communityLayer.addData(g)).catch(sayError);
    if (e.layer === gridLayer) loadGrids();
  });
  async function loadGrids() {
    if (!map.hasLayer(gridLayer)) return;
    gridLayer.clearLayers();
    if (map.getZoom() < 15) return;
    const b = map.getBounds();
    const g = await api('/api/v1/grids' + query({bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(',')}));
    gridLayer.clearLayers();
    gridLayer.addData(g);
  }

  // ---- cases -------------------------------------------------------------
  function countIcon(p) {
    const n = p.point_count;
    const tot = p.r + p.y + p.g + p.n || 1;
    const a = (100 * p.r) / tot, b = a + (100 * p.y) / tot, c = b + (100 * p.g) / tot;
    const size = Math.round(30 + Math.min(26, Math.log10(n) * 9));
    const worst = p.r ? 'red' : p.y ? 'yellow' : p.g ? 'green' : 'none';
    return L.divIcon({
      className: 'cluster cluster-' + worst,
      iconSize: [size, size],
      html: `<div class="ring" style="background:conic-gradient(${COLOR.red} 0 ${a}%,${COLOR.yellow} ${a}% ${b}%,` +
            `${COLOR.green} ${b}% ${c}%,${COLOR.none} ${c}% 100%)"><span>${n >= 10000 ? Math.round(n / 1000) + 'k' : n}</span></div>`,
    });
  }

  function pointIcon(p) {
    const light = p.l >= 0 ? LIGHTS[p.l] : 'none';
    return L.divIcon({className: 'pt pt-' + light, iconSize: [16, 16],
                      html: `<span data-no="${p.no}" data-light="${light}"></span>`});
  }

  function render() {
    if (!index) return;
    const b = map.getBounds().pad(0.2);
    const z = Math.round(map.getZoom());
    const items = index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z);
    caseLayer.clearLayers();
    for (const f of items) {
      const [lon, lat] = f.geometry.coordinates;
      if (f.properties.cluster) {
        const id = f.properties.cluster_id;
        L.marker([lat, lon], {icon: countIcon(f.properties), keyboard: true,
                              title: f.properties.point_count + ' ' + t('map.count.total')})
          .on('click', () => map.setView([lat, lon], Math.min(index.getClusterExpansionZoom(id), 19)))
          .addTo(caseLayer);
      } else {
        const p = pts[f.properties.i];
        if (!p) continue;
        L.marker([lat, lon], {icon: pointIcon(p), keyboard: true, title: p.no})
          .on('click', () => card(p))
          .addTo(caseLayer);
      }
    }
    if (first) {
      first = false;
      // what the benchmark and the tests wait for
      performance.mark('cg-map-ready');
      window.cgMapReady = {at: performance.now(), points: byNo.size, markers: items.length};
      document.body.dataset.mapReady = '1';
    }
    mapDiv.dataset.markers = String(items.length);
  }

  function countersUpdate() {
    const c = {red: 0, yellow: 0, green: 0, none: 0};
    let n = 0;
    for (const p of pts) {
      if (!p) continue;
      n++;
      c[p.l >= 0 ? LIGHTS[p.l] : 'none']++;
    }
    const item = (k, v, cls) => el('div', {class: 'counter ' + cls, dataset: {count: k}},
                                   el('span', {class: 'n'}, v.toLocaleString()), el('span', {}, t('map.count.' + k)));
    counters.replaceChildren(item('total', n, 'total'), item('red', c.red, 'c-red'),
                             item('yellow', c.yellow, 'c-yellow'), item('green', c.green, 'c-green'),
                             item('none', c.none, 'c-none'));
    if (truncated) counters.append(el('p', {class: 'warn'}, t('map.truncated', {n: n.toLocaleString()})));
  }

  function rebuild() {
    const feats = [];
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      if (p) feats.push({type: 'Feature', properties: {i}, geometry: {type: 'Point', coordinates: [p.lon, p.lat]}});
    }
    // clusters from the map's least zoom to 16; closer in, every case is
    // its own marker (and the index is built in half the time)
    index = new Supercluster({
      radius: 60, minZoom: 10, maxZoom: 16,
      map: (pr) => {
        const l = pts[pr.i].l;
        return {r: l === 2 ? 1 : 0, y: l === 1 ? 1 : 0, g: l === 0 ? 1 : 0, n: l < 0 ? 1 : 0};
      },
      reduce: (a, b) => {
        a.r += b.r; a.y += b.y; a.g += b.g; a.n += b.n;
      },
    });
    index.load(feats);
    performance.mark('cg-points-indexed');
    countersUpdate();
    render();
  }

  function scheduleRebuild() {
    clearTimeout(rebuildTimer);
    rebuildTimer = setTimeout(rebuild, 250);
  }

  function fetchPoints() {
    return api('/api/v1/cases/points' + query(apiParams(filter)));
  }

  // Take the points of the filter (from the request under way, if any).
  async function loadPoints() {
    try {
      const r = await (pending || fetchPoints());
      pending = null;
      performance.mark('cg-points-parsed');
      const k = r.scale;
      pts = r.points.map(([no, lat, lon, l, s, c]) => ({no, lat: lat / k, lon: lon / k, l, s: r.states[s],
                                                         c: r.categories[c][0]}));
      byNo = new Map(pts.map((p, i) => [p.no, i]));
      truncated = r.truncated;
      rebuild();
    } catch (e) {
      pending = null;
      sayError(e);
      counters.replaceChildren(failed(e, loadPoints));
    }
  }

  // ---- live ----------------------------------------------------------------
  // Does a case event match the filter, as far as the event tells?
  // Returns true, false, or null when the filter asks what it does not say.
  function matches(d) {
    if (filter.state === 'open' && CLOSED.has(d.state)) return false;
    if (filter.state && filter.state !== 'open' && filter.state !== d.state) return false;
    if (filter.area && !(d.street || '').startsWith(filter.area)) return false;
    if (filter.category) {
      const [scheme, major] = filter.category.split(':');
      const [cs, , code] = (d.category || '').split(':');
      if (cs !== scheme || !(code || '').startsWith(major)) return false;
    }
    if (filter.overdue && d.light !== 'red') return false;
    if (filter.dept || filter.source || filter.from || filter.to) return null;
    return true;
  }

  function onEvent(ev) {
    let d;
    try {
      d = JSON.parse(ev.data);
    } catch {
      return;
    }
    const i = byNo.get(d.no);
    const m = matches(d);
    const l = LIGHTS.indexOf(d.light);
    if (i !== undefined) {
      if (m === false) {
        pts[i] = null;
        byNo.delete(d.no);
      } else {
        Object.assign(pts[i], {l, s: d.state, lat: d.lat, lon: d.lon, c: d.category});
      }
      scheduleRebuild();
    } else if (m === true) {
      byNo.set(d.no, pts.length);
      pts.push({no: d.no, lat: d.lat, lon: d.lon, l, s: d.state, c: d.category});
      scheduleRebuild();
    } else if (m === null) {
      clearTimeout(reloadTimer); // a case the filter may take: ask again
      reloadTimer = setTimeout(loadPoints, 3000);
    }
  }

  // ---- the card --------------------------------------------------------------
  // (a popup of the map's own: markers come and go as the map moves)
  async function card(p) {
    const box = el('div', {class: 'case-card', dataset: {no: p.no}}, loading());
    const popup = L.popup({maxWidth: 320, minWidth: 240, offset: [0, -6]})
      .setLatLng([p.lat, p.lon]).setContent(box).openOn(map);
    try {
      const c = await api('/api/v1/cases/' + encodeURIComponent(p.no));
      box.replaceChildren(
        el('h3', {}, el('a', {href: '#/case/' + c.no}, c.no)),
        el('p', {}, stateBadge(c.state), ' ', lightBadge(c.light)),
        el('dl', {},
          el('dt', {}, t('case.category')), el('dd', {}, c.category.name || c.category.code),
          el('dt', {}, t('case.place')), el('dd', {}, [c.street?.name, c.community?.name].filter(Boolean).join(' · ')),
          c.address ? [el('dt', {}, t('case.address')), el('dd', {}, c.address)] : null,
          c.description ? [el('dt', {}, t('case.description')), el('dd', {class: 'clip'}, c.description)] : null,
          el('dt', {}, t('map.card.due')), el('dd', {}, deadlineText(c)),
          el('dt', {}, t('case.created')), el('dd', {}, when(c.created_at))),
        el('a', {class: 'button primary', href: '#/case/' + c.no}, t('map.card.open')));
      popup.update();
    } catch (e) {
      box.replaceChildren(failed(e));
    }
  }

  findForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const no = new FormData(findForm).get('no').trim();
    const i = byNo.get(no);
    if (i === undefined) {
      say(t('map.find.none', {no}), 'error');
      return;
    }
    const p = pts[i];
    map.setView([p.lat, p.lon], 19, {animate: false});
    card(p);
  });

  map.on('moveend', () => {
    render();
    loadGrids().catch(sayError);
  });

  // the filters, then the cases
  dictionaries().then(async () => {
    const form = await filterForm(filter, (f) => {
      filter = f;
      sessionStorage.setItem('cg.mapFilter', JSON.stringify(f));
      loadPoints();
    });
    side.body.replaceChildren(form, findForm);
  }).catch((e) => side.body.replaceChildren(failed(e)));
  await loadPoints();

  live = stream('/api/v1/stream', onEvent, (s) => {
    status.textContent = s === 'open' ? t('map.live.on') : t('map.live.off');
    status.className = 'live live-' + s;
    status.dataset.live = s;
  });
  refreshTimer = setInterval(() => {
    if (document.visibilityState === 'visible') loadPoints();
  }, REFRESH_MS);

  return () => {
    live.close();
    clearTimeout(rebuildTimer);
    clearTimeout(reloadTimer);
    clearInterval(refreshTimer);
    map.remove();
  };
}
