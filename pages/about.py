"""关于与数据 About / data: what the tool decides and does not, where the data comes from, its version."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from gis.errors import PlanningError
from layers.paths import DATA_DIR
from ui.cache import attribution_table, get_layer_versions, get_store, layer_labels, store_ref
from ui.escape import md_text
from ui.frame import require_frame
from ui.i18n import lang, pick, t
from ui.pagekit import error_text
from ui.sidebar import data_version
from ui.tables import status_label

require_frame("about")
st.title(t("about.title"))
st.markdown(t("about.what"))

st.subheader(t("about.decides_title"))
cols = st.columns(2)
cols[0].markdown(t("about.decides"))
cols[1].markdown(t("about.not_decides"))

st.subheader(t("about.verdicts_title"))
st.markdown(t("about.verdicts"))

st.subheader(t("about.data_title"))
try:
    version = data_version()
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
except PlanningError as err:
    st.error(error_text(err), icon=":material/error:")
    st.stop()

# The path is shown in a code span, where Markdown is not read: only a backtick could end it.
st.markdown(t("about.version", sha=version.sha256, short=version.short, date=version.date, path=version.path.replace("`", "'")))
if version.illustrative:
    st.warning(t("common.illustrative_notice") + "\n\n" + t("about.illustrative_detail"), icon=":material/warning:")
labels = layer_labels()
versions = get_layer_versions(ref.path, ref.sha256)


def _version_text(v: Any) -> str:
    if v is None:
        return "—"
    return f"v{v.version} · {str(v.recorded_at)[:10]}" + (f" · {v.label}" if getattr(v, "label", "") else "")


rows = []
for layer_id in version.layer_ids:
    gdf = store.layer(layer_id)
    label = labels.get(layer_id)
    sources = sorted({str(s) for s in gdf.get("source", pd.Series(dtype=object)).dropna().unique()})
    rows.append({
        t("about.col_layer"): pick(label.title_zh, label.title_en) if label else layer_id,
        t("about.col_id"): layer_id,
        t("about.col_features"): len(gdf),
        t("about.col_status"): status_label(store.legal_status(layer_id), lang()),
        t("about.col_version"): _version_text(versions.get(layer_id)),
        t("about.col_source"): "；".join(sources[:3]) + (" …" if len(sources) > 3 else ""),
    })  # fmt: skip
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if version.absent_layers:
    absent = [pick(labels[a].title_zh, labels[a].title_en) if a in labels else a for a in version.absent_layers]
    st.caption(t("about.absent", layers=md_text("、".join(absent) if lang() == "zh" else ", ".join(absent))))

st.subheader(t("about.sources_title"))
sources = attribution_table()
if sources is not None:
    st.dataframe(sources, hide_index=True, width="stretch")
st.markdown(t("about.sources"))
readme = DATA_DIR / "README.md"
if readme.exists():
    with st.expander(t("about.readme")):
        st.markdown(readme.read_text(encoding="utf-8"))

st.subheader(t("about.software_title"))
st.markdown(t("about.software"))
