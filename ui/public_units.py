"""The public map's answer about control units: which 环境管控单元 a place lies in, and the
生态环境准入清单 that holds there (general lists, then the unit's own or its category's
defaults) — ``zoning.lookup.units_at`` in words.

Unit names and clause texts are data: they are shown in plain-text tables (``st.dataframe``)
only, never as Markdown or HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui.cache import get_store, store_ref
from ui.i18n import Lang, lang, pick, t, tr
from ui.tables import status_label, verdict_label
from zoning.lookup import PlaceClause, PlaceLists, UnitAnswer, units_at
from zoning.model import confidence_label
from zoning.report.compliance import category_label, dimension_label

__all__ = ["render_units_answer", "unit_frame", "list_frame"]


def unit_frame(units: tuple[UnitAnswer, ...], language: Lang) -> pd.DataFrame:
    rows = [
        {
            tr("table.unit_code", language): u.code,
            tr("table.unit_name", language): u.name,
            tr("table.unit_category", language): category_label(u.category, language),
            tr("table.unit_subtype", language): u.subtype,
            tr("table.legal_status", language): status_label(u.legal_status, language),
        }
        for u in units
    ]
    keys = ("unit_code", "unit_name", "unit_category", "unit_subtype", "legal_status")
    return pd.DataFrame(rows, columns=[tr(f"table.{k}", language) for k in keys])


def _clause_row(c: PlaceClause, list_name: str, language: Lang) -> dict[str, Any]:
    return {
        tr("table.list", language): list_name,
        tr("table.dimension", language): dimension_label(c.dimension, language),
        tr("table.requirement", language): c.text,
        tr("table.applies_to", language): pick(c.types_zh, c.types_en, language),
        tr("table.verdict", language): verdict_label(c.verdict, language) if c.verdict else "—",
        tr("table.basis", language): c.basis,
        tr("table.confidence", language): confidence_label(c.confidence, language),
    }


def list_frame(answer: PlaceLists, unit: UnitAnswer, language: Lang) -> pd.DataFrame:
    """The general lists at the place, then the unit's own clauses or its category defaults."""
    rows = [_clause_row(c, tr("public.list_general", language, scope=c.scope), language) for c in answer.general]
    rows += [_clause_row(c, tr("public.list_own", language), language) for c in unit.own]
    for line in unit.defaults:
        rows.append(
            {
                tr("table.list", language): tr("public.list_default", language, rule=line.rule_id),
                tr("table.dimension", language): "—",
                tr("table.requirement", language): pick(line.condition_zh, line.condition_en, language),
                tr("table.applies_to", language): pick(line.types_zh, line.types_en, language),
                tr("table.verdict", language): verdict_label(line.verdict, language),
                tr("table.basis", language): line.basis,
                tr("table.confidence", language): confidence_label(line.confidence, language),
            }
        )
    keys = ("list", "dimension", "requirement", "applies_to", "verdict", "basis", "confidence")
    return pd.DataFrame(rows, columns=[tr(f"table.{k}", language) for k in keys])


def render_units_answer(rules: Any, *, lon: float, lat: float) -> None:
    """The unit(s) at (lon, lat) and their lists; nothing when the store has no units or the
    place lies outside it."""
    language = lang()
    ref = store_ref()
    answer = units_at(get_store(ref.path, ref.sha256), lon, lat, rules=rules)
    if answer.unit_layer is None or not answer.inside_store:
        return
    st.markdown(f"**{t('public.units_title')}**")
    if not answer.covered:
        st.caption(t("public.units_no_data"))
        return
    if not answer.units:
        st.caption(t("public.units_none"))
        return
    st.dataframe(unit_frame(answer.units, language), hide_index=True, width="stretch")
    st.caption(t("public.units_list"))
    for unit in answer.units:
        st.dataframe(list_frame(answer, unit, language), hide_index=True, width="stretch")
