"""A screening result back from its JSON (``ScreeningResult.to_dict``): for saved screenings.

A saved screening keeps each result as the JSON of the screening contract, plus what the
JSON leaves out — the project geometry and the overlap geometries (EPSG:4490) — so that it
can be shown and printed again exactly as it was, not re-run. ``result_from_dict`` builds
the ``ScreeningResult`` again; ``result_from_dict(r.to_dict(), ...).to_dict() == r.to_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis.text import Text
from zoning.model import (
    ClauseRecord,
    Conflict,
    CoverageInfo,
    DataInfo,
    LayerInfo,
    Nearby,
    ProjectInfo,
    ScreeningResult,
    UnitRecord,
)

__all__ = ["result_from_dict"]


def _project(d: Mapping[str, Any], geometry: BaseGeometry | None) -> ProjectInfo:
    lon, lat = d["centroid_lonlat"]
    return ProjectInfo(
        name=d["name"], type=d["type"], geometry_type=d["geometry_type"], area_m2=d["area_m2"], length_m=d["length_m"],
        centroid_lonlat=(lon, lat), county=d.get("county"), input_crs=d["input_crs"], work_crs=d["work_crs"],
        attributes=dict(d.get("attributes") or {}), index=int(d.get("index", 0)), geometry=geometry,
        prefecture=d.get("prefecture"), adcode=d.get("adcode"), builder=d.get("builder"), project_code=d.get("project_code"),
    )  # fmt: skip


def _conflict(d: Mapping[str, Any], overlap: BaseGeometry | None) -> Conflict:
    return Conflict(
        layer=d["layer"], feature=d["feature"], zone=d.get("zone"), relation=d["relation"],
        overlap_area_m2=d["overlap_area_m2"], overlap_pct=d["overlap_pct"], overlap_length_m=d["overlap_length_m"],
        distance_m=d["distance_m"], verdict=d["verdict"], rule_id=d["rule_id"], condition=d["condition"],
        basis=d["basis"], confidence=d["confidence"], legal_status=d["legal_status"],
        condition_en=d.get("condition_en", ""), feature_id=int(d.get("feature_id", -1)), source=d.get("source", ""),
        overlap_geometry=overlap,
    )  # fmt: skip


def _nearby(d: Mapping[str, Any]) -> Nearby:
    return Nearby(
        layer=d["layer"], feature=d["feature"], zone=d.get("zone"), distance_m=d["distance_m"],
        bearing_deg=d["bearing_deg"], legal_status=d.get("legal_status", ""), feature_id=int(d.get("feature_id", -1)),
    )  # fmt: skip


def _clause(d: Mapping[str, Any]) -> ClauseRecord:
    return ClauseRecord(
        scope=d["scope"], dimension=d["dimension"], text=d["text"], verdict=d["verdict"], basis=d["basis"],
        confidence=d["confidence"], applies=bool(d.get("applies", True)), applies_to=d.get("applies_to", ""),
        finding_zh=d.get("finding", ""), finding_en=d.get("finding_en", ""), origin=d.get("origin", "list"),
        rule_id=d.get("rule_id", ""), clause_id=d.get("clause_id", ""), unit=d.get("unit", ""),
        text_en=d.get("text_en", ""), legal_status=d.get("legal_status", "法定"),
    )  # fmt: skip


def _unit(d: Mapping[str, Any]) -> UnitRecord:
    return UnitRecord(
        code=d["code"], name=d["name"], category=d["category"], subtype=d["subtype"], share_pct=d["share_pct"],
        clauses=tuple(_clause(c) for c in d.get("clauses", ())), legal_status=d.get("legal_status", "法定"),
        feature_id=int(d.get("feature_id", -1)),
    )  # fmt: skip


def _data(d: Mapping[str, Any]) -> DataInfo:
    layers = {
        k: LayerInfo(features=v["features"], legal_status=v["legal_status"], coverage=v.get("coverage"))
        for k, v in (d.get("layers") or {}).items()
    }
    return DataInfo(
        zones=d["zones"], sha256=d["sha256"], layers=layers, absent_layers=tuple(d.get("absent_layers", ())),
        versions={k: dict(v) for k, v in (d.get("versions") or {}).items()}, as_of=d.get("as_of"),
        source_sha256=d.get("source_sha256"),
    )  # fmt: skip


def _coverage(d: Mapping[str, Any] | None) -> CoverageInfo:
    if not d:
        return CoverageInfo()
    statement = d.get("statement") or {}
    return CoverageInfo(
        missing=tuple(d.get("missing", ())), outside=tuple(d.get("outside", ())), checked=tuple(d.get("checked", ())),
        inside_store=bool(d.get("inside_store", True)), statement_zh=statement.get("zh", ""),
        statement_en=statement.get("en", ""),
    )  # fmt: skip


def _notes(d: Mapping[str, Any]) -> tuple[str, ...]:
    """The notes as they were: ``Text`` pairs where both languages were recorded."""
    pairs = d.get("notes_i18n")
    plain = list(d.get("notes", ()))
    if not pairs or len(pairs) != len(plain):
        return tuple(plain)
    out: list[str] = []
    for text, pair in zip(plain, pairs, strict=True):
        zh, en = pair.get("zh", text), pair.get("en", text)
        out.append(text if zh == en else Text(zh, en))
    return tuple(out)


def result_from_dict(
    data: Mapping[str, Any],
    *,
    geometry: BaseGeometry | None = None,
    overlaps: Sequence[BaseGeometry | None] | None = None,
) -> ScreeningResult:
    """The ``ScreeningResult`` whose ``to_dict()`` is ``data``.

    Parameters
    ----------
    data
        One result's JSON (the screening contract).
    geometry
        The project geometry (EPSG:4490), which the JSON leaves out.
    overlaps
        The conflicts' overlap geometries (EPSG:4490), in the order of ``data["conflicts"]``.

    Raises
    ------
    KeyError
        A field the contract requires is missing.
    """
    conflicts = list(data.get("conflicts", ()))
    shapes = list(overlaps) if overlaps is not None else [None] * len(conflicts)
    if len(shapes) != len(conflicts):
        shapes = [None] * len(conflicts)
    return ScreeningResult(
        project=_project(data["project"], geometry),
        verdict=data["verdict"],
        conflicts=tuple(_conflict(c, g) for c, g in zip(conflicts, shapes, strict=True)),
        nearby=tuple(_nearby(n) for n in data.get("nearby", ())),
        data=_data(data["data"]),
        generated_at=data["generated_at"],
        parameters=dict(data.get("parameters") or {}),
        notes=_notes(data),
        units=tuple(_unit(u) for u in data.get("units", ())),
        clauses=tuple(_clause(c) for c in data.get("clauses", ())),
        coverage=_coverage(data.get("coverage")),
    )
