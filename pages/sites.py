"""选址建议 Site finder: where in an area may this project go — and 比选 of alternative sites."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.cache import get_rules, get_store, rules_key, store_ref
from ui.forms import attribute_inputs, type_picker
from ui.frame import require_frame
from ui.i18n import t
from ui.pagekit import stop_on_error
from ui.sites_view import compare_tab, run_search, search_form, show_search

require_frame("sites")
st.title(t("sites.title"))
st.caption(t("sites.intro"))

with stop_on_error():
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    rules = get_rules(*rules_key())
types = rules.project_types

st.subheader(t("sites.step_what"))
cols = st.columns([2, 3])
with cols[0]:
    type_key = type_picker(types, key=state.SITES_TYPE)
with cols[1]:
    attrs = attribute_inputs(types, type_key, prefix=state.SITES_ATTR_PREFIX) if type_key else {}
if type_key is None:
    st.info(t("sites.waiting_type"), icon=":material/arrow_upward:")
    st.stop()

find, compare = st.tabs([t("sites.tab_find"), t("sites.tab_compare")])
search = None
with find:
    with stop_on_error():
        asked = search_form(store, type_key, attrs)
    if asked is not None:
        search = run_search(store, rules, *asked, store_sha256=ref.sha256)
        if search is not None:
            show_search(search)
with compare:
    compare_tab(store, rules, type_key, attrs, ref.sha256, search)
