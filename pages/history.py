"""筛查档案 Saved screenings: find one by number, name, county, date or verdict; open it as it
was saved; re-run it on today's data; see which saved screenings a new layer version affects."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from ui.auth import bureau
from ui.batch_view import batch_map_of, render_batch
from ui.cache import get_rules, get_store, layer_titles, rules_key, store_ref
from ui.frame import require_frame
from ui.history_view import affected_panel, pick_saved, saved_facts, search_form, show_rescreen
from ui.i18n import t
from ui.jobs import heavy_job
from ui.pagekit import result_map_for, stop_on_error
from ui.results import downloads, render_result

require_frame("history")
st.title(t("history.title"))
st.caption(t("history.intro"))

with stop_on_error():
    archive = bureau().archive
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    rules = get_rules(*rules_key())

find, affected = st.tabs([t("history.tab_find"), t("history.tab_affected")])
with affected:
    st.caption(t("history.affected_intro"))
    with stop_on_error():
        affected_panel(store, rules, "history.affected")

with find, stop_on_error():
    filters = search_form("history.search")
    found = archive.find(**filters)
    number = pick_saved(found, "history.search")
    saved = archive.get(number) if number else None
    if saved is None:
        st.stop()
    saved_facts(saved)
    results = list(saved.results)
    if len(results) == 1 and not saved.batch:
        render_result(results[0], titles=layer_titles())
        st_folium(result_map_for(results[0], store), key="history.map", height=440, use_container_width=True,
                  returned_objects=[])  # fmt: skip
    else:
        # A saved batch keeps its projects in file order; 建设单位/项目代码 as they were saved.
        extra = {key: values for key, values in (
            ("batch.col_owner", [r.project.builder for r in results]),
            ("batch.col_code", [r.project.project_code for r in results])) if any(values)}  # fmt: skip
        shown = render_batch(results, types=rules.project_types, file_rows=range(1, len(results) + 1), extra=extra)
        st_folium(batch_map_of(results, shown), key="history.batch_map", height=440, use_container_width=True,
                  returned_objects=[])  # fmt: skip
    downloads(results, stem=saved.number, key_prefix=f"history.{saved.number}", number=saved.number)
    st.subheader(t("history.rescreen_title"))
    st.caption(t("history.rescreen_intro"))
    if st.button(t("history.rescreen"), key="history.rescreen", icon=":material/refresh:", type="primary"):
        with st.spinner(t("history.rescreening")), heavy_job():
            st.session_state["history.again"] = (saved.number, ref.sha256, archive.rescreen(saved.number, store, rules=rules))
    kept = st.session_state.get("history.again")
    if kept is not None and kept[0] == saved.number and kept[1] == ref.sha256:
        show_rescreen(kept[2])
