"""图层管理 Layer manager (admin; URL /layers): bring in an official layer — fields and values mapped to the
catalogue, every problem shown before anything is written — see its versions, compare two on
a map, roll back. Everything through the importer (atomic; each version kept)."""

from __future__ import annotations

import streamlit as st

from gis.errors import PlanningError
from layers.importer import list_versions, rollback
from ui.auth import who
from ui.cache import get_store, store_ref
from ui.escape import md_text
from ui.frame import require_frame
from ui.i18n import pick, t
from ui.jobs import heavy_job
from ui.layer_manager import (
    ADMIN_UPLOAD_TYPES,
    ImportChoice,
    check_import,
    import_options,
    is_read_only,
    mapping_form,
    preview_upload,
    problem_lines,
    run_import,
    show_diff,
    show_problems,
    versions_frame,
)
from ui.pagekit import show_errors, stop_on_error

require_frame("layers")
st.title(t("layers.title"))
st.caption(t("layers.intro"))

with stop_on_error():
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
catalog = store.catalog
read_only = is_read_only(ref.path)
if read_only:
    st.info(t("layers.read_only"), icon=":material/lock:")

layer_ids = [lid for lid in catalog.layers]
layer_id = st.selectbox(t("layers.layer"), options=layer_ids, key="layers.layer",
                        format_func=lambda lid: f"{pick(catalog.layers[lid].title_zh, catalog.layers[lid].title_en)}（{lid}）")  # fmt: skip
spec = catalog.layers[layer_id]

# --- versions --------------------------------------------------------------------------------
st.subheader(t("layers.versions"))
with stop_on_error():
    versions = list_versions(ref.path, layer_id, catalog=catalog)
if not versions:
    st.caption(t("layers.no_versions") if layer_id not in store.layer_ids else t("layers.untracked"))
else:
    st.dataframe(versions_frame(versions), hide_index=True, width="stretch")

kept = [v.version for v in versions if v.available]
if len(kept) >= 2 and spec.has_geometry:
    with st.expander(t("layers.compare"), icon=":material/compare:"):
        cols = st.columns(2)
        v1 = cols[0].selectbox(t("layers.v1"), options=kept, index=len(kept) - 2, format_func=lambda n: f"v{n}", key="layers.v1")
        v2 = cols[1].selectbox(t("layers.v2"), options=kept, index=len(kept) - 1, format_func=lambda n: f"v{n}", key="layers.v2")
        if v1 != v2:
            with show_errors(), st.spinner(t("layers.comparing")), heavy_job():
                show_diff(ref.path, layer_id, v1, v2, catalog)

restorable = [v for v in versions if v.available and not v.current]
if restorable and not read_only:
    with st.expander(t("layers.rollback"), icon=":material/history:"):
        target = st.selectbox(t("layers.rollback_to"), options=[v.version for v in restorable], key="layers.rollback_to",
                              format_func=lambda n: f"v{n}")  # fmt: skip
        if st.button(t("layers.rollback_do", version=target), key="layers.rollback_do", type="primary"):
            with show_errors(), heavy_job():
                done = rollback(ref.path, layer_id, target, rolled_back_by=who(), catalog=catalog)
                st.session_state["layers.done"] = t("layers.rolled_back", version=done.version, previous=done.previous_version)
                st.rerun()

done_message = st.session_state.pop("layers.done", None)
if done_message:
    st.success(md_text(done_message), icon=":material/task_alt:")

# --- a new version -----------------------------------------------------------------------------
st.subheader(t("layers.new_version"))
if read_only:
    st.stop()
upload = st.file_uploader(t("layers.upload"), type=ADMIN_UPLOAD_TYPES, key="layers.upload", help=t("layers.upload_help"))
if upload is None:
    st.stop()
data, name = upload.getvalue(), upload.name
source_layer = st.session_state.get("layers.source_layer")
with stop_on_error(), st.spinner(t("layers.reading")), heavy_job():
    memo = st.session_state.get("layers.preview")
    if memo is None or memo[0] != (upload.file_id, source_layer, layer_id):
        memo = ((upload.file_id, source_layer, layer_id), preview_upload(data, name, source_layer, spec.has_geometry))
        st.session_state["layers.preview"] = memo
    preview = memo[1]
if len(preview.layers) > 1:
    st.selectbox(t("layers.source_layer"), options=list(preview.layers), key="layers.source_layer")
st.caption(t("layers.read", n=preview.count, columns=len(preview.columns), crs=md_text(preview.crs)))

st.markdown(f"#### {t('layers.mapping')}")
st.caption(t("layers.mapping_help"))
field_map, value_map = mapping_form(preview, catalog, layer_id, f"layers.map.{layer_id}")
effective, source_doc, label, status = import_options("layers.options")
choice = ImportChoice(field_map, value_map, effective, source_doc, label, status)
replace = layer_id in store.layer_ids
signature = (upload.file_id, layer_id, preview.layer, choice.signature(), ref.sha256)

cols = st.columns(2)
if cols[0].button(t("layers.check"), key="layers.check", icon=":material/fact_check:"):
    try:
        with st.spinner(t("layers.checking")), heavy_job():
            planned = check_import(ref.path, data, name, layer_id, preview.layer, choice, catalog, by=who(), replace=replace)
        st.session_state["layers.checked"] = (signature, planned, None)
    except PlanningError as err:  # every problem, shown in full before anything is written
        st.session_state["layers.checked"] = (signature, None, problem_lines(err))
checked = st.session_state.get("layers.checked")
ready = checked is not None and checked[0] == signature and checked[1] is not None
if checked is not None and checked[0] == signature:
    if checked[2]:
        show_problems(checked[2])
    else:
        planned = checked[1]
        st.success(t("layers.would", version=planned.version, features=planned.features, crs=md_text(planned.crs),
                     replaced=f"v{planned.replaced_version}" if planned.replaced_version else "—"), icon=":material/check:")  # fmt: skip
        for note in planned.notes:
            st.caption(md_text(str(note)))
        for problem in planned.warnings:
            st.warning(md_text(str(problem)), icon=":material/warning:")
if cols[1].button(t("layers.import"), key="layers.import", type="primary", icon=":material/upload:", disabled=not ready,
                  help=t("layers.import_help")):  # fmt: skip
    bar = st.progress(0.0, text=t("layers.stage_check"))
    with stop_on_error(), heavy_job():
        result = run_import(ref.path, data, name, layer_id, preview.layer, choice, catalog, by=who(), replace=replace,
                            progress=lambda share, text: bar.progress(share, text=text))  # fmt: skip
    st.session_state.pop("layers.checked", None)
    st.session_state["layers.done"] = t("layers.imported", version=result.version, features=result.features)
    st.rerun()
