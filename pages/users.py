"""用户管理 Users (admin): the accounts, a new account, disabling, a new password, a role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gis.errors import PlanningError
from ui.auth import bureau, who
from ui.escape import md_text
from ui.frame import require_frame
from ui.i18n import t
from ui.pagekit import error_text, stop_on_error
from zoning.bureau.accounts import ACCOUNT_ROLES

require_frame("users")
st.title(t("users.title"))
st.caption(t("users.intro"))

_SHOWN = "users.shown_password"  # (account, password) shown once after it was made


def _run(action: str, name: str, fn, *args) -> None:  # noqa: ANN001 - a callback's pieces
    """A button's callback: do it, keep what to say (a generated password is shown once)."""
    try:
        password = fn(*args)
    except PlanningError as err:
        st.session_state["users.message"] = ("error", error_text(err))
        return
    st.session_state["users.message"] = ("ok", t(f"users.done_{action}", name=name))
    if isinstance(password, str):
        st.session_state[_SHOWN] = (name, password)


with stop_on_error():
    accounts = bureau().accounts
    listed = accounts.all()

message = st.session_state.pop("users.message", None)
if message:
    (st.success if message[0] == "ok" else st.error)(md_text(message[1]))
shown = st.session_state.pop(_SHOWN, None)
if shown:
    st.warning(t("users.password_once", name=md_text(shown[0]), password=md_text(shown[1])), icon=":material/key:")

st.dataframe(pd.DataFrame({
    t("users.col_name"): [a.name for a in listed],
    t("users.col_role"): [t(f"auth.role_{a.role}") for a in listed],
    t("users.col_state"): [t("users.disabled") if a.disabled else t("users.enabled") for a in listed],
    t("users.col_created"): [f"{a.created_at[:16].replace('T', ' ')} · {a.created_by}" for a in listed],
    t("users.col_last"): [(a.last_sign_in or "")[:16].replace("T", " ") for a in listed],
}), hide_index=True, width="stretch")  # fmt: skip

add, change = st.columns(2)
with add, st.form("users.add", clear_on_submit=True):
    st.markdown(f"#### {t('users.add_title')}")
    name = st.text_input(t("users.col_name"), key="users.new_name")
    role = st.selectbox(t("users.col_role"), options=list(ACCOUNT_ROLES), format_func=lambda r: t(f"auth.role_{r}"),
                        key="users.new_role")  # fmt: skip
    st.caption(t("users.generated"))
    if st.form_submit_button(t("users.add"), icon=":material/person_add:"):
        _run("add", name, lambda: accounts.add(name, role=role, by=who()))
        st.rerun()

with change:
    st.markdown(f"#### {t('users.change_title')}")
    names = [a.name for a in listed]
    if names:
        chosen = st.selectbox(t("users.col_name"), options=names, key="users.chosen")
        account = next(a for a in listed if a.name == chosen)
        cols = st.columns(3)
        if account.disabled:
            cols[0].button(t("users.enable"), key="users.enable", on_click=_run,
                           args=("enable", chosen, accounts.set_disabled, chosen, False))  # fmt: skip
        else:
            cols[0].button(t("users.disable"), key="users.disable", on_click=_run,
                           args=("disable", chosen, accounts.set_disabled, chosen, True))  # fmt: skip
        cols[1].button(t("users.reset"), key="users.reset", on_click=_run, args=("reset", chosen, accounts.set_password, chosen))
        other = "admin" if account.role == "reviewer" else "reviewer"
        cols[2].button(t(f"users.make_{other}"), key="users.role", on_click=_run,
                       args=("role", chosen, accounts.set_role, chosen, other))  # fmt: skip
