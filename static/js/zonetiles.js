/* Zone tiles for Leaflet: GeoJSON per XYZ tile (written by zoning.publish.mapexport.write_zone_tiles),
   drawn on one canvas per tile. Used by the app's public map (served at /app/static/js/) and
   by the static site of `python -m zoning export-map` (copied into its assets/).

   var layer = ZoningTiles.layer({
     base: 'tiles/',            // folder holding {z}/{x}/{y}.json
     meta: meta,                // tiles.json: layers (zones, colours), tiles (index), min/max zoom
     visible: {water_source: true, ...}   // layer ids drawn (the object may change later)
   });
   layer.tileData(z, x, y) -> Promise of the tile's FeatureCollection (for point lookups).

   Colours come from tiles.json, which carries the palette of data/styles.yaml
   (zoning.publish.zone_tiles.apply_palette): no colour is written here. Features are filled
   opaque in the palette's order (layer `order`, then the lightest zones first) and the whole
   layer is shown at `meta.opacity`, so where zones overlap the upper one's legend colour
   shows, never a mix of two that no legend lists; outlines are drawn in the layer's `edge`.
*/
(function (root) {
  'use strict';

  var EMPTY = {type: 'FeatureCollection', features: []};
  var CACHE_MAX = 600;

  function worldX(lon, z) { return (lon + 180) / 360 * 256 * Math.pow(2, z); }
  function worldY(lat, z) {
    var phi = Math.max(Math.min(lat, 85.05112878), -85.05112878) * Math.PI / 180;
    return (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2 * 256 * Math.pow(2, z);
  }
  function zoneColour(layer, zi) {
    var zone = zi >= 0 ? layer.zones[zi] : null;
    return zone ? zone.colour : layer.colour;
  }
  function edgeColour(layer) { return layer.edge || layer.colour; }
  function hexAlpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  // Paint order of a feature: its layer's place in the palette, then lightest zones first.
  function paintKey(meta, f) {
    var layer = meta.layers[f.properties.l], zone = f.properties.z >= 0 ? layer.zones[f.properties.z] : null;
    var rank = zone && zone.rank != null ? zone.rank : 1;
    return (layer.order != null ? layer.order : 0) * 4 + (2 - rank);
  }
  function painted(meta, data) {
    if (!data._painted) {
      data._painted = data.features.slice().sort(function (a, b) { return paintKey(meta, a) - paintKey(meta, b); });
    }
    return data._painted;
  }
  // Tile coordinates are integers of 1/subpixel pixel of the data tile; a display tile of a
  // deeper zoom (overzoom) scales them by s = 2^(dz - z) / subpixel... and shifts by (ox, oy).
  function pathRing(ctx, ring, s, ox, oy) {
    for (var i = 0; i < ring.length; i++) {
      var px = ring[i][0] * s - ox, py = ring[i][1] * s - oy;
      if (i === 0) { ctx.moveTo(px, py); } else { ctx.lineTo(px, py); }
    }
  }
  function drawFeature(ctx, layer, f, s, ox, oy) {
    var colour = zoneColour(layer, f.properties.z), edge = edgeColour(layer);
    var g = f.geometry, type = g.type, parts;
    ctx.strokeStyle = edge;
    ctx.lineWidth = type.indexOf('Line') >= 0 ? 2 : 1;
    // Illustrative (示意) zones are outlined dashed, official ones solid.
    ctx.setLineDash(layer.legal_status === '法定' ? [] : [4, 3]);
    if (type === 'Polygon' || type === 'MultiPolygon') {
      parts = type === 'Polygon' ? [g.coordinates] : g.coordinates;
      ctx.beginPath();
      parts.forEach(function (poly) { poly.forEach(function (ring) { pathRing(ctx, ring, s, ox, oy); ctx.closePath(); }); });
      ctx.fillStyle = colour;
      ctx.fill('evenodd');
      ctx.stroke();
    } else if (type === 'LineString' || type === 'MultiLineString') {
      parts = type === 'LineString' ? [g.coordinates] : g.coordinates;
      ctx.beginPath();
      parts.forEach(function (line) { pathRing(ctx, line, s, ox, oy); });
      ctx.stroke();
    } else if (type === 'Point' || type === 'MultiPoint') {
      parts = type === 'Point' ? [g.coordinates] : g.coordinates;
      ctx.fillStyle = edge;
      ctx.setLineDash([]);
      parts.forEach(function (c) {
        ctx.beginPath();
        ctx.arc(c[0] * s - ox, c[1] * s - oy, 4, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
  }

  function layer(options) {
    var meta = options.meta, base = options.base, visible = options.visible;
    var bitmaps = {};
    var cache = new Map();

    // Which tiles were written (meta.tiles: a bitmap per zoom): others are empty, never fetched.
    function tileExists(z, x, y) {
      var idx = meta.tiles[String(z)];
      if (!idx) { return false; }
      var bits = bitmaps[z];
      if (!bits) {
        var raw = atob(idx.bits);
        bits = bitmaps[z] = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i++) { bits[i] = raw.charCodeAt(i); }
      }
      var cx = x - idx.x0, cy = y - idx.y0;
      if (cx < 0 || cy < 0 || cx >= idx.w || cy >= idx.h) { return false; }
      var n = cy * idx.w + cx;
      return (bits[n >> 3] >> (7 - (n & 7)) & 1) === 1;
    }
    function tileData(z, x, y) {
      if (!tileExists(z, x, y)) { return Promise.resolve(EMPTY); }
      var key = z + '/' + x + '/' + y;
      var hit = cache.get(key);
      if (hit) { cache.delete(key); cache.set(key, hit); return hit; }
      var p = fetch(base + key + '.json').then(function (r) {
        if (!r.ok) { throw new Error(base + key + '.json: ' + r.status); }
        return r.json();
      });
      cache.set(key, p);
      if (cache.size > CACHE_MAX) { cache.delete(cache.keys().next().value); }
      return p;
    }

    var Tiles = L.GridLayer.extend({
      createTile: function (coords, done) {
        var tile = L.DomUtil.create('canvas', 'zone-tile');
        var size = this.getTileSize();
        tile.width = size.x; tile.height = size.y;
        var dz = Math.min(coords.z, meta.max_zoom), k = Math.pow(2, coords.z - dz);
        var dx = Math.floor(coords.x / k), dy = Math.floor(coords.y / k);
        tileData(dz, dx, dy).then(function (data) {
          var ctx = tile.getContext('2d');
          // this display tile's corner, in display pixels from the data tile's corner
          var ox = (coords.x - dx * k) * size.x, oy = (coords.y - dy * k) * size.y;
          var s = k / (meta.subpixel || 1);
          painted(meta, data).forEach(function (f) {
            var lyr = meta.layers[f.properties.l];
            if (lyr && visible[lyr.id]) { drawFeature(ctx, lyr, f, s, ox, oy); }
          });
          done(null, tile);
        }, function (err) { done(err, tile); });
        return tile;
      }
    });
    var out = new Tiles(L.extend({minZoom: meta.min_zoom, maxZoom: 18, updateWhenZooming: false, keepBuffer: 1,
                                  opacity: meta.opacity || 1}, options.leaflet || {}));
    out.tileData = tileData;
    out.zoneColour = zoneColour;
    return out;
  }

  root.ZoningTiles = {layer: layer, worldX: worldX, worldY: worldY, zoneColour: zoneColour, edgeColour: edgeColour,
                      rgba: hexAlpha};
})(window);
