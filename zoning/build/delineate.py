"""Provisional drinking-water source protection zones drafted from intake points.

Where no approved zone polygon exists, a planner can still ask "would this be inside the
source protection zone?" against a *draft* drawn by a published template: from the
intake, so many metres upstream and downstream **along the river**, a water area and
land strips measured from the bank. Everything drawn here is illustrative
(``legal_status`` 示意): the method and its parameters go into each feature's ``source``.

The parameter sets live in ``data/delineation_params.yaml`` (Hunan township template;
HJ 338-2018 empirical defaults), with their citations and confidence.

Notes
-----
All measurement is planar, in the CGCS2000 3-degree Gauss-Kruger zone of each intake
(:func:`gis.crs.work_crs_for_lon`). River lines must run in the flow direction unless a
``flow`` hint says otherwise: upstream is toward the start of the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gis.crs import STORAGE_CRS, work_crs_for_lon
from gis.errors import InputError
from zoning.build._delineation_params import (
    CONFIDENCE_ZH,
    DelineationConfig,
    LakeGrade,
    ParamSet,
    RiverGrade,
    load_delineation_params,
)

__all__ = [
    "Intake",
    "Delineation",
    "SOURCE_TYPES",
    "intakes_from_frame",
    "delineate",
    "load_delineation_params",
]

SOURCE_TYPES = ("河流型", "湖库型", "地下水型")
FLOWS = ("along", "reverse")
SIZE_CLASSES = {"small": "small", "medium": "medium", "large": "large", "小型": "small", "中型": "medium", "大型": "large"}
#: Columns that may carry a river line's name, in order of preference.
RIVER_NAME_FIELDS = ("name_zh", "river", "name")
#: Arc segments per quarter circle for buffers: keeps a 3 km radius within 0.2 m.
_QUAD_SEGS = 32
#: Slivers thinner than twice this (m) are removed from the drawn zones.
_SLIVER_M = 0.01
#: Columns of the output (after geometry), in order.
OUTPUT_FIELDS = ("name", "grade", "part", "intake", "source_type", "param_set", "legal_status", "source")


@dataclass(frozen=True)
class Intake:
    """A drinking-water intake: where the zones are drawn from.

    ``point`` is in CGCS2000 lon/lat (EPSG:4490). ``flow`` says whether the river flows
    along its line's digitised direction (``along``) or against it (``reverse``); ``None``
    takes the river line's own ``flow`` field, else ``along``.

    ``reach_to`` is a second intake of the same source on the same river (a source with
    several intakes, registered as one reach "from X m upstream of intake 1 to Y m
    downstream of intake 2"): the whole river between the two belongs to every grade, the
    upstream distances count from the upstream one and the downstream distances from the
    downstream one (whichever way round the two are given).
    """

    name: str
    source_type: str
    point: Point
    river: str | None = None
    river_width_m: float | None = None
    flow: str | None = None
    size_class: str | None = None
    reach_to: Point | None = None


@dataclass(frozen=True)
class Delineation:
    """The drafted zones (EPSG:4490, one feature per intake, grade and part) and notes
    on every assumption made (clamped reaches, skipped grades, default widths)."""

    zones: gpd.GeoDataFrame
    notes: tuple[str, ...]


def _text_or_none(value: object) -> str | None:
    """A field value as text; None for missing values (None, NaN, NA, empty)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


# --- reading intakes ----------------------------------------------------------------


def _opt_text(row: pd.Series, field: str) -> str | None:
    return _text_or_none(row.get(field))


def _opt_float(row: pd.Series, field: str, where: str) -> float | None:
    text = _opt_text(row, field)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        msg = f"{where}: field '{field}' is {text!r}; expected a positive number of metres"
        raise InputError(msg)
    return value


def _checked(value: str | None, allowed: Sequence[str], field: str, where: str) -> str | None:
    if value is not None and value not in allowed:
        msg = f"{where}: field '{field}' is {value!r}; expected one of {', '.join(allowed)}"
        raise InputError(msg)
    return value


def _intake_from_row(row: pd.Series, index: int, source: str) -> Intake:
    where = f"{source}, feature {index + 1}"
    geom = row.geometry
    if geom is None or geom.is_empty or geom.geom_type not in ("Point", "MultiPoint"):
        kind = "no geometry" if geom is None or geom.is_empty else f"a {geom.geom_type}"
        msg = f"{where} has {kind}; an intake must be a point"
        raise InputError(msg)
    if geom.geom_type == "MultiPoint":
        if len(geom.geoms) != 1:
            msg = f"{where} is a MultiPoint of {len(geom.geoms)} points; give one point per intake"
            raise InputError(msg)
        geom = geom.geoms[0]
    name = _opt_text(row, "name") or f"取水口{index + 1}"
    where = f"{source}, intake '{name}'"
    size = _opt_text(row, "size_class")
    if size is not None and size not in SIZE_CLASSES:
        msg = f"{where}: field 'size_class' is {size!r}; expected one of {', '.join(SIZE_CLASSES)}"
        raise InputError(msg)
    return Intake(
        name=name,
        source_type=_checked(_opt_text(row, "source_type") or "河流型", SOURCE_TYPES, "source_type", where) or "河流型",
        point=geom,
        river=_opt_text(row, "river"),
        river_width_m=_opt_float(row, "river_width_m", where),
        flow=_checked(_opt_text(row, "flow"), FLOWS, "flow", where),
        size_class=None if size is None else SIZE_CLASSES[size],
    )


def intakes_from_frame(gdf: gpd.GeoDataFrame, *, source: str = "intakes") -> list[Intake]:
    """Intakes from a point layer (any CRS; converted to EPSG:4490).

    Fields: ``name``; ``source_type`` (河流型 / 湖库型 / 地下水型, default 河流型);
    optional ``river`` (only snap to river lines of this name), ``river_width_m``,
    ``flow`` (``along`` / ``reverse``), ``size_class`` (小型/中型/大型 or small/medium/large).

    Raises
    ------
    InputError
        If a feature is not a point or a field holds a value outside its allowed set;
        the message names ``source``, the intake and the field.
    """
    if gdf.crs is None:
        msg = f"{source}: the intakes have no coordinate reference system; give one (e.g. --crs EPSG:4490 when reading)"
        raise InputError(msg)
    if len(gdf) == 0:
        msg = f"{source} holds no features; expected at least one intake point"
        raise InputError(msg)
    gdf = gdf.to_crs(STORAGE_CRS)
    return [_intake_from_row(row, i, source) for i, (_, row) in enumerate(gdf.iterrows())]


# --- river lines --------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    name: str | None
    flow: str | None
    geom: LineString


def _river_lines(rivers: gpd.GeoDataFrame, crs: str) -> list[_Line]:
    """River lines in ``crs``, same-named pieces with the same flow merged end to end."""
    name_field = next((f for f in RIVER_NAME_FIELDS if f in rivers.columns), None)
    frame = rivers.to_crs(crs)
    names = [_text_or_none(v) for v in frame[name_field]] if name_field else [None] * len(frame)
    flows = [_text_or_none(v) for v in frame["flow"]] if "flow" in frame.columns else [None] * len(frame)
    groups: dict[tuple[str, str | None], list[LineString]] = {}
    unnamed: list[_Line] = []
    for geom, name, flow in zip(frame.geometry, names, flows, strict=True):
        if geom is None or geom.is_empty:
            continue
        if flow is not None and flow not in FLOWS:
            msg = f"river line '{name or '(unnamed)'}': field 'flow' is {flow!r}; expected one of {', '.join(FLOWS)}"
            raise InputError(msg)
        if name is None:
            unnamed.extend(_Line(None, flow, part) for part in _parts(geom))
        else:
            groups.setdefault((name, flow), []).extend(_parts(geom))
    lines: list[_Line] = []
    for (name, flow), parts in groups.items():
        # Join end to end only (no noding at crossings), and directed=True: never reverse
        # a piece to join it, the direction carries the flow.
        merged = shapely.line_merge(shapely.multilinestrings(parts), directed=True)
        lines.extend(_Line(name, flow, part) for part in _parts(merged))
    return lines + unnamed


def _parts(geom: BaseGeometry) -> list[LineString]:
    if geom.geom_type == "LineString":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "LineString" and g.length > 0]


def _nearest_line(intake: Intake, lines: list[_Line], point: Point, snap_max_m: float) -> _Line:
    pool = [ln for ln in lines if intake.river is None or ln.name == intake.river]
    if not pool:
        named = sorted({ln.name for ln in lines if ln.name})
        msg = (
            f"intake '{intake.name}': no river line named {intake.river!r} in the river data; "
            f"named rivers there: {', '.join(named) or '(none; the lines carry no name_zh/river/name field)'}"
        )
        raise InputError(msg)
    dists = [ln.geom.distance(point) for ln in pool]
    best = int(np.argmin(dists))
    if dists[best] > snap_max_m:
        msg = (
            f"intake '{intake.name}' lies {dists[best]:.0f} m from the nearest river line; expected within "
            f"{snap_max_m:.0f} m. Move the intake onto the river, allow more with --snap-max-m, or, for a "
            "lake or reservoir, set source_type 湖库型 and give the water polygons (--water)"
        )
        raise InputError(msg)
    return pool[best]


# --- geometry helpers ---------------------------------------------------------------


def _band(line: LineString, half_width_m: float) -> BaseGeometry:
    """The strip within ``half_width_m`` of ``line``, cut square at both ends."""
    return line.buffer(half_width_m, quad_segs=_QUAD_SEGS, cap_style="flat")


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal parts of an overlay result (drops slivers collapsed to lines/points)."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else Polygon()


@dataclass(frozen=True)
class _Drawn:
    grade: str
    total: BaseGeometry  # water + land of this grade and all better grades
    source: str


def _open(geom: BaseGeometry) -> BaseGeometry:
    """Drop slivers thinner than 2 cm: differences of bands drawn along different
    substrings of one line leave hair-thin strips where the edges nearly coincide.
    Mitre joins keep corners where they were."""
    cleaned = shapely.make_valid(geom).buffer(-_SLIVER_M, join_style="mitre").buffer(_SLIVER_M, join_style="mitre")
    return _polygonal(cleaned)


def _split_grades(drawn: list[_Drawn], water_all: BaseGeometry) -> list[tuple[str, str, BaseGeometry, str]]:
    """(grade, part, geometry, source) with each grade minus the better grades, split
    into its water and land parts."""
    out = []
    inner: BaseGeometry = Polygon()
    for d in drawn:
        ring = d.total.difference(inner)
        for part, geom in (("水域", ring.intersection(water_all)), ("陆域", ring.difference(water_all))):
            geom = _open(geom)
            if not geom.is_empty:
                out.append((d.grade, part, geom, d.source))
        inner = inner.union(d.total)
    return out


# --- rivers -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reach:
    """One intake on its river line, everything in metres along the line."""

    line: LineString
    at_m: float  # the intake's position along the line
    to_m: float  # the second intake's position (= at_m for a single intake)
    flow: str
    half_width_m: float
    polygon: BaseGeometry  # water polygon containing the intake, or empty
    lateral_m: float  # how far from the line the polygon's water counts for this reach


def _reach_span(reach: _Reach, up_m: float, down_m: float) -> tuple[float, float]:
    lo, hi = min(reach.at_m, reach.to_m), max(reach.at_m, reach.to_m)
    if reach.flow == "along":
        return lo - up_m, hi + down_m
    return lo - down_m, hi + up_m


def _draw_river_grade(reach: _Reach, up_m: float, down_m: float, land_m: float) -> tuple[BaseGeometry, list[str]]:
    """Water + land of one grade (including the better grades' ground) in the work CRS."""
    start, end = _reach_span(reach, up_m, down_m)
    start_side, end_side = ("上游", "下游") if reach.flow == "along" else ("下游", "上游")
    notes = [f"河线{side}长度不足，范围截至河线端点" for side, short in ((start_side, start < 0), (end_side, end > reach.line.length)) if short]
    sub = substring(reach.line, max(start, 0.0), min(end, reach.line.length))
    if reach.polygon.is_empty:
        # Land measured from the corridor edge: the band of half-width + land, cut square.
        return _band(sub, reach.half_width_m + land_m), notes
    lateral = max(reach.half_width_m, reach.lateral_m)
    water = _band(sub, reach.half_width_m).union(reach.polygon.intersection(_band(sub, lateral)))
    land = water.buffer(land_m, quad_segs=_QUAD_SEGS).intersection(_band(sub, lateral + land_m + 1.0))
    return water.union(land), notes


def _fmt_m(value: float) -> str:
    return f"{value:,.0f}".replace(",", "")


def _river_source(ps: ParamSet, grade: RiverGrade, width: tuple[float, str], crs: str, note: str, *, span_m: float = 0.0) -> str:
    conf = CONFIDENCE_ZH[grade.confidence or ps.confidence]
    reach = (
        f"自上游取水口沿河道中心线上溯{_fmt_m(grade.upstream_m)} m、下游取水口下延{_fmt_m(grade.downstream_m)} m"
        f"（两取水口间沿河线{_fmt_m(span_m)} m全部纳入；沿河线量算）"
        if span_m > 0
        else f"自取水口沿河道中心线上溯{_fmt_m(grade.upstream_m)} m、下延{_fmt_m(grade.downstream_m)} m（沿河线量算）"
    )
    text = (
        f"示意：按{ps.title_zh}（{ps.citation}；{conf}）{reach}；水域为河道中心线两侧各{_fmt_m(width[0] / 2)} m"
        f"（河宽{_fmt_m(width[0])} m，{width[1]}），陆域为岸线外{_fmt_m(grade.land_m)} m；"
        f"{'已扣除更高级别范围；' if grade.grade != ps.river[0].grade else ''}工作坐标系{crs}"
    )
    extra = "；".join(n for n in (grade.note, note) if n)
    return f"{text}。{_sentence(extra)}"


def _sentence(text: str) -> str:
    """``text`` closed with a full stop (empty stays empty), so appended notes read as sentences."""
    text = text.strip()
    return text if not text or text.endswith("。") else f"{text}。"


def _river_width(intake: Intake, line: _Line, config: DelineationConfig) -> tuple[float, str]:
    if intake.river_width_m is not None:
        return intake.river_width_m, "取水口属性给定"
    if line.name is not None and line.name in config.river_width_m:
        return config.river_width_m[line.name], f"{line.name}示意河宽，未实测"
    return config.default_river_width_m, "默认示意河宽，未实测"


def _delineate_river(
    intake: Intake, ps: ParamSet, ctx: _Context
) -> tuple[list[tuple[str, str, BaseGeometry, str]], list[str]]:
    point = ctx.project(intake.point)
    line = _nearest_line(intake, ctx.lines(), point, ctx.snap_max_m)
    width = _river_width(intake, line, ctx.config)
    flow = intake.flow or line.flow or "along"
    notes = [] if (intake.flow or line.flow) else [f"取水口“{intake.name}”：假定河线按水流方向数字化（上游在河线起点一侧）"]
    at_m = line.geom.project(point)
    to_m = at_m if intake.reach_to is None else _second_intake(intake, line, ctx)
    snapped = line.geom.interpolate(at_m)
    polygon = ctx.water_at(snapped, width[0] / 2)
    reach = _Reach(line.geom, at_m, to_m, flow, width[0] / 2, polygon, ctx.config.river_polygon_lateral_m)
    water_all = _band(line.geom, width[0] / 2).union(polygon)
    drawn = []
    for grade in ps.river:
        total, grade_notes = _draw_river_grade(reach, grade.upstream_m, grade.downstream_m, grade.land_m)
        note = "；".join(grade_notes)
        notes.extend(f"取水口“{intake.name}”{grade.grade}：{n}" for n in grade_notes)
        source = _river_source(ps, grade, width, ctx.crs, note, span_m=abs(to_m - at_m))
        drawn.append(_Drawn(grade.grade, total, source))
    return _split_grades(drawn, water_all), notes


def _second_intake(intake: Intake, line: _Line, ctx: _Context) -> float:
    """Position along ``line`` of the intake's ``reach_to`` (it must lie on the same line)."""
    assert intake.reach_to is not None
    point = ctx.project(intake.reach_to)
    distance = line.geom.distance(point)
    if distance > ctx.snap_max_m:
        msg = (
            f"intake '{intake.name}': its second intake lies {distance:.0f} m from the river line of the first; "
            f"expected within {ctx.snap_max_m:.0f} m (both intakes of one reach must be on the same river)"
        )
        raise InputError(msg)
    return float(line.geom.project(point))


# --- lakes and reservoirs -----------------------------------------------------------


def _lake_size(intake: Intake, body: BaseGeometry, config: DelineationConfig) -> tuple[str, str]:
    if intake.size_class:
        return intake.size_class, "取水口属性给定"
    area_km2 = body.area / 1e6
    small_below, large_from = config.lake_size_by_area_km2
    size = "small" if area_km2 < small_below else "large" if area_km2 >= large_from else "medium"
    return size, f"按水体面积{area_km2:.1f} km²推定（工具自定分级）"


_SIZE_ZH = {"small": "小型水库", "medium": "中型水库/小型湖泊", "large": "大型水库/大中型湖泊"}


def _lake_water(grade: LakeGrade, body: BaseGeometry, point: Point) -> tuple[BaseGeometry, str]:
    if grade.water == "whole":
        return body, "水域为正常水位线以下全部水域"
    centre = point if body.contains(point) else body.exterior.interpolate(body.exterior.project(point))
    circle = centre.buffer(grade.radius_m or 0.0, quad_segs=_QUAD_SEGS)
    return body.intersection(circle), f"水域为取水口半径{_fmt_m(grade.radius_m or 0.0)} m内的水面"


def _delineate_lake(
    intake: Intake, ps: ParamSet, ctx: _Context
) -> tuple[list[tuple[str, str, BaseGeometry, str]], list[str]]:
    point = ctx.project(intake.point)
    body = ctx.water_body(intake, point)
    size, size_why = _lake_size(intake, body, ctx.config)
    drawn, notes = [], []
    for grade in ps.lake[size]:
        if grade.water == "skip":
            notes.append(f"取水口“{intake.name}”{grade.grade}：{grade.note}")
            continue
        water, water_txt = _lake_water(grade, body, point)
        land = water.buffer(grade.land_m, quad_segs=_QUAD_SEGS).difference(ctx.water_union)
        conf = CONFIDENCE_ZH[grade.confidence or ps.confidence]
        source = (
            f"示意：按{ps.title_zh}（{ps.citation}；{conf}）{_SIZE_ZH[size]}（{size_why}）：{water_txt}，"
            f"陆域为水域边界外{_fmt_m(grade.land_m)} m；工作坐标系{ctx.crs}。{_sentence(grade.note)}"
        )
        drawn.append(_Drawn(grade.grade, water.union(land), source))
    return _split_grades(drawn, ctx.water_union), notes


# --- per-CRS context ----------------------------------------------------------------


class _Context:
    """Rivers and water polygons projected into one work CRS, built lazily."""

    def __init__(
        self,
        crs: str,
        rivers: gpd.GeoDataFrame | None,
        water: gpd.GeoDataFrame | None,
        config: DelineationConfig,
        snap_max_m: float,
    ) -> None:
        self.crs, self.config, self.snap_max_m = crs, config, snap_max_m
        self._rivers = rivers
        self._lines: list[_Line] | None = None  # read on first use: only river intakes need them
        self._water = [] if water is None else [g for g in water.to_crs(crs).geometry if g is not None and not g.is_empty]
        self.water_union = shapely.union_all(self._water) if self._water else Polygon()

    def project(self, point: Point) -> Point:
        return gpd.GeoSeries([point], crs=STORAGE_CRS).to_crs(self.crs).iloc[0]

    def lines(self) -> list[_Line]:
        if self._lines is None:
            if self._rivers is None or len(self._rivers) == 0:
                msg = "river-type intakes need river lines (--rivers); none were given"
                raise InputError(msg)
            self._lines = _river_lines(self._rivers, self.crs)
        return self._lines

    def water_at(self, point: Point, tolerance_m: float) -> BaseGeometry:
        hits = [g for g in self._water if g.distance(point) <= tolerance_m]
        return shapely.union_all(hits) if hits else Polygon()

    def water_body(self, intake: Intake, point: Point) -> Polygon:
        bodies = [p for g in self._water for p in getattr(g, "geoms", [g])]
        if not bodies:
            msg = f"intake '{intake.name}' is 湖库型 but no water polygons were given (--water)"
            raise InputError(msg)
        dists = [b.distance(point) for b in bodies]
        best = int(np.argmin(dists))
        if dists[best] > self.snap_max_m:
            msg = (
                f"intake '{intake.name}' (湖库型) lies {dists[best]:.0f} m from the nearest water polygon; "
                f"expected inside one or within {self.snap_max_m:.0f} m"
            )
            raise InputError(msg)
        return bodies[best]


def _grade_label(grade: str) -> str:
    return grade if grade.endswith("保护区") else f"{grade}保护区"


# --- entry point --------------------------------------------------------------------


def delineate(
    intakes: Sequence[Intake],
    rivers: gpd.GeoDataFrame | None,
    *,
    water: gpd.GeoDataFrame | None = None,
    params: str = "hj338",
    config: DelineationConfig | None = None,
    snap_max_m: float | None = None,
) -> Delineation:
    """Draft 一级 / 二级 / 准保护区 zones for each intake.

    Parameters
    ----------
    intakes
        From :func:`intakes_from_frame`. 河流型 intakes are snapped to the nearest river
        line; 湖库型 intakes to the water polygon they lie in (or the nearest one).
    rivers
        River centrelines (any CRS). Same-named pieces (``name_zh``/``river``/``name``)
        are joined end to end; an optional ``flow`` field (``along``/``reverse``) says how
        the water runs relative to the digitised direction.
    water
        Lake, reservoir or river polygons (any CRS), optional.
    params
        A parameter-set key of ``config`` (``hunan_township`` or ``hj338``).
    config
        The parameters; default ``data/delineation_params.yaml``.
    snap_max_m
        How far an intake may be from its line or polygon; default from ``config``.

    Returns
    -------
    Delineation
        ``zones`` in EPSG:4490 with fields ``name``, ``grade``, ``part`` (水域/陆域),
        ``intake``, ``source_type``, ``param_set``, ``legal_status`` (always 示意) and
        ``source`` (method and parameters in words); ``notes`` on assumptions made.

    Raises
    ------
    InputError
        Unknown parameter set; an intake too far from any river line or water polygon;
        a groundwater intake (no method here).
    """
    config = config or load_delineation_params()
    if params not in config.param_sets:
        msg = f"--params is {params!r}; expected one of {', '.join(config.param_sets)}"
        raise InputError(msg)
    ps = config.param_sets[params]
    snap = config.snap_max_m if snap_max_m is None else snap_max_m
    contexts: dict[str, _Context] = {}
    rows, notes = [], []
    for intake in intakes:
        if intake.source_type == "地下水型":
            msg = f"intake '{intake.name}' is 地下水型: groundwater zones are not drafted by this tool (HJ 338 §7)"
            raise InputError(msg)
        crs = work_crs_for_lon(intake.point.x)
        ctx = contexts.setdefault(crs, _Context(crs, rivers, water, config, snap))
        draw = _delineate_river if intake.source_type == "河流型" else _delineate_lake
        pieces, intake_notes = draw(intake, ps, ctx)
        notes.extend(intake_notes)
        for grade, part, geom, source in pieces:
            geom_ll = _polygonal(shapely.make_valid(gpd.GeoSeries([geom], crs=crs).to_crs(STORAGE_CRS).iloc[0]))
            rows.append(
                {
                    "name": f"{intake.name} {_grade_label(grade)}（{part}）",
                    "grade": grade,
                    "part": part,
                    "intake": intake.name,
                    "source_type": intake.source_type,
                    "param_set": ps.key,
                    "legal_status": "示意",
                    "source": source,
                    "geometry": geom_ll,
                }
            )
    zones = gpd.GeoDataFrame(rows, columns=[*OUTPUT_FIELDS, "geometry"], geometry="geometry", crs=STORAGE_CRS)
    return Delineation(zones=zones, notes=tuple(dict.fromkeys(notes)))

