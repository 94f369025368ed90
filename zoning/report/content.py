"""Build the report document (title, number, overview, conclusion, tables, maps) from results.

One function, ``build_document``, turns a list of ``ScreeningResult`` into a format-neutral
``Document``; the DOCX and PDF writers lay that out. A single result gives a project report;
several give a batch report: a summary (counts by conclusion, county and layer, a map of
all projects, a project list) followed by one section per project.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from gis.errors import InputError
from zoning.model import ScreeningResult, worst_verdict
from zoning.report import sections
from zoning.report.comparison import comparison_table
from zoning.report.document import Block, Document, Figure, Heading, KeyValues, PageBreak, Paragraph, Table
from zoning.report.fonts import missing_chars
from zoning.report.i18n import (
    ILLUSTRATIVE_MARK,
    bracket,
    catalog_of,
    check_lang,
    fmt_datetime,
    join_list,
    layer_title,
    project_type_label,
    t,
    verdict_label,
    with_zone,
)
from zoning.report.maps import batch_map, comparison_map
from zoning.report.numbering import heading_number, report_number
from zoning.report.sections import MapPolicy
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["build_document", "report_number", "MapPolicy", "DEFAULT_MAX_MAPS"]

#: Maps a batch report draws at most (overview + detail maps together). Each map costs
#: ~0.3 s and ~100 KB; past this the GeoPackage export carries the geometry instead.
DEFAULT_MAX_MAPS = 40
#: Batches up to this size get an overview map per conflicting project, larger ones only detail maps.
OVERVIEW_MAPS_UP_TO = 10

_CST = timezone(timedelta(hours=8))


def build_document(
    results: Sequence[ScreeningResult],
    *,
    lang: str = "zh",
    store: StoreLike | None = None,
    zones: ReportZones | None = None,
    maps: bool = True,
    max_maps: int = DEFAULT_MAX_MAPS,
    details: bool = True,
    printed_at: datetime | None = None,
    comparison: bool = False,
) -> Document:
    """The report for ``results`` as a format-neutral document.

    Parameters
    ----------
    results
        One result (project report) or several (batch report), as returned by ``zoning.engine.screen``.
    lang
        ``"zh"`` (default) or ``"en"``.
    store
        The zone store the results were screened against; by default ``results[0].data.zones``
        is opened and checked against the recorded sha256. Zones feed the maps and layer sources.
    zones
        A prepared ``ReportZones`` (overrides ``store``; lets one store serve several reports).
    maps
        Draw maps (False for fast tables-only documents).
    max_maps
        Budget of maps for a batch report; a single project always gets all its maps.
    details
        Batch only: include one section per project (False: summary and project list only).
    printed_at
        The report generation time (default: now, UTC+8).
    comparison
        Several results are alternative sites of one project (选址方案比选): the report opens
        with their side-by-side table and map (``comparison.comparison_table``).

    Raises
    ------
    InputError
        If ``results`` is empty or ``lang`` is not supported.
    """
    lang = check_lang(lang)
    if not results:
        msg = "a report needs at least one screening result; got none"
        raise InputError(msg)
    zones = zones if zones is not None else ReportZones.for_results(results, store=store)
    # titles and zone labels from the catalogue of the store screened against
    with catalog_of(zones.store):
        printed = printed_at or datetime.now(_CST)
        single = len(results) == 1
        illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
        policy = MapPolicy(max_maps=max_maps if maps else 0, overview=single or len(results) <= OVERVIEW_MAPS_UP_TO,
                           single=single)
        blocks: list[Block] = []
        compare = comparison and not single
        if single:
            blocks += sections.project_blocks(results[0], zones, lang=lang, policy=policy, maps=maps, batch=False,
                                              figure_start=1)
        else:
            if compare:
                blocks += _comparison_blocks(results, zones, lang=lang, policy=policy, maps=maps)
            blocks += _batch_blocks(results, zones, lang=lang, policy=policy, maps=maps, details=details,
                                    start=2 if compare else 1,
                                    figure_start=1 + sum(1 for b in blocks if isinstance(b, Figure)))
        tail_level = 1
        tail_index = _count_top_headings(blocks) + 1
        blocks += sections.data_blocks(results, zones, lang=lang, level=tail_level, index=tail_index)
        blocks += sections.notes_blocks(results, zones, lang=lang, level=tail_level, index=tail_index + 1,
                                        capped=_cap_note(policy, results, lang))
        blocks = _glyph_note(blocks, lang)
        blocks += sections.closing_blocks(lang=lang, level=tail_level, index=tail_index + 2)
        return Document(
            lang=lang,
            title=t("title" if single else ("title_comparison" if compare else "title_batch"), lang),
            subtitle=(results[0].project.name if single
                      else t("projects_count", lang) + t("colon", lang) + str(len(results))),
            number=report_number(results),
            meta=_meta(results, printed, lang),
            blocks=tuple(blocks),
            mark=ILLUSTRATIVE_MARK[lang] if illustrative else "",
            banner=t("illustrative_banner", lang) if illustrative else "",
            header=t("title" if single else ("title_comparison" if compare else "title_batch"), lang),  # every page names the report its title names
            page_label=t("page", lang, page="{page}", pages="{pages}"),
        )


def _meta(results: Sequence[ScreeningResult], printed: datetime, lang: str) -> tuple[tuple[str, str], ...]:
    stamps = sorted({r.generated_at for r in results})
    screened = fmt_datetime(stamps[0], lang)
    if len(stamps) > 1:
        screened += " — " + fmt_datetime(stamps[-1], lang)
    rows = [(t("report_no", lang), report_number(results)), (t("screened_at", lang), screened),
            (t("printed_at", lang), fmt_datetime(printed.isoformat(timespec="minutes"), lang))]
    return tuple(rows)


def _count_top_headings(blocks: Sequence[Block]) -> int:
    return sum(1 for b in blocks if isinstance(b, Heading) and b.level == 1)


def _cap_note(policy: MapPolicy, results: Sequence[ScreeningResult], lang: str) -> str:
    if policy.single or not policy.skipped_projects:
        return ""
    n = sum(1 for r in results if r.conflicts)
    return t("maps_capped", lang, k=policy.drawn_projects, n=n)


def _comparison_blocks(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str, policy: MapPolicy,
                       maps: bool) -> list[Block]:
    """选址方案比选: the side-by-side table and a map of every site over the zones."""
    header, rows = comparison_table(results, lang=lang)
    first = 0.16 if len(results) > 3 else 0.2
    rest = (1.0 - first) / len(results)
    blocks: list[Block] = [Heading(heading_number(1, 1, lang) + t("sec_comparison", lang), 1),
                           Paragraph(t("cmp_intro", lang, n=len(results)), "note"),
                           Table(tuple(header), tuple(tuple(r) for r in rows), (first, *([rest] * len(results))),
                                 font_size=7.5 if len(results) > 3 else 8.0)]
    if maps and policy.take(1):
        img = comparison_map(results, zones, lang=lang)
        blocks.append(Figure(img.png, t("map_comparison", lang, n=1) + "\n" + t("map_crs_note", lang, crs=img.crs),
                             img.width_px, img.height_px))
    blocks.append(PageBreak())
    return blocks


def _batch_blocks(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str, policy: MapPolicy,
                  maps: bool, details: bool, start: int = 1, figure_start: int = 1) -> list[Block]:
    blocks: list[Block] = [Heading(heading_number(1, start, lang) + t("sec_summary", lang), 1)]
    blocks += _summary_tables(results, lang)
    figure_no = figure_start
    if maps and policy.take(1):
        img = batch_map(results, zones, lang=lang)
        blocks.append(Figure(img.png, t("map_batch", lang, n=figure_no) + "\n" + t("map_crs_note", lang, crs=img.crs),
                             img.width_px, img.height_px))
        figure_no += 1
    blocks.append(Heading(heading_number(1, start + 1, lang) + t("sec_project_list", lang), 1))
    blocks.append(_project_list(results, lang))
    if not details:
        return blocks
    blocks.append(Heading(heading_number(1, start + 2, lang) + t("sec_projects", lang), 1))
    for i, result in enumerate(results, start=1):
        blocks.append(PageBreak())
        blocks.append(Heading(t("project_heading", lang, i=i, name=result.project.name), 2))
        section = sections.project_blocks(result, zones, lang=lang, policy=policy, maps=maps, batch=True,
                                          figure_start=figure_no)
        figure_no += sum(1 for b in section if isinstance(b, Figure))
        blocks += section
    blocks.append(PageBreak())
    return blocks


def _summary_tables(results: Sequence[ScreeningResult], lang: str) -> list[Block]:
    n = len(results)
    blocks: list[Block] = [Paragraph(t("summary_verdicts", lang), "note")]
    rows = []
    levels = []
    for verdict in ("prohibited", "conditional", "review", "clear"):
        count = sum(1 for r in results if r.verdict == verdict)
        rows.append((verdict_label(verdict, lang), str(count), f"{100 * count / n:.1f}"))
        levels.append(verdict)
    rows.append((t("total", lang), str(n), "100.0"))
    levels.append("")
    blocks.append(Table((t("col_conclusion", lang), t("col_count", lang), t("col_share", lang)),
                        tuple(rows), (0.4, 0.3, 0.3), row_levels=tuple(levels), numeric=(False, True, True)))
    blocks.append(Paragraph(t("summary_counties", lang), "note"))
    blocks.append(_county_table(results, lang))
    blocks.append(Paragraph(t("summary_layers", lang), "note"))
    blocks.append(_layer_table(results, lang))
    return blocks


def _county_table(results: Sequence[ScreeningResult], lang: str) -> Table:
    order = ("prohibited", "conditional", "review", "clear")
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        county = r.project.county or t("unknown", lang)
        counts.setdefault(county, dict.fromkeys(order, 0))[r.verdict] += 1
    rows = []
    for county in sorted(counts, key=lambda c: (-sum(counts[c].values()), c)):
        row = counts[county]
        rows.append((county, *(str(row[v]) for v in order), str(sum(row.values()))))
    cols = (t("county_short", lang), *(verdict_label(v, lang) for v in order), t("total", lang))
    return Table(cols, tuple(rows), (0.3, 0.14, 0.14, 0.14, 0.14, 0.14), numeric=(False, True, True, True, True, True))


def _layer_table(results: Sequence[ScreeningResult], lang: str) -> Table:
    order = ("prohibited", "conditional", "review")
    per_layer: dict[str, dict[str, set[int]]] = {}
    for i, r in enumerate(results):
        for c in r.conflicts:
            per_layer.setdefault(c.layer, {v: set() for v in order})[c.verdict].add(i)
    rows = []
    for layer, by_verdict in sorted(per_layer.items()):
        hit = set().union(*by_verdict.values())
        rows.append((layer_title(layer, lang), str(len(hit)), *(str(len(by_verdict[v])) for v in order)))
    if not rows:
        rows.append((t("none", lang), "0", "0", "0", "0"))
    cols = (t("col_layer", lang), t("projects_hit", lang), *(verdict_label(v, lang) for v in order))
    return Table(cols, tuple(rows), (0.36, 0.16, 0.16, 0.16, 0.16), numeric=(False, True, True, True, True))


def _project_list(results: Sequence[ScreeningResult], lang: str) -> Table:
    rows = []
    for i, r in enumerate(results, start=1):
        main = ""
        if r.conflicts:
            worst = worst_verdict(c.verdict for c in r.conflicts)
            c = next(c for c in r.conflicts if c.verdict == worst)
            main = f"{layer_title(c.layer, lang)}{t('colon', lang)}{with_zone(c.feature, c.zone, lang, c.layer)}"
        rows.append((str(i), r.project.name, project_type_label(r.project.type, lang),
                     r.project.county or "—", verdict_label(r.verdict, lang), str(len(r.conflicts)), main))
    cols = (t("col_no", lang), t("col_project", lang), t("type", lang), t("county_short", lang),
            t("col_conclusion", lang), t("col_conflicts", lang), t("col_main_conflict", lang))
    # English verdicts ("Needs review", "Conditional") need a wider column
    widths = (0.06, 0.2, 0.16, 0.11, 0.1, 0.07, 0.3) if lang == "zh" else (
        0.05, 0.15, 0.16, 0.1, 0.13, 0.1, 0.31)
    return Table(cols, tuple(rows), widths, row_levels=tuple(r.verdict for r in results), font_size=8.0)


def _glyph_note(blocks: list[Block], lang: str) -> list[Block]:
    """Append a note listing characters the font lacks (they print as 〓)."""
    texts: list[str] = []
    for b in blocks:
        if isinstance(b, (Heading, Paragraph)):
            texts.append(b.text)
        elif isinstance(b, Table):
            texts += [cell for row in b.rows for cell in row]
        elif isinstance(b, KeyValues):
            texts += [cell for row in b.rows for cell in row]
    missing = missing_chars("".join(texts))
    if not missing:
        return blocks
    listed = join_list((ch + bracket(f"U+{ord(ch):04X}", lang) for ch in missing[:50]), lang)
    return [*blocks, Paragraph(t("glyph_note", lang, chars=listed), "small")]
