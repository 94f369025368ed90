"""批量审查 Batch review: screen a file of many projects, review, filter, chart and export.

A row with a bad cell is set aside with its reason and every other row is screened; the
filters choose the projects the table, the map, the project detail and the downloads show.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from ui import state
from ui.batch_view import batch_map_of, batch_projects, column_mapping, render_batch, render_detail, show_row_problems
from ui.boundary import visitor_text
from ui.cache import get_rules, get_store, rules_key, store_ref
from ui.escape import md_text, safe_filename
from ui.forms import upload_input
from ui.frame import require_frame
from ui.i18n import one_language, t
from ui.limits import check_batch
from ui.pagekit import result_map_for, show_errors, stop_on_error
from ui.results import downloads, limits_notice
from ui.saving import as_of_choice, save_box, store_as_of
from ui.screening import input_signature, screen_memo
from ui.search import SearchKeys, located_map, search_box

_SEARCH = SearchKeys("batch")

require_frame("batch")
st.title(t("batch.title"))
st.caption(t("batch.intro"))

with stop_on_error():
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    rules = get_rules(*rules_key())
types = rules.project_types

st.subheader(t("batch.step_file"))
with stop_on_error():
    parsed = upload_input(key=state.BATCH_UPLOAD, layer_key=state.BATCH_UPLOAD_LAYER, crs_key=state.BATCH_UPLOAD_CRS,
                          help_key="batch.upload_help", table_columns=True)  # fmt: skip
if parsed is None:
    st.info(t("batch.waiting_file"), icon=":material/upload_file:")
    st.stop()
with stop_on_error():
    check_batch(parsed.count, parsed.label)  # before any column mapping or screening
st.caption(t("batch.read_n", n=parsed.count, file=md_text(parsed.label)))
for note in parsed.notes:
    st.info(visitor_text(one_language(note)), icon=":material/sync_alt:")

st.subheader(t("batch.step_columns"))
mapping = column_mapping(parsed, types)
if mapping is None:
    st.stop()

with stop_on_error():
    rows = batch_projects(parsed, mapping, types)
show_row_problems(rows)
if not rows.projects:
    st.error(t("batch.no_good_rows"), icon=":material/error:")
    st.stop()
projects = list(rows.projects)

st.subheader(t("batch.step_run"))
as_of = as_of_choice(state.BATCH_AS_OF)
with stop_on_error():
    screened = store_as_of(ref, store, as_of)
store_key = f"{screened.sha256}@{as_of or ''}"
signature = input_signature(projects, store_sha256=store_key, rules_sha256=rules.sha256, tolerance_m=5.0, near_m=5000.0)
kept = st.session_state.get(state.BATCH_RESULT)
have_results = kept is not None and kept[0] == signature
run = st.button(t("batch.run", n=len(projects)), key=state.BATCH_RUN, type="primary", icon=":material/play_arrow:",
                disabled=have_results, on_click=st.session_state.pop, args=(state.BATCH_CANCELLED, None))  # fmt: skip
if not (run or have_results):
    if st.session_state.get(state.BATCH_CANCELLED):
        st.info(t("batch.cancelled"), icon=":material/cancel:")
    st.stop()

with stop_on_error():
    cancel = st.empty()
    if not have_results:
        # A click stops the run at the next chunk (Streamlit interrupts a running script when
        # a widget changes); nothing of the unfinished batch is kept.
        cancel.button(t("batch.cancel"), key=state.BATCH_CANCEL, icon=":material/cancel:",
                      on_click=st.session_state.__setitem__, args=(state.BATCH_CANCELLED, True))  # fmt: skip
    bar = st.progress(0.0, text=t("batch.progress", done=0, total=len(projects)))
    results = screen_memo(
        state.BATCH_RESULT, projects, store=screened, rules=rules, store_sha256=store_key,
        progress=lambda done, total: bar.progress(done / max(total, 1), text=t("batch.progress", done=done, total=total)),
    )  # fmt: skip
    bar.empty()
    cancel.empty()

gdf = parsed.features.gdf
extra = {key: [gdf[column].iloc[row - 1] for row in rows.rows] for key, column in mapping.extra_cols.items()}
shown = render_batch(results, types=types, file_rows=rows.rows, extra=extra)
detail = render_detail(results, shown, rows.rows)
if detail is not None:
    st.markdown(f"**{t('screen.result_map')}**")
    st_folium(result_map_for(detail, store), key=f"{state.BATCH_MAP}.detail", height=420, use_container_width=True,
              returned_objects=[])
st.subheader(t("batch.map_title"))
with show_errors():
    search_box(_SEARCH)
located_map(batch_map_of(results, shown), _SEARCH, key=state.BATCH_MAP, height=520, returned_objects=[])
limits_notice()
number = save_box(results, key_prefix="batch", batch=True)
filtered = [results[i] for i in shown]
st.caption(t("batch.downloads_filtered", n=len(filtered), total=len(results)))
if filtered:
    # The saved number names the whole batch: a filtered download is not that record.
    downloads(filtered, stem=f"batch-{safe_filename(parsed.label.rsplit('.', 1)[0])}", key_prefix="batch",
              number=number if len(filtered) == len(results) else None)
