"""Small building blocks the pages repeat: error boundary, 'here is what we read', result map."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from gis.errors import PlanningError
from ui.boundary import visitor_text
from ui.cache import get_base_display, layer_labels
from ui.components import LayerMeta, build_map, result_map
from ui.escape import md_text
from ui.i18n import lang, one_language, pick, t
from ui.inputs import Measures, ParsedInput
from ui.sidebar import online_tiles

__all__ = ["error_text", "stop_on_error", "show_errors", "show_parsed", "result_map_for", "layer_meta"]


def error_text(err: PlanningError) -> str:
    """The message of ``err`` in the page's language (Chinese where the core wrote it, else
    the English), after the common "cannot process the input" prefix — as Markdown that
    shows the message as text: it quotes file names and values from the user's input."""
    return t("common.error_prefix") + visitor_text(err.message(lang()))


@contextmanager
def stop_on_error() -> Iterator[None]:
    """The page boundary: a PlanningError (bad input, unreadable file, bad data) becomes a
    clear message on the page and stops the run; anything else is a bug and propagates."""
    try:
        yield
    except PlanningError as err:
        st.error(error_text(err), icon=":material/error:")
        st.stop()


@contextmanager
def show_errors() -> Iterator[None]:
    """Like :func:`stop_on_error`, but the rest of the page still runs (for side panels
    whose failure should not take the map away)."""
    try:
        yield
    except PlanningError as err:
        st.error(error_text(err), icon=":material/error:")


def show_parsed(parsed: ParsedInput, measures: Measures, *, show_map: bool) -> None:
    """Show back what was read: geometry type, size, conversions — before any screening."""
    cols = st.columns(3)
    cols[0].metric(t("parsed.geometry"), md_text(_geometry_label(measures.geometry_type)))  # a metric's value is Markdown
    if measures.area_m2 > 0:
        cols[1].metric(t("parsed.area"), f"{measures.area_m2:,.0f} m²", help=f"{measures.area_m2 / 10_000:,.3f} ha")
    elif measures.length_m > 0:
        cols[1].metric(t("parsed.length"), f"{measures.length_m:,.0f} m")
    crs = str(parsed.features.input_crs)
    cols[2].metric(t("parsed.input_crs"), t(f"crs_short.{crs}") if _known_crs(crs) else md_text(crs))
    for note in parsed.notes:
        st.info(visitor_text(one_language(note)), icon=":material/sync_alt:")
    if show_map:
        geoms = parsed.geometries_lonlat()
        minx, miny, maxx, maxy = _bounds(geoms)
        pad = max(maxx - minx, maxy - miny, 0.01) * 0.6
        m = build_map(lang=lang(), bounds=(minx - pad, miny - pad, maxx + pad, maxy + pad), base=get_base_display(),
                      project=geoms[-1], online=online_tiles(), legend=False)  # fmt: skip
        st_folium(m, key="parsed.map", height=320, use_container_width=True, returned_objects=[])


def _bounds(geoms: list[Any]) -> tuple[float, float, float, float]:
    import shapely

    return tuple(shapely.union_all(geoms).bounds)


def _known_crs(value: str) -> bool:
    from ui.i18n import has_message

    return has_message(f"crs_short.{value}")


def _geometry_label(geometry_type: str) -> str:
    from ui.i18n import has_message

    parts = []
    for part in geometry_type.split("/"):
        key = f"geom.{part}"
        parts.append(t(key) if has_message(key) else part)
    return "、".join(parts) if lang() == "zh" else ", ".join(parts)


def layer_meta(store: Any) -> dict[str, LayerMeta]:
    """Titles, zone fields and legal status of the store's layers a map can draw (not an
    attribute table such as the access list), in the user's language."""
    labels = layer_labels()
    catalog = getattr(store, "catalog", None)
    out = {}
    for layer_id in store.layer_ids:
        spec = catalog.layers.get(layer_id) if catalog is not None else None
        if spec is not None and not spec.has_geometry:
            continue
        label = labels.get(layer_id)
        title = pick(label.title_zh, label.title_en) if label else layer_id
        out[layer_id] = LayerMeta(title, label.zone_field if label else None, store.legal_status(layer_id))
    return out


def result_map_for(result: Any, store: Any) -> Any:
    """The result map of one screening (project, conflicting zones, overlap, zones around)."""
    meta = layer_meta(store)
    layers = {lid: store.layer(lid) for lid in meta}
    return result_map(result, layers=layers, meta=meta, base=get_base_display(), lang=lang(), online=online_tiles())
