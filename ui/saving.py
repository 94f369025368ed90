"""What the screen and batch pages add for reviewers: screening as of a date, and saving a
screening under its report number (``zoning.bureau.archive``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st

from gis.errors import PlanningError
from ui.auth import bureau, who
from ui.boundary import visitor_text
from ui.escape import md_text
from ui.i18n import lang, t
from zoning.model import ScreeningResult
from zoning.report.numbering import content_sha256

__all__ = ["as_of_choice", "store_as_of", "save_box", "saved_number"]


def as_of_choice(key: str) -> str | None:
    """A reviewer's choice to screen against the layer versions in force on a past date;
    None for the current layers."""
    cols = st.columns([1, 2])
    on = cols[0].toggle(t("save.as_of_toggle"), key=f"{key}.on", help=t("save.as_of_help"))
    if not on:
        return None
    day = cols[1].date_input(t("save.as_of_date"), key=f"{key}.day", value=dt.date.today(),
                             max_value=dt.date.today(), min_value=dt.date(1990, 1, 1), format="YYYY-MM-DD")  # fmt: skip
    return day.isoformat() if isinstance(day, dt.date) else None


@st.cache_resource(max_entries=8, show_spinner=False)
def _as_of_view(path: str, sha256: str, day: str, catalog: str) -> Any:
    from layers.asof import open_as_of

    return open_as_of(path, day, catalog=catalog, cache_dir=bureau().settings.data_dir / "asof")


def store_as_of(ref: Any, store: Any, day: str | None) -> Any:
    """``store`` itself, or the store ``ref`` names as it stood on ``day`` (opened once per store version and day).

    Raises
    ------
    PlanningError
        The date is before any data, or a version in force then is no longer kept.
    """
    if day is None:
        return store
    from ui.cache import catalog_ref

    catalog = catalog_ref()
    view = _as_of_view(str(ref.path), ref.sha256, day, catalog.path)
    st.caption(t("save.as_of_note", day=day, versions=md_text(_versions_text(view))))
    return view


def _versions_text(store: Any) -> str:
    versions = getattr(store, "versions", {}) or {}
    parts = [f"{layer} {v.get('label')}（{v.get('effective_date') or '—'}）" for layer, v in sorted(versions.items())]
    return "、".join(parts) or "—"


def saved_number(key_prefix: str, results: Sequence[ScreeningResult]) -> str | None:
    """The number these results were saved under in this session, else None."""
    kept = st.session_state.get(f"{key_prefix}.saved")
    if kept is not None and results and kept[0] == content_sha256(results):
        return str(kept[1])
    return None


def _save(key_prefix: str, results: Sequence[ScreeningResult], batch: bool) -> None:
    try:
        outcome = bureau().archive.save(results, saved_by=who(), batch=batch, source="app")
    except PlanningError as err:
        st.session_state[f"{key_prefix}.save_error"] = visitor_text(err.message(lang()))
        return
    st.session_state.pop(f"{key_prefix}.save_error", None)
    st.session_state[f"{key_prefix}.saved"] = (content_sha256(results), outcome.number, outcome.created, outcome.saved_by)


def save_box(results: Sequence[ScreeningResult], *, key_prefix: str, batch: bool) -> str | None:
    """The 保存 button and, once saved, the number (what the reports then print); the number or None."""
    number = saved_number(key_prefix, results)
    if number is None:
        st.button(t("save.button"), key=f"{key_prefix}.save", icon=":material/save:", type="primary",
                  on_click=_save, args=(key_prefix, list(results), batch), help=t("save.help"))  # fmt: skip
        error = st.session_state.get(f"{key_prefix}.save_error")
        if error:
            st.error(t("save.failed", error=md_text(error)), icon=":material/error:")
        return None
    _, number, created, saved_by = st.session_state[f"{key_prefix}.saved"]
    text = t("save.saved", number=number) if created else t("save.saved_before", number=number, by=md_text(saved_by))
    st.success(text, icon=":material/inventory_2:")
    return str(number)
