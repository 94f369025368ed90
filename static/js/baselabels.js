/* Names on the offline base map: prefectures, counties, county seats, towns, rivers, lakes.
   Used by the app's maps (served at /app/static/js/) and the exported public site.

   var layer = ZoningLabels.layer({url: '.../labels.json'})   // or {labels: [...]}
   layer.addTo(map);

   The labels (zoning.publish.base_labels) are [kind, name, lon, lat, min_zoom, rank] rows,
   best rank first. At every view the layer draws, in that order, each label whose zoom has
   come and which fits in view without touching one already drawn (a county before a town,
   a county seat before a village): no two names overlap. Names are set as text
   (textContent), never as HTML.
*/
(function (root) {
  'use strict';

  var SIZE = {prefecture: 15, county: 13, seat: 12.5, lake: 12, river: 12, town: 11.5};
  var PAD = 3;

  function overlaps(a, b) {
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  }

  var LabelLayer = L.Layer.extend({
    initialize: function (options) {
      this._url = options.url || null;
      this._labels = options.labels || null;
    },

    onAdd: function (map) {
      this._map = map;
      var pane = map.getPane('ezLabels') || map.createPane('ezLabels');
      pane.style.zIndex = 450;  // above the zones (400), under tooltips (650)
      pane.style.pointerEvents = 'none';
      this._box = L.DomUtil.create('div', 'ez-labels', pane);
      map.on('zoomend moveend resize viewreset', this._draw, this);
      map.on('zoomstart', this._hide, this);
      var self = this;
      if (this._labels) {
        this._draw();
      } else if (this._url) {
        fetch(this._url).then(function (r) { return r.json(); }).then(function (data) {
          self._labels = Array.isArray(data) ? data : (data.labels || []);
          self._draw();
        });
      }
    },

    onRemove: function (map) {
      map.off('zoomend moveend resize viewreset', this._draw, this);
      map.off('zoomstart', this._hide, this);
      L.DomUtil.remove(this._box);
    },

    _hide: function () { if (this._box) { this._box.style.display = 'none'; } },

    _draw: function () {
      var map = this._map;
      if (!map || !this._labels) { return; }
      var zoom = map.getZoom();
      var size = map.getSize();
      var origin = map.containerPointToLayerPoint([0, 0]);
      var placed = [];
      var frag = document.createDocumentFragment();
      for (var i = 0; i < this._labels.length; i++) {
        var lab = this._labels[i];
        if (zoom < lab[4]) { continue; }
        var p = map.latLngToLayerPoint([lab[3], lab[2]]);
        var fs = SIZE[lab[0]] || 12;
        var w = lab[1].length * fs + 2 * PAD, h = fs * 1.3 + PAD;
        var box = {x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2};
        if (box.x0 < origin.x || box.y0 < origin.y || box.x1 > origin.x + size.x || box.y1 > origin.y + size.y) { continue; }
        var clash = false;
        for (var j = 0; j < placed.length && !clash; j++) { clash = overlaps(box, placed[j]); }
        if (clash) { continue; }
        placed.push(box);
        var div = document.createElement('div');
        div.className = 'ez-label ez-l-' + lab[0];
        div.textContent = lab[1];
        div.style.fontSize = fs + 'px';
        div.style.width = w + 'px';
        L.DomUtil.setPosition(div, L.point(box.x0, box.y0));
        frag.appendChild(div);
      }
      this._box.textContent = '';
      this._box.appendChild(frag);
      this._box.style.display = '';
      this._box.dataset.count = String(placed.length);
    }
  });

  root.ZoningLabels = {layer: function (options) { return new LabelLayer(options); }};
})(window);
