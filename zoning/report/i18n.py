"""Report wording in Chinese (default) and English, and the number/date formats of both.

Fixed wording is the ``report.`` section of the product's message catalogue
(data/messages.yaml, ``zoning.messages``); verdict words are the palette's
(data/styles.yaml). Layer titles and zone labels come from the layer catalogue of the
store that was screened — set for the duration of a report by :func:`catalog_of` (the
report builders do so) — and from the packaged catalogue only when no store is given, so
a report never disagrees with the store or the UI. Project-type labels come from
data/project_types.yaml.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Literal

import yaml

from gis.errors import InputError, PlanningError
from layers.catalog import Catalog, load_catalog
from layers.paths import PROJECT_TYPES_PATH
from zoning.messages import load_messages
from zoning.model import VERDICT_LABELS

__all__ = [
    "Lang",
    "LANGS",
    "check_lang",
    "catalog_of",
    "report_catalog",
    "t",
    "wording",
    "verdict_label",
    "conclusion_label",
    "verdict_explanation",
    "layer_title",
    "zone_label",
    "with_zone",
    "project_type_label",
    "attribute_text",
    "relation_label",
    "bearing_label",
    "fmt_num",
    "fmt_area",
    "fmt_length",
    "bracket",
    "join_list",
    "join_items",
    "fmt_datetime",
    "ILLUSTRATIVE_MARK",
]

log = logging.getLogger(__name__)

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


class _Entry(Mapping[str, str]):
    """One catalogue entry as ``{"zh": ..., "en": ...}`` (read when used)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGS:
            raise KeyError(lang)
        return load_messages()[self.key].pick(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


#: The mark every page carries when illustrative (示意) data took part in the screening.
ILLUSTRATIVE_MARK: Mapping[str, str] = _Entry("report.illustrative_mark")

#: The layer catalogue of the store a report describes (None: the packaged one).
_CATALOG: ContextVar[Catalog | None] = ContextVar("report_catalog", default=None)


@contextmanager
def catalog_of(store: Any) -> Iterator[Catalog]:
    """Within the block, layer titles and zone labels come from ``store.catalog`` (a
    ``ZoneStore`` opened with any catalogue); the packaged catalogue where ``store`` is None
    or has none. Context-local, so concurrent reports (Streamlit sessions) do not mix."""
    catalog = getattr(store, "catalog", None)
    token = _CATALOG.set(catalog if isinstance(catalog, Catalog) else None)
    try:
        yield report_catalog()
    finally:
        _CATALOG.reset(token)


def report_catalog() -> Catalog:
    """The layer catalogue the current report uses (see :func:`catalog_of`)."""
    return _CATALOG.get() or load_catalog()


def check_lang(lang: str) -> Lang:
    """Validate a report language code.

    Raises
    ------
    InputError
        If ``lang`` is not ``"zh"`` or ``"en"``.
    """
    if lang not in LANGS:
        msg = f"report language {lang!r} is not supported; expected one of {list(LANGS)}"
        raise InputError(msg)
    return lang


def t(key: str, lang: str, **values: object) -> str:
    """The report text ``key`` (``report.<key>`` of the catalogue) in ``lang``, with
    ``{placeholders}`` filled from ``values``."""
    return load_messages().get_text(f"report.{key}", lang, **values)


def wording(lang: str) -> tuple[str, ...]:
    """Every fixed report text in ``lang`` (with ``{placeholders}`` unfilled), verdict and
    conclusion labels included: what a document may print besides the data."""
    report = load_messages().section("report")
    return (*(text.pick(lang) for key, text in report.items() if key != "compass"),
            *(v[lang] for v in VERDICT_LABELS.values()), *_compass(lang))


def verdict_label(verdict: str, lang: str) -> str:
    """禁止 / 有条件准入 / 需核实 / 不涉及 (or the English labels)."""
    return VERDICT_LABELS[verdict][lang]


def conclusion_label(verdict: str, lang: str) -> str:
    """The conclusion of a screening in words: the verdict's own words (禁止 / 有条件准入 /
    需核实 / 不涉及, the palette's). One vocabulary everywhere — a report that printed
    "筛查结论：需论证" beside "综合判定：需核实" made the reader ask which one counts."""
    return verdict_label(verdict, lang)


def verdict_explanation(verdict: str, lang: str) -> str:
    """What a verdict means for the project, one sentence (the app's badge says the same)."""
    return load_messages().get_text(f"verdict_explain.{verdict}", lang)


@functools.lru_cache(maxsize=1)
def _type_labels() -> dict[str, dict[str, str]]:
    try:
        data = yaml.safe_load(PROJECT_TYPES_PATH.read_text(encoding="utf-8")) or {}
    except OSError as err:
        # The project-types file is optional for reports: fall back to the type key.
        log.warning("project types %s cannot be read (%s); reports name types by their key", PROJECT_TYPES_PATH, err)
        return {}
    return {key: dict(spec.get("label") or {}) for key, spec in (data.get("types") or {}).items()}


def attribute_text(name: str, value: Any, lang: str) -> str:
    """A project attribute as a reader says it: its label and value in words
    (``scale_head = 3000`` -> ``养殖规模（存栏/出栏，头）：3000``; a bool as 是/否), from the
    project types; an attribute the types do not know keeps its name."""
    from zoning.project_types import load_project_types

    try:
        spec = load_project_types().attributes.get(name)
    except PlanningError as err:  # the types file is optional for reports
        log.warning("project types cannot be read (%s); attribute %s printed by its name", err, name)
        spec = None
    if spec is None:
        return f"{name}{t('colon', lang)}{value}"
    label = spec.label_en if lang == "en" else spec.label_zh
    return f"{label}{t('colon', lang)}{spec.value_label(value, lang)}"


def zone_label(layer_id: str, zone: str, lang: str) -> str:
    """A zone value as a reader of ``lang`` reads it: the stored value in Chinese, the
    catalogue's English label (``labels_en``, e.g. 一级 -> Grade I) in English."""
    if lang == "zh":
        return zone
    catalog = report_catalog()
    spec = catalog.layers.get(layer_id)
    if spec is None or not spec.zone_field:
        return zone
    return catalog.field(layer_id, spec.zone_field).label(zone, lang)


def with_zone(feature: str, zone: str | None, lang: str, layer_id: str = "") -> str:
    """A feature name followed by its zone in brackets, unless the name already says it.

    Delineated water-source zones are named like "某取水口 一级保护区（陆域）": adding
    "（一级）" would repeat the grade. With ``layer_id`` the zone is shown by ``zone_label``
    (English: "Grade I").

    Examples
    --------
    >>> with_zone("示例水厂水源", "一级", "zh")
    '示例水厂水源（一级）'
    >>> with_zone("某取水口 一级保护区（陆域）", "一级", "zh")
    '某取水口 一级保护区（陆域）'
    """
    if not zone or zone in feature:
        return feature
    shown = zone_label(layer_id, zone, lang) if layer_id else zone
    return f"{feature}（{shown}）" if lang == "zh" else f"{feature} ({shown})"


def layer_title(layer_id: str, lang: str) -> str:
    """The catalogue title of a layer (e.g. 饮用水水源保护区), or its id when unknown."""
    spec = report_catalog().layers.get(layer_id)
    if spec is None:
        return layer_id
    return (spec.title_en if lang == "en" else spec.title_zh) or layer_id


def project_type_label(type_key: str, lang: str) -> str:
    """The label of a project type (e.g. 畜禽规模养殖场/养殖小区), or its key when unknown."""
    return _type_labels().get(type_key, {}).get(lang, type_key)


def relation_label(relation: str, lang: str) -> str:
    key = f"report.relation.{relation}"
    return load_messages()[key].pick(lang) if key in load_messages() else relation


def bearing_label(bearing_deg: float, lang: str) -> str:
    """Compass direction of a bearing (0 = north, clockwise), e.g. ``东北 45°``."""
    names = _compass(lang)
    idx = int(((bearing_deg % 360) + 22.5) // 45) % 8
    return f"{names[idx]} {bearing_deg % 360:.0f}°"


def _compass(lang: str) -> tuple[str, ...]:
    """The eight compass points N, NE ... NW in ``lang``."""
    return tuple(t("compass", lang).split(","))


def fmt_num(value: float, digits: int = 0) -> str:
    """Thousands-separated number; ``—`` for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def bracket(text: str, lang: str) -> str:
    """`` (text)`` in English, ``（text）`` in Chinese."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def join_list(items: Iterable[str], lang: str) -> str:
    """A list of names: 甲、乙 / A, B."""
    return ("、" if lang == "zh" else ", ").join(items)


def join_items(items: Iterable[str], lang: str) -> str:
    """A list of clauses: 甲；乙 / A; B."""
    return ("；" if lang == "zh" else "; ").join(items)


def _fixed(value: float, digits: int) -> str:
    return fmt_num(value, digits if abs(value) >= 10 ** -digits or value == 0 else digits + 2)


def fmt_area(area_m2: float, lang: str) -> str:
    """An area in whole m² (a tenth below 100 m²) with hectares to 0.01 beside it.

    Examples
    --------
    >>> fmt_area(12_000.0, "zh"), fmt_area(60_000.0, "en"), fmt_area(35.5, "en")
    ('12,000 m²（1.20 公顷）', '60,000 m² (6.00 ha)', '35.5 m² (0.0036 ha)')
    """
    unit = "公顷" if lang == "zh" else "ha"
    m2 = fmt_num(area_m2, 0 if area_m2 >= 100 else 1)
    return f"{m2} m²" + bracket(f"{_fixed(area_m2 / 10_000, 2)} {unit}", lang)


def fmt_length(length_m: float, lang: str) -> str:
    """A length in whole metres with kilometres to 0.01 beside it: ``1,600 m（1.60 千米）``."""
    unit = "千米" if lang == "zh" else "km"
    m = fmt_num(length_m, 0 if length_m >= 100 else 1)
    return f"{m} m" + bracket(f"{_fixed(length_m / 1000, 2)} {unit}", lang)


def fmt_datetime(iso: str, lang: str) -> str:
    """An ISO timestamp as 2026年11月22日 10:00（UTC+08:00）; the text itself when not ISO."""
    try:
        dt = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    offset = dt.strftime("%z")
    tz = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    if lang == "zh":
        text = f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"
        return f"{text}（{tz}）" if tz else text
    text = f"{dt:%Y-%m-%d %H:%M}"
    return f"{text} ({tz})" if tz else text
