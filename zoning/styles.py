"""The palette (data/styles.yaml): verdict words and colours, zone colours, draw order.

One data file gives every colour the product shows — the app's legends, badges and maps,
the zone tiles and the public site, the reports — so they cannot disagree. It is
validated as a whole when loaded (every problem in one ``RuleConfigError``, like the
catalogue and the rules) and cached per file version. Layer titles and zone-value labels
stay in the catalogue; this module knows colours only (and the verdict words, which go
with the verdict colours wherever they are shown).

How zones are painted (see the file's own comments): features filled opaque in the draw
order, the zones as a whole at ``Styles.opacity``, outlines in the layer's edge colour —
so where layers overlap the upper one shows, not a mixed colour no legend lists.

Examples
--------
>>> styles = load_styles()
>>> styles.verdict("review").label("zh"), styles.verdict("review").colour
('需核实', '#1f6fb2')
>>> styles.zone_fill("water_source", "一级"), styles.zone_fill("water_source", "二级")
('#70a2cb', '#a6cee3')
>>> zone_colours()["water_source"]["准保护区"]
'#dbebf4'
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import yaml

from gis.errors import RuleConfigError
from gis.text import Text
from layers.paths import DATA_DIR
from zoning.verdicts import VERDICTS

__all__ = [
    "STYLES_PATH",
    "STYLES_ENV",
    "SHADES",
    "Shade",
    "Styles",
    "LayerStyle",
    "VerdictStyle",
    "load_styles",
    "parse_styles",
    "zone_colours",
    "mix",
    "rgb255",
]

logger = logging.getLogger(__name__)

#: The packaged palette, beside the catalogue.
STYLES_PATH = DATA_DIR / "styles.yaml"
#: Environment variable naming another palette file (a deployment's own colours).
STYLES_ENV = "ZONING_STYLES"

Shade: TypeAlias = Literal["dark", "base", "light"]
#: Shade -> (colour mixed toward, share): dark goes 40 % toward the layer's edge colour,
#: light 60 % toward white; base is the layer's fill itself.
SHADES: Mapping[str, tuple[str, float]] = MappingProxyType({"dark": ("edge", 0.4), "base": ("fill", 0.0),
                                                            "light": ("white", 0.6)})  # fmt: skip
_SHADE_RANK = {"dark": 0, "base": 1, "light": 2}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_LAYER_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_TOP_KEYS = frozenset({"version", "verdicts", "marks", "zones"})
_MARKS = ("project", "overlap", "gained", "lost")
_VERDICT_KEYS = frozenset({"zh", "en", "colour", "fill", "ink"})
_ZONES_KEYS = frozenset({"opacity", "layers", "default"})
_LAYER_KEYS = frozenset({"fill", "edge", "shades", "colours"})
_SUPPORTED_VERSIONS = (1,)


def _rgb(colour: str) -> tuple[float, float, float]:
    c = colour.lstrip("#")
    return int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(min(max(v, 0.0), 1.0) * 255):02x}" for v in rgb)


def rgb255(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as (r, g, b) integers 0..255 (for writers that take numbers, e.g. fpdf2)."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def mix(colour: str, toward: str, share: float) -> str:
    """``colour`` moved ``share`` (0..1) of the way toward ``toward`` (``#rrggbb`` each).

    Examples
    --------
    >>> mix("#000000", "#ffffff", 0.5)
    '#808080'
    """
    a, b = _rgb(colour), _rgb(toward)
    return _hex(x + (y - x) * share for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class VerdictStyle:
    """A verdict's words and colours: ``colour`` for symbols and badges (white text on it),
    ``fill`` and ``ink`` for a table cell and its text."""

    code: str
    text: Text
    colour: str
    fill: str
    ink: str

    def label(self, lang: str) -> str:
        """禁止 / Prohibited ... in ``lang``."""
        return self.text.pick(lang)


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn.

    Attributes
    ----------
    layer_id
        The catalogue layer.
    fill, edge
        Polygon fill (``base`` shade) and the colour of outlines, lines and points.
    shades
        Zone value -> ``dark`` / ``light`` (values not listed: ``base``); also the rank
        (strictest darkest, drawn last) of the values ``colours`` names.
    colours
        Zone value -> its own fill, for a layer whose values read as different kinds rather
        than grades of one (the control units: 优先保护 / 重点管控 / 一般管控); wins over the
        shade.
    order
        Draw order, 0 = bottom; -1 for a layer the palette does not list (drawn first).
    listed
        False for a layer drawn in the default family (the palette does not name it).
    """

    layer_id: str
    fill: str
    edge: str
    shades: Mapping[str, Shade]
    order: int
    listed: bool = True
    colours: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def shade(self, zone: str | None) -> Shade:
        return self.shades.get(zone or "", "base")

    def rank(self, zone: str | None) -> int:
        """0 for the darkest (strictest) zones, 1 for the fill, 2 for the lightest."""
        return _SHADE_RANK[self.shade(zone)]

    def zone_fill(self, zone: str | None) -> str:
        """The fill of a feature with zone value ``zone`` (None: no zone field or value)."""
        own = self.colours.get(zone or "")
        if own is not None:
            return own
        toward, share = SHADES[self.shade(zone)]
        if share == 0.0:
            return self.fill
        return mix(self.fill, self.edge if toward == "edge" else "#ffffff", share)


@dataclass(frozen=True)
class Styles:
    """The palette of one styles file (see :func:`load_styles`)."""

    path: str
    sha256: str
    verdicts: Mapping[str, VerdictStyle]
    layers: Mapping[str, LayerStyle]
    opacity: float
    defaults: tuple[tuple[str, str], ...]
    #: What result maps draw over the zones: ``project`` (outline), ``overlap`` (project ∩ zone).
    marks: Mapping[str, str]

    def verdict(self, code: str) -> VerdictStyle:
        """The style of verdict ``code`` (KeyError for a code that is not a verdict)."""
        return self.verdicts[code]

    def layer(self, layer_id: str) -> LayerStyle:
        """The style of ``layer_id``; a layer the file does not list gets a pair of the
        default family (the same one every time, chosen by its id) and a logged warning."""
        style = self.layers.get(layer_id)
        if style is not None:
            return style
        _warn_unlisted(self.path, layer_id)
        fill, edge = self.defaults[zlib.crc32(layer_id.encode("utf-8")) % len(self.defaults)]
        return LayerStyle(layer_id, fill, edge, MappingProxyType({}), -1, listed=False)

    def zone_fill(self, layer_id: str, zone: str | None) -> str:
        """The fill of a ``layer_id`` feature whose zone value is ``zone``."""
        return self.layer(layer_id).zone_fill(zone)

    def draw_order(self, layer_ids: Iterable[str]) -> list[str]:
        """``layer_ids`` bottom to top: unlisted layers first (by id), then the file's order."""
        return sorted(layer_ids, key=lambda lid: (self.layer(lid).order, lid))

    def seen(self, colour: str, background: str = "#ffffff") -> str:
        """The colour the eye sees of ``colour`` painted at the zones' opacity over
        ``background`` (for media that draw opaque, e.g. the report maps)."""
        return mix(background, colour, self.opacity)

    def rgba(self, colour: str) -> str:
        """CSS ``rgba(...)`` of ``colour`` at the zones' opacity (legend swatches)."""
        r, g, b = (round(v * 255) for v in _rgb(colour))
        return f"rgba({r},{g},{b},{self.opacity:g})"


@functools.lru_cache(maxsize=64)
def _warn_unlisted(path: str, layer_id: str) -> None:
    # once per file and layer: a map draws a layer many times
    logger.warning("layer %r has no colours in %s; drawn in the default colour family (add it under zones.layers)",
                   layer_id, path)


def load_styles(path: str | Path | None = None) -> Styles:
    """Read and validate a styles file (cached per file, re-read when it changes).

    Parameters
    ----------
    path
        The styles file; default ``$ZONING_STYLES`` if set, else the packaged
        ``data/styles.yaml``.

    Raises
    ------
    RuleConfigError
        If the file cannot be read, is not YAML, or has bad entries (all of them listed).
    """
    # Called for every label and map: a stat of the file is all an unchanged palette costs.
    p = os.path.abspath(path if path is not None else os.environ.get(STYLES_ENV) or STYLES_PATH)
    try:
        info = os.stat(p)
    except OSError as err:
        msg = f"styles file {p} cannot be read: {err.strerror or err}; expected a YAML palette like data/styles.yaml"
        raise RuleConfigError(msg, zh=f"样式文件 {p} 无法读取（{err.strerror or err}）；应为与 data/styles.yaml 同格式的 YAML 文件") from err
    return _load_cached(p, info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Styles:
    del mtime_ns, size  # cache key only: a changed file is read again
    raw = Path(path).read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"styles file {path} is not valid UTF-8 YAML: {err}"
        raise RuleConfigError(msg, zh=f"样式文件 {path} 不是有效的 UTF-8 YAML：{err}") from err
    return parse_styles(data, source=path, sha256=hashlib.sha256(raw).hexdigest())


def parse_styles(data: Any, *, source: str = "styles", sha256: str = "") -> Styles:
    """Validate a parsed styles document; every problem is listed in one RuleConfigError."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        problems.append(f"expected a mapping with {sorted(_TOP_KEYS)}, got {type(data).__name__}")
        data = {}
    _unknown(data, _TOP_KEYS, "top level", problems)
    if data.get("version") not in _SUPPORTED_VERSIONS:
        problems.append(f"version: {data.get('version')!r} is not supported; expected one of {list(_SUPPORTED_VERSIONS)}")
    verdicts = _parse_verdicts(data.get("verdicts"), problems)
    marks_raw = _entry(data.get("marks"), frozenset(_MARKS), "marks", problems) or {}
    marks = {key: _colour(marks_raw, key, "marks", problems) for key in _MARKS}
    zones = data.get("zones")
    if not isinstance(zones, Mapping):
        problems.append(f"zones: expected a mapping with {sorted(_ZONES_KEYS)}, got {zones!r}")
        zones = {}
    _unknown(zones, _ZONES_KEYS, "zones", problems)
    opacity = zones.get("opacity")
    if isinstance(opacity, bool) or not isinstance(opacity, (int, float)) or not 0 < opacity <= 1:
        problems.append(f"zones.opacity: {opacity!r} is not a number in (0, 1]")
        opacity = 1.0
    layers = _parse_layers(zones.get("layers"), problems)
    defaults = _parse_defaults(zones.get("default"), problems)
    if problems:
        msg = f"{source}: {len(problems)} problem(s) in the styles file:\n" + "\n".join(f"  - {p}" for p in problems)
        zh = f"样式文件 {source} 有 {len(problems)} 处问题：\n" + "\n".join(f"  - {p}" for p in problems)
        raise RuleConfigError(msg, zh=zh)
    return Styles(source, sha256, MappingProxyType(verdicts), MappingProxyType(layers), float(opacity), defaults,
                  MappingProxyType(marks))


def _unknown(entry: Mapping[str, Any], allowed: frozenset[str], where: str, problems: list[str]) -> None:
    extra = sorted(str(k) for k in entry if k not in allowed)
    if extra:
        problems.append(f"{where}: unknown key(s) {extra}; expected some of {sorted(allowed)}")


def _entry(entry: Any, allowed: frozenset[str], where: str, problems: list[str]) -> Mapping[str, Any] | None:
    """``entry`` if it is a mapping (its unknown keys reported), else None with a problem."""
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: expected a mapping with {sorted(allowed)}, got {entry!r}")
        return None
    _unknown(entry, allowed, where, problems)
    return entry


def _colour(entry: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not _HEX.match(value):
        problems.append(f"{where}.{key}: {value!r} is not a colour; expected #rrggbb")
        return "#000000"
    return value.lower()


def _parse_verdicts(raw: Any, problems: list[str]) -> dict[str, VerdictStyle]:
    if not isinstance(raw, Mapping):
        problems.append(f"verdicts: expected a mapping of {list(VERDICTS)}, got {raw!r}")
        return {}
    missing = [v for v in VERDICTS if v not in raw]
    if missing:
        problems.append(f"verdicts: {missing} missing; every verdict needs words and colours")
    out: dict[str, VerdictStyle] = {}
    for code, entry in raw.items():
        where = f"verdicts.{code}"
        if code not in VERDICTS:
            problems.append(f"{where}: not a verdict; expected one of {list(VERDICTS)}")
            continue
        entry = _entry(entry, _VERDICT_KEYS, where, problems)
        if entry is None:
            continue
        words = [entry.get(lang) for lang in ("zh", "en")]
        for lang, word in zip(("zh", "en"), words, strict=True):
            if not isinstance(word, str) or not word.strip():
                problems.append(f"{where}.{lang}: the verdict's {lang} words are missing")
        colours = [_colour(entry, key, where, problems) for key in ("colour", "fill", "ink")]
        out[code] = VerdictStyle(code, Text(str(words[0] or ""), str(words[1] or "")), *colours)
    return out


def _parse_layers(raw: Any, problems: list[str]) -> dict[str, LayerStyle]:
    if not isinstance(raw, Mapping):
        problems.append(f"zones.layers: expected a mapping of layer id -> {{fill, edge, shades}}, got {raw!r}")
        return {}
    out: dict[str, LayerStyle] = {}
    for order, (lid, entry) in enumerate(raw.items()):
        where = f"zones.layers.{lid}"
        if not isinstance(lid, str) or not _LAYER_ID.match(lid):
            problems.append(f"{where}: not a layer id; expected snake_case as in the catalogue")
            continue
        entry = _entry(entry, _LAYER_KEYS, where, problems)
        if entry is None:
            continue
        fill, edge = _colour(entry, "fill", where, problems), _colour(entry, "edge", where, problems)
        shades = entry.get("shades") or {}
        if not isinstance(shades, Mapping):
            problems.append(f"{where}.shades: expected a mapping of zone value -> dark | light, got {shades!r}")
            shades = {}
        for value, shade in shades.items():
            if shade not in SHADES:
                problems.append(f"{where}.shades.{value}: {shade!r} is not a shade; expected one of {list(SHADES)}")
        good = {str(v): s for v, s in shades.items() if s in SHADES}
        colours = _value_colours(entry.get("colours") or {}, where, problems)
        out[lid] = LayerStyle(lid, fill, edge, MappingProxyType(good), order, colours=MappingProxyType(colours))
    return out


def _value_colours(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}.colours: expected a mapping of zone value -> #rrggbb, got {raw!r}")
        return {}
    return {str(value): _colour(raw, value, f"{where}.colours", problems) for value in raw}


def _parse_defaults(raw: Any, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"zones.default: expected a non-empty list of {{fill, edge}}, got {raw!r}")
        return (("#d9d9d9", "#636363"),)
    out = []
    for i, entry in enumerate(raw):
        where = f"zones.default[{i}]"
        entry = _entry(entry, frozenset({"fill", "edge"}), where, problems)
        if entry is None:
            continue
        out.append((_colour(entry, "fill", where, problems), _colour(entry, "edge", where, problems)))
    return tuple(out) or (("#d9d9d9", "#636363"),)


def zone_colours(catalog: Any = None, styles: Styles | None = None) -> dict[str, dict[str, str]]:
    """Layer -> zone value -> fill colour for every layer of ``catalog`` (default the
    packaged one), ``""`` being the fill of a feature with no (or an unknown) zone value.

    For writers of styles outside this product (QGIS .qml/.sld): with
    ``styles.layer(id).edge`` for outlines and ``styles.opacity`` for the layer opacity
    they draw as the app and the reports do. Values are the catalogue's, current and legacy.
    """
    if catalog is None:
        from layers.catalog import load_catalog

        catalog = load_catalog()
    palette = styles or load_styles()
    out: dict[str, dict[str, str]] = {}
    for lid, spec in catalog.layers.items():
        style = palette.layer(lid)
        values: tuple[str, ...] = ()
        if spec.zone_field:
            values = catalog.field(lid, spec.zone_field).allowed
        out[lid] = {"": style.zone_fill(None), **{v: style.zone_fill(v) for v in values}}
    return out
