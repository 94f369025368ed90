/* Public zone map: zone tiles (GeoJSON per XYZ tile, simplified per zoom) drawn on canvases,
   click or type a place to see the zones there and the rules that apply. Everything is
   loaded from this site; nothing is fetched from anywhere else. Every word comes from
   data/meta.json (`texts`: the site.* entries of the product's message catalogue; layer
   titles and zone labels from the zone catalogue) and every colour from its palette
   (`layers`, `verdicts`, `opacity`): this file holds no table of its own.
   Data is shown as text: every element is made with createElement and filled with
   textContent (el() below), never innerHTML — a zone named <img onerror=…> stays a name. */
(function () {
  'use strict';

  var lang = 'zh';
  var meta = null;
  var visible = {};
  var lastAsk = null;
  function t(key) { return meta.texts[lang][key]; }
  function colon() { return t('colon'); }
  // An element: el('div', {className: 'zone'}, ['text', child, ...]); strings become text nodes.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === 'style') { Object.assign(node.style, props.style); } else if (key === 'data') {
        Object.assign(node.dataset, props.data);
      } else { node[key] = props[key]; }
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined && c !== '') { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); }
    });
    return node;
  }
  function fill(box, nodes) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    nodes.forEach(function (n) { box.appendChild(n); });
  }
  function pick(zh, en) { return lang === 'zh' ? (zh || en) : (en || zh); }

  function fetchJSON(url) {
    return fetch(url).then(function (r) {
      if (r.status === 404) { return {type: 'FeatureCollection', features: []}; }
      if (!r.ok) { throw new Error(url + ': ' + r.status); }
      return r.json();
    });
  }

  var zones = null;
  function tileData(z, x, y) { return zones.tileData(z, x, y); }
  function worldY(lat, z) { return ZoningTiles.worldY(lat, z); }
  function zoneColour(layer, zi) { return ZoningTiles.zoneColour(layer, zi); }

  // --- looking up a place --------------------------------------------------------------
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function nearSegment(x, y, a, b, tol) {
    var dx = b[0] - a[0], dy = b[1] - a[1], L2 = dx * dx + dy * dy;
    var s = L2 ? Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / L2)) : 0;
    var px = a[0] + s * dx - x, py = a[1] + s * dy - y;
    return px * px + py * py <= tol * tol;
  }
  function hits(f, x, y, tol) {
    var g = f.geometry, type = g.type;
    if (type === 'Polygon' || type === 'MultiPolygon') {
      var polys = type === 'Polygon' ? [g.coordinates] : g.coordinates;
      return polys.some(function (poly) {
        var n = 0;
        poly.forEach(function (ring) { if (inRing(x, y, ring)) { n++; } });
        return n % 2 === 1;
      });
    }
    if (type === 'LineString' || type === 'MultiLineString') {
      var lines = type === 'LineString' ? [g.coordinates] : g.coordinates;
      return lines.some(function (line) {
        for (var i = 1; i < line.length; i++) { if (nearSegment(x, y, line[i - 1], line[i], tol)) { return true; } }
        return false;
      });
    }
    var pts = type === 'Point' ? [g.coordinates] : g.coordinates;
    return pts.some(function (c) { return Math.abs(c[0] - x) <= tol && Math.abs(c[1] - y) <= tol; });
  }
  function statusText(status) {
    if (status === '示意') { return t('statusIllustrative'); }
    if (status === '法定') { return t('statusOfficial'); }
    return status;
  }
  function verdictColour(code) { return (meta.verdicts && meta.verdicts[code]) ? meta.verdicts[code].colour : '#333'; }
  // A legend swatch: the colour as drawn (a fill at the zones' opacity; lines and points in the edge colour).
  function swatch(layer, colour) {
    var lineLike = layer.kind === 'point' || layer.kind === 'line';
    return ZoningTiles.rgba(lineLike ? ZoningTiles.edgeColour(layer) : colour, meta.opacity || 1);
  }
  function illustrativeTag(layer) {
    return layer.legal_status === '法定' ? null : el('span', {className: 'tag'}, [t('illustrative')]);
  }
  function ruleNode(r) {
    var dist = r.distance_m ? t('within').replace('{m}', String(r.distance_m)) : '';
    return el('div', {className: 'rule'}, [
      el('span', {className: 'verdict ' + r.verdict, style: {color: verdictColour(r.verdict)}},
         [pick(r.verdict_zh, r.verdict_en)]),
      ' ' + r.id + dist + colon() + pick(r.condition_zh, r.condition_en),
      el('br'), t('types') + colon() + pick(r.types_zh, r.types_en),
      el('br'), t('basis') + colon() + r.basis + (r.verified ? '' : t(r.confidence === 'secondary' ? 'secondary' : 'unverified'))
    ]);
  }
  function zoneNode(f) {
    var layer = meta.layers[f.properties.l];
    var zinfo = f.properties.z >= 0 ? layer.zones[f.properties.z] : null;
    var zone = zinfo ? pick(zinfo.value, zinfo.label_en) : null;
    var lists = unitLists(layer, f);
    // a unit with a list of its own: its category's defaults (the rules) do not apply
    var rules = lists && lists.own.length ? [] : (meta.rule_groups[f.properties.r] || []);
    var parts = [
      el('b', {}, [pick(layer.title_zh, layer.title_en), illustrativeTag(layer)]),
      String(f.properties.n == null ? '' : f.properties.n)
    ];
    if (zone) { parts.push(el('br'), t('zone') + colon() + zone); }
    parts.push(el('br'), t('status') + colon() + statusText(layer.legal_status));
    if (!lists || !lists.own.length) { parts.push(el('div', {}, [t('rules') + colon()])); }
    if (!rules.length && !lists) { parts.push(el('div', {className: 'rule'}, [t('noRules')])); }
    rules.forEach(function (r) { parts.push(ruleNode(r)); });
    if (lists) { parts = parts.concat(listNodes(lists)); }
    return el('div', {className: 'zone', style: {borderColor: zoneColour(layer, f.properties.z)}}, parts);
  }
  function renderAnswer(lon, lat, found) {
    var nodes = [el('p', {}, [el('b', {}, [t('here')]), ' ' + lon.toFixed(5) + ', ' + lat.toFixed(5)])];
    if (!found.length) { nodes.push(el('p', {}, [t('none')])); }
    found.forEach(function (f) { nodes.push(zoneNode(f)); });
    nodes.push(el('p', {className: 'hint'}, [t('simplified')]));
    fill(document.getElementById('answer'), nodes);
  }
  // --- control units: their access lists (meta.access_list, zoning.lookup.unit_access_lists) ---
  function unitLists(layer, f) {
    var al = meta.access_list;
    if (!al || !al.layer || layer.id !== al.layer) { return null; }
    return al.units[String(f.properties.i)] || {own: [], general: []};
  }
  function clauseNode(c, list) {
    var verdict = c.verdict && meta.verdicts[c.verdict] ? meta.verdicts[c.verdict] : null;
    return el('div', {className: 'rule'}, [
      list + colon(),
      verdict ? el('span', {className: 'verdict ' + c.verdict, style: {color: verdict.colour}}, [pick(verdict.zh, verdict.en)]) : null,
      ' ' + pick(c.dimension, c.dimension_en) + ' · ' + c.text,
      el('br'), t('types') + colon() + pick(c.types_zh, c.types_en),
      el('br'), t('basis') + colon() + c.basis + (c.confidence === 'verified' ? '' : t(c.confidence === 'secondary' ? 'secondary' : 'unverified')),
      c.legal_status === '法定' ? null : el('span', {className: 'tag'}, [t('illustrative')])
    ]);
  }
  function listNodes(lists) {
    var clauses = meta.access_list.clauses, out = [el('div', {}, [el('b', {}, [t('unitList')])])];
    lists.general.forEach(function (i) { out.push(clauseNode(clauses[i], t('listGeneral').replace('{scope}', clauses[i].scope))); });
    lists.own.forEach(function (i) { out.push(clauseNode(clauses[i], t('listOwn'))); });
    if (!lists.own.length) { out.push(el('div', {className: 'rule'}, [t('listDefaults')])); }
    return out;
  }

  function ask(lon, lat) {
    lastAsk = [lon, lat];
    // The place in the data tile's own units (sub-pixels from its top-left corner).
    var z = meta.max_zoom, sub = meta.subpixel || 1;
    var wx = ZoningTiles.worldX(lon, z), wy = worldY(lat, z);
    var x = Math.floor(wx / 256), y = Math.floor(wy / 256);
    var px = (wx - x * 256) * sub, py = (wy - y * 256) * sub, tol = 2 * sub;
    tileData(z, x, y).then(function (data) {
      var seen = {};
      var found = data.features.filter(function (f) {
        var key = f.properties.l + ':' + f.properties.i;
        if (seen[key] || !visible[meta.layers[f.properties.l].id] || !hits(f, px, py, tol)) { return false; }
        seen[key] = true;
        return true;
      });
      renderAnswer(lon, lat, found);
      if (map) { marker.setLatLng([lat, lon]).addTo(map); }
    });
  }

  // --- places by name ----------------------------------------------------------------
  var places = [];
  function findPlaces(text) {
    var q = text.trim().toLowerCase();
    var exact = [], part = [];
    places.forEach(function (p) {
      if (p[0] === text.trim()) { exact.push(p); }
      else if (p[0].indexOf(text.trim()) >= 0 || (q && p[1].toLowerCase().indexOf(q) >= 0)) { part.push(p); }
    });
    return exact.concat(part).slice(0, 12);
  }
  function askPlace(p) {
    map.setView([p[4], p[3]], Math.max(map.getZoom(), 11));
    ask(p[3], p[4]);
  }
  function parseLonLat(text) {
    var v = text.split(/[\s,，;；]+/).filter(Boolean).map(Number);
    if (v.length !== 2 || v.some(isNaN)) { return null; }
    var lon = v[0], lat = v[1];
    if (lon < 60 && lat > 60) { lon = v[1]; lat = v[0]; }  // typed as lat, lon
    return [lon, lat];
  }
  function onAsk(ev) {
    ev.preventDefault();
    var text = document.getElementById('coords').value;
    var answer = document.getElementById('answer');
    var ll = parseLonLat(text);
    if (ll) {
      map.setView([ll[1], ll[0]], Math.max(map.getZoom(), 11));
      ask(ll[0], ll[1]);
      return;
    }
    var found = /\d/.test(text) ? [] : findPlaces(text);
    if (found.length === 1) { askPlace(found[0]); return; }
    if (!found.length) { answer.textContent = /\d/.test(text) ? t('badCoords') : t('noPlace'); return; }
    fill(answer, [el('p', {}, [t('places')])].concat(found.map(function (p) {
      var button = el('button', {type: 'button', className: 'place'}, [String(p[0]) + (p[2] ? '（' + p[2] + '）' : '')]);
      button.addEventListener('click', function () { askPlace(p); });
      return button;
    })));
  }

  // --- page ----------------------------------------------------------------------------
  function renderTexts() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    document.getElementById('title').textContent = t('title');
    document.getElementById('lang').textContent = t('lang');
    document.getElementById('ask-title').textContent = t('askTitle');
    document.getElementById('ask-hint').textContent = t('askHint');
    document.getElementById('ask-go').textContent = t('go');
    document.getElementById('legend-title').textContent = t('legend');
    document.getElementById('small-hint').textContent = t('small');
    var notice = document.getElementById('notice');
    notice.hidden = !meta.illustrative;
    notice.textContent = meta.attribution.notice_zh + ' / ' + meta.attribution.notice_en;
    var credits = meta.attribution.sources.map(function (s) { return el('div', {}, [pick(s.zh, s.en)]); });
    if (meta.basemap) { credits.unshift(el('div', {className: 'basemap-credit'}, [meta.basemap.attribution])); }
    fill(document.getElementById('attribution'), credits);
    renderLegend();
    if (lastAsk) { ask(lastAsk[0], lastAsk[1]); }
  }
  function renderLegend() {
    var nodes = [];
    meta.layers.forEach(function (layer) {
      var title = pick(layer.title_zh, layer.title_en);
      var box = el('input', {type: 'checkbox', checked: !!visible[layer.id], data: {layer: String(layer.id)}});
      box.addEventListener('change', function () { visible[layer.id] = box.checked; zones.redraw(); });
      nodes.push(el('label', {}, [box, ' ', el('b', {}, [title]), illustrativeTag(layer)]));
      var entries = layer.zones.length ? layer.zones : [{value: '', colour: layer.colour}];
      entries.forEach(function (z) {
        nodes.push(el('div', {}, [el('i', {style: {background: swatch(layer, z.colour)}}), z.value ? pick(z.value, z.label_en) : title]));
      });
    });
    fill(document.getElementById('legend'), nodes);
  }

  var BASE_STYLE = {
    county: {color: '#888', weight: 0.8, fill: false, dashArray: '3 3'},
    lake: {color: '#6baed6', weight: 0.6, fillColor: '#c6dbef', fillOpacity: 0.8},
    river: {color: '#6baed6', weight: 1.2}
  };
  var map, marker;
  // The deployment's own tile service (meta.basemap, e.g. an intranet 天地图 政务版 or WMTS)
  // under everything; its credit goes to the attribution footer as text.
  function addBasemap(bm) {
    var options = {maxZoom: 18, maxNativeZoom: bm.max_zoom, subdomains: bm.subdomains && bm.subdomains.length ? bm.subdomains : 'abc'};
    L.tileLayer(bm.url, options).addTo(map);
    if (bm.labels_url) { L.tileLayer(bm.labels_url, options).addTo(map); }
  }
  Promise.all([fetchJSON('data/meta.json'), fetchJSON('data/base.json'), fetchJSON('data/places.json')]).then(function (got) {
    meta = got[0];
    places = Array.isArray(got[2]) ? got[2] : [];
    meta.layers.forEach(function (layer) { visible[layer.id] = true; });
    var b = meta.bounds;
    map = L.map('map', {preferCanvas: true, minZoom: meta.min_zoom, maxZoom: 16, attributionControl: false});
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    window.zoningMap = map;  // for the browser tests and anyone embedding the page
    L.control.scale({imperial: false}).addTo(map);
    if (meta.basemap) { addBasemap(meta.basemap); }
    L.geoJSON(got[1], {interactive: false, style: function (f) { return BASE_STYLE[f.properties.k] || BASE_STYLE.county; }}).addTo(map);
    ZoningLabels.layer({url: 'data/labels.json'}).addTo(map);
    marker = L.circleMarker([0, 0], {radius: 7, color: '#111', weight: 2, fillColor: '#ffd600', fillOpacity: 1, interactive: false});
    zones = ZoningTiles.layer({base: 'tiles/', meta: meta, visible: visible, leaflet: {maxZoom: 16}});
    zones.once('load', function () {
      window.__mapReady = performance.now();
      document.body.dataset.ready = '1';
    });
    zones.addTo(map);
    map.on('click', function (e) { ask(e.latlng.lng, e.latlng.lat); });
    document.getElementById('ask').addEventListener('submit', onAsk);
    document.getElementById('lang').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      renderTexts();
    });
    renderTexts();
  });
})();
