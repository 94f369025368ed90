"""Saved screenings: kept by their report number, found again, re-run on today's data.

DESIGN.md "Time": a screening a reviewer saves (one project or a batch) is kept with its
number — the report number its PDF prints, ``EZS-<day>-<hash>`` — its input (geometry in
EPSG:4490, type, attributes, 建设单位, 项目代码), the zone store and rules hashes, the layer
versions in force, the result JSON, who saved it and when. A batch is saved in one
transaction: all of it or nothing, also when the process is killed in the middle.

The number is the content's (``zoning.report.numbering.report_number``): the same
screening saved twice on one day is one record (the second save gets the first's number);
should two different screenings share the first eight hex digits, the later one gets a
longer number. A saved number never changes, and its reports print it
(``render_report(..., number=...)``).

``Archive.get(number)`` is the storage interface the HTTP API asks
(``GET /api/v1/screenings/{number}``, ``/api/v1/reports/{number}.pdf``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import shapely
from shapely.geometry import mapping

from gis.errors import InputError
from gis.strictjson import dumps
from zoning import saved
from zoning.bureau.changes import ResultChange, compare_results
from zoning.bureau.db import Database, Tx
from zoning.model import Project, ScreeningResult, worst_verdict
from zoning.report.numbering import content_sha256, report_number
from zoning.results_io import result_from_dict
from zoning.saved import NUMBER_PATTERN

__all__ = ["SavedScreening", "SavedSummary", "SaveOutcome", "Rescreen", "AffectedReport", "Archive", "NUMBER_PATTERN"]

log = logging.getLogger(__name__)

_CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class SavedScreening(saved.SavedScreening):
    """One saved screening, as it was saved (never re-run): the HTTP API's record
    (``zoning.saved.SavedScreening``: number, results, batch, saved_at, saved_by,
    store_sha256, rules_sha256, input) and what the bureau keeps besides.

    Attributes
    ----------
    input
        What was screened: ``{"projects": [{name, type, attributes, geometry (GeoJSON,
        EPSG:4490), input_crs, builder, project_code}]}``.
    store
        The store as the results name it (``data.zones``).
    as_of
        The date screened as of (the versions in force then), or None.
    versions
        Layer -> the version screened (``data.versions``).
    parameters
        ``tolerance_m``, ``near_m``.
    source
        Where it was saved from: ``app``, ``cli`` or ``api``.
    """

    store: str = ""
    as_of: str | None = None
    versions: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    source: str = "app"

    @property
    def verdict(self) -> str:
        return worst_verdict(r.verdict for r in self.results)

    def projects(self) -> list[Project]:
        """The projects as saved, ready to be screened again."""
        out = []
        for r in self.results:
            p = r.project
            if p.geometry is None:
                msg = f"saved screening {self.number}: project {p.name!r} has no geometry"
                raise InputError(msg, zh=f"已保存筛查 {self.number}：项目“{p.name}”没有几何")
            out.append(
                Project(name=p.name, type=p.type, geometry=p.geometry, attributes=dict(p.attributes),
                        input_crs=p.input_crs, builder=p.builder, project_code=p.project_code)  # fmt: skip
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON: the API's record (``zoning.saved``) with the bureau's facts,
        the results last."""
        base = super().to_dict()
        results = base.pop("results")
        extra = {"store": self.store, "as_of": self.as_of, "versions": dict(self.versions),
                 "parameters": dict(self.parameters), "source": self.source, "verdict": self.verdict}  # fmt: skip
        return base | extra | {"results": results}


@dataclass(frozen=True)
class SavedSummary:
    """A saved screening as a search lists it."""

    number: str
    saved_at: str
    saved_by: str
    batch: bool
    projects: int
    verdict: str
    names: tuple[str, ...]
    counties: tuple[str, ...]
    as_of: str | None


@dataclass(frozen=True)
class SaveOutcome:
    """The number a save gave; ``created`` False when the same screening was saved already."""

    number: str
    created: bool
    saved_at: str
    saved_by: str


@dataclass(frozen=True)
class Rescreen:
    """A saved screening run again: the new results and, per project, what changed."""

    saved: SavedScreening
    results: tuple[ScreeningResult, ...]
    changes: tuple[ResultChange, ...]
    seconds: float

    @property
    def verdict_changed(self) -> bool:
        return any(c.verdict_changed for c in self.changes)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.changes)

    @property
    def rules_changed(self) -> bool:
        return bool(self.results) and self.results[0].parameters.get("rules_sha256") != self.saved.rules_sha256

    def to_dict(self) -> dict[str, Any]:
        now = self.results[0].data if self.results else None
        return {
            "number": self.saved.number,
            "saved_at": self.saved.saved_at,
            "verdict_before": self.saved.verdict,
            "verdict_after": worst_verdict(r.verdict for r in self.results),
            "verdict_changed": self.verdict_changed,
            "changed": self.changed,
            "store_sha256_before": self.saved.store_sha256,
            "store_sha256_after": now.sha256 if now else "",
            "rules_changed": self.rules_changed,
            "versions_before": dict(self.saved.versions),
            "versions_after": dict(now.versions) if now else {},
            "seconds": round(self.seconds, 4),
            "projects": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class AffectedReport:
    """Saved screenings re-run against new data: those whose verdict would change."""

    checked: int
    projects: int
    changed: tuple[Rescreen, ...]
    seconds: float

    @property
    def seconds_per_screening(self) -> float:
        return self.seconds / self.checked if self.checked else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "projects": self.projects,
            "seconds": round(self.seconds, 3),
            "seconds_per_screening": round(self.seconds_per_screening, 4),
            "verdict_changed": [r.to_dict() for r in self.changed],
        }


def _wkb(geom: Any) -> str:
    return "" if geom is None else shapely.to_wkb(geom, hex=True, output_dimension=2)


def _geom(text: str | None) -> Any:
    return shapely.from_wkb(text) if text else None


def _item_row(number: str, position: int, result: ScreeningResult) -> tuple[Any, ...]:
    """The ``screening_items`` row of one project of a saved screening."""
    p = result.project
    return (
        number, position, p.name, p.type, p.county, p.prefecture, p.builder, p.project_code, result.verdict,
        _wkb(p.geometry), p.input_crs, dumps(dict(p.attributes), ensure_ascii=False, default=str),
        dumps([str(n) for n in result.notes], ensure_ascii=False), dumps(result.to_dict(), ensure_ascii=False, default=str),
        dumps([_wkb(c.overlap_geometry) or None for c in result.conflicts]),
    )  # fmt: skip


_ITEM_COLUMNS = (
    "number, position, name, type, county, prefecture, builder, project_code, verdict, geometry_wkb, input_crs, "
    "attributes, notes, result, overlap_shapes"
)
_SCREENING_COLUMNS = (
    "number, content_sha256, batch, projects, verdict, saved_at, saved_day, saved_by, store, store_sha256, "
    "rules_sha256, as_of, versions, parameters, source"
)


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day(text: str | None, what: str) -> str | None:
    if text is None or not str(text).strip():
        return None
    try:
        return datetime.fromisoformat(str(text).strip()).date().isoformat()
    except ValueError:
        msg = f"{what} {text!r} is not a date; expected YYYY-MM-DD"
        raise InputError(msg, zh=f"{what}“{text}”不是有效日期；应为 YYYY-MM-DD") from None


class Archive:
    """The saved screenings of one database (``Database.open``)."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    # --- saving ---------------------------------------------------------------------------

    def save(
        self, results: Sequence[ScreeningResult], *, saved_by: str, batch: bool | None = None, source: str = "app"
    ) -> SaveOutcome:
        """Save a screening (all its results in one transaction); its number.

        Raises
        ------
        InputError
            No results, or a result without its project geometry.
        DataSourceError
            The database cannot be written (nothing of the screening is then kept).
        """
        items = list(results)
        if not items:
            msg = "there is nothing to save: no screening results"
            raise InputError(msg, zh="没有筛查结果，无法保存")
        if any(r.project.geometry is None for r in items):
            msg = "a result without its project geometry cannot be saved (it could not be screened again)"
            raise InputError(msg, zh="筛查结果缺少项目几何，无法保存（将无法重新筛查）")
        content = content_sha256(items)
        base = report_number(items)
        prefix = base.rsplit("-", 1)[0] + "-"
        saved_at = datetime.fromtimestamp(self.clock(), _CHINA_TZ).isoformat(timespec="seconds")
        first = items[0]
        with self.db.write() as tx:
            same = tx.one(
                "SELECT number, saved_at, saved_by FROM screenings WHERE content_sha256 = ? AND number LIKE ?",
                (content, prefix + "%"),
            )
            if same is not None:
                return SaveOutcome(same[0], False, same[1], same[2])
            number = self._free_number(tx, items, base)
            tx.run(
                f"INSERT INTO screenings ({_SCREENING_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                (
                    number, content, int(len(items) > 1 if batch is None else batch), len(items),
                    worst_verdict(r.verdict for r in items), saved_at, saved_at[:10], saved_by or "-", first.data.zones,
                    first.data.source_sha256 or first.data.sha256, str(first.parameters.get("rules_sha256", "")),
                    first.data.as_of, dumps({k: dict(v) for k, v in first.data.versions.items()}, ensure_ascii=False),
                    dumps({k: first.parameters.get(k) for k in ("tolerance_m", "near_m")}), source,
                ),
            )  # fmt: skip
            for position, result in enumerate(items):
                tx.run(f"INSERT INTO screening_items ({_ITEM_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                       _item_row(number, position, result))  # fmt: skip
        log.info("screening %s (%d project(s)) saved by %s", number, len(items), saved_by)
        return SaveOutcome(number, True, saved_at, saved_by or "-")

    @staticmethod
    def _free_number(tx: Tx, items: Sequence[ScreeningResult], base: str) -> str:
        """``base``, or the same number with more digits of the hash if another screening has it."""
        number, digits = base, 8
        while tx.one("SELECT 1 FROM screenings WHERE number = ?", (number,)) is not None:
            digits += 2
            number = report_number(items, digits=digits)
        return number

    # --- reading --------------------------------------------------------------------------

    def get(self, number: str) -> SavedScreening | None:
        """The screening saved under ``number`` as it was saved, or None."""
        number = str(number).strip()
        with self.db.read() as tx:
            head = tx.one(f"SELECT {_SCREENING_COLUMNS} FROM screenings WHERE number = ?", (number,))
            if head is None:
                return None
            rows = tx.query(
                "SELECT result, geometry_wkb, overlap_shapes FROM screening_items WHERE number = ? ORDER BY position", (number,)
            )
        results = tuple(
            result_from_dict(json.loads(r[0]), geometry=_geom(r[1]), overlaps=[_geom(g) for g in json.loads(r[2])])
            for r in rows
        )
        return SavedScreening(
            number=head[0], results=results, batch=bool(head[2]), saved_at=head[5], saved_by=head[7], store=head[8],
            store_sha256=head[9], rules_sha256=head[10], as_of=head[11], versions=json.loads(head[12]),
            parameters=json.loads(head[13]), source=head[14], input={"projects": [_input_of(r) for r in results]},
        )  # fmt: skip

    def count(self) -> int:
        with self.db.read() as tx:
            row = tx.one("SELECT COUNT(*) FROM screenings")
        return int(row[0]) if row else 0

    def find(
        self,
        *,
        number: str | None = None,
        name: str | None = None,
        county: str | None = None,
        day_from: str | None = None,
        day_to: str | None = None,
        verdict: str | None = None,
        limit: int = 200,
    ) -> list[SavedSummary]:
        """Saved screenings matching every filter given, newest first.

        ``number`` matches a part of the number; ``name`` and ``county`` a part of any
        project's name or county (case-insensitive); ``day_from``/``day_to`` the day saved
        (YYYY-MM-DD, both included); ``verdict`` any project's verdict.

        Raises
        ------
        InputError
            A date that is not YYYY-MM-DD.
        """
        where, params = [], []
        if number and number.strip():
            where.append("LOWER(s.number) LIKE ? ESCAPE '\\'")
            params.append(_like(number))
        for column, value in (("i.name", name), ("i.county", county)):
            if value and value.strip():
                where.append(f"LOWER(COALESCE({column}, '')) LIKE ? ESCAPE '\\'")
                params.append(_like(value))
        first, last = _day(day_from, "从日期 / from"), _day(day_to, "至日期 / to")
        if first:
            where.append("s.saved_day >= ?")
            params.append(first)
        if last:
            where.append("s.saved_day <= ?")
            params.append(last)
        if verdict and verdict.strip():
            where.append("i.verdict = ?")
            params.append(verdict.strip())
        sql = (
            "SELECT DISTINCT s.number, s.saved_at FROM screenings s JOIN screening_items i ON i.number = s.number"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY s.saved_at DESC, s.number LIMIT ?"
        )
        with self.db.read() as tx:
            numbers = [r[0] for r in tx.query(sql, (*params, int(limit)))]
            return [self._summary(tx, n) for n in numbers]

    @staticmethod
    def _summary(tx: Tx, number: str) -> SavedSummary:
        head = tx.one("SELECT number, saved_at, saved_by, batch, projects, verdict, as_of FROM screenings WHERE number = ?",
                      (number,))  # fmt: skip
        assert head is not None
        names = [r[0] for r in tx.query("SELECT name FROM screening_items WHERE number = ? ORDER BY position LIMIT 3",
                                         (number,))]  # fmt: skip
        counties = sorted({r[0] for r in tx.query("SELECT DISTINCT county FROM screening_items WHERE number = ?",
                                                  (number,)) if r[0]})  # fmt: skip
        return SavedSummary(head[0], head[1], head[2], bool(head[3]), int(head[4]), head[5], tuple(names), tuple(counties),
                            head[6])  # fmt: skip

    def numbers(self) -> list[str]:
        """Every saved number, oldest first."""
        with self.db.read() as tx:
            return [r[0] for r in tx.query("SELECT number FROM screenings ORDER BY saved_at, number")]

    # --- screening again ----------------------------------------------------------------------

    def rescreen(self, number: str, store: Any, *, rules: Any = None) -> Rescreen:
        """Run the screening saved as ``number`` again against ``store`` (today's data) and say
        what changed: verdicts, conflicts added and removed, overlaps.

        Raises
        ------
        InputError
            No screening is saved under ``number``.
        """
        saved = self.get(number)
        if saved is None:
            msg = f"no screening is saved under the number {number!r}; find one with `python -m zoning history find`"
            raise InputError(msg, zh=f"没有编号为“{number}”的已保存筛查；可用 `python -m zoning history find` 查找")
        return _rescreen(saved, store, rules=rules)

    def affected(
        self,
        store: Any,
        *,
        rules: Any = None,
        numbers: Iterable[str] | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> AffectedReport:
        """Re-run saved screenings (all, or ``numbers``) against ``store``: those whose verdict
        would change. ``progress(done, total)`` after each screening."""
        wanted = list(numbers) if numbers is not None else self.numbers()
        started = time.perf_counter()
        changed: list[Rescreen] = []
        projects = 0
        for i, number in enumerate(wanted):
            saved = self.get(number)
            if saved is None:
                continue
            projects += len(saved.results)
            again = _rescreen(saved, store, rules=rules)
            if again.verdict_changed:
                changed.append(again)
            if progress is not None:
                progress(i + 1, len(wanted))
        return AffectedReport(len(wanted), projects, tuple(changed), time.perf_counter() - started)


def _input_of(result: ScreeningResult) -> dict[str, Any]:
    p = result.project
    return {
        "name": p.name, "type": p.type, "attributes": dict(p.attributes),
        "geometry": mapping(p.geometry) if p.geometry is not None else None, "input_crs": p.input_crs,
        "builder": p.builder, "project_code": p.project_code,
    }  # fmt: skip


def _rescreen(record: SavedScreening, store: Any, *, rules: Any) -> Rescreen:
    """``record``'s projects screened again with its parameters, compared project by project."""
    from zoning.engine import screen

    started = time.perf_counter()
    params = record.parameters
    results = tuple(screen(record.projects(), store, rules=rules, tolerance_m=float(params.get("tolerance_m") or 5.0),
                           near_m=float(params.get("near_m") or 5000.0)))  # fmt: skip
    changes = tuple(compare_results(b, a, position=i) for i, (b, a) in enumerate(zip(record.results, results, strict=True)))
    return Rescreen(record, results, changes, time.perf_counter() - started)
