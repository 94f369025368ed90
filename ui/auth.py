"""Signing in and out in the app, and who the session is (``zoning.bureau.accounts``).

The session token stays on the server (``st.session_state``): the browser never holds it,
so there is nothing to steal from it, and a deep link or a new tab is a new, public
session. Every run asks the database whether the token's session is still alive (idle and
absolute timeouts, account disabled, password changed), so a role can never outlive its
account. Sign-in tries are limited per account name and per client address (the
connection's, ``st.context.ip_address``); a try that comes too early is refused with the
seconds to wait.
"""

from __future__ import annotations

import streamlit as st

from gis.errors import PlanningError
from ui.boundary import visitor_text
from ui.i18n import lang, t
from zoning.bureau.accounts import Session, role_at_least
from zoning.bureau.service import Bureau, open_bureau

__all__ = ["bureau", "current_session", "current_role", "open_screening", "who", "sign_in_box", "TOKEN_KEY",
           "is_reviewer", "is_admin"]  # fmt: skip

TOKEN_KEY = "auth.token"
_NAME_KEY = "auth.name"
_PASSWORD_KEY = "auth.password"
_MESSAGE_KEY = "auth.message"


def bureau() -> Bureau:
    """The bureau's accounts and archive (opened once per process).

    Raises
    ------
    PlanningError
        The settings cannot be read or the database cannot be opened.
    """
    return open_bureau()


def open_screening() -> bool:
    """``ZONING_OPEN_SCREENING``: everyone may screen (a single-user desktop)."""
    try:
        return bureau().settings.open_screening
    except PlanningError:
        return False


def current_session() -> Session | None:
    """The live session of this browser session, or None (public), as the database says now
    (a few reads per run: cheap, and a disabled account is out at its next click)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    try:
        session = bureau().accounts.session(token)
    except PlanningError:
        session = None
    if session is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[_MESSAGE_KEY] = "auth.expired"
    return session


def current_role() -> str:
    """``public``, ``reviewer`` or ``admin``."""
    session = current_session()
    return session.role if session is not None else "public"


def is_reviewer() -> bool:
    return role_at_least(current_role(), "reviewer")


def is_admin() -> bool:
    return role_at_least(current_role(), "admin")


def who() -> str:
    """The account name of the session, for the records (``本机 / local`` on an open desktop)."""
    session = current_session()
    return session.account if session is not None else "本机 / local"


def _client() -> str:
    try:
        return str(st.context.ip_address or "")
    except (AttributeError, RuntimeError):
        return ""


def _sign_in() -> None:
    """The form's callback: check the name and password, keep the token on success."""
    name = str(st.session_state.get(_NAME_KEY, "") or "").strip()
    password = str(st.session_state.get(_PASSWORD_KEY, "") or "")
    st.session_state[_PASSWORD_KEY] = ""  # never kept in the session
    if not name or not password:
        st.session_state[_MESSAGE_KEY] = "auth.missing"
        return
    try:
        outcome = bureau().accounts.sign_in(name, password, client=_client())
    except PlanningError as err:
        st.session_state[_MESSAGE_KEY] = ("auth.error", visitor_text(err.message(lang())))
        return
    if outcome.session is not None:
        st.session_state[TOKEN_KEY] = outcome.session.token
        st.session_state.pop(_MESSAGE_KEY, None)
        return
    if outcome.reason == "wait":
        st.session_state[_MESSAGE_KEY] = ("auth.wait", f"{outcome.wait_s:.0f}")
    elif outcome.reason == "disabled":
        st.session_state[_MESSAGE_KEY] = "auth.disabled"
    else:
        st.session_state[_MESSAGE_KEY] = ("auth.wrong", f"{outcome.wait_s:.0f}") if outcome.wait_s > 0 else "auth.wrong_now"


def _sign_out() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    try:
        bureau().accounts.sign_out(token)
    except PlanningError:
        pass


def _message() -> None:
    message = st.session_state.get(_MESSAGE_KEY)
    if not message:
        return
    if isinstance(message, tuple):
        key, value = message
        text = t(key, seconds=value) if key != "auth.error" else t(key, error=value)
    else:
        text = t(message)
    if message == "auth.expired":
        st.info(text, icon=":material/timer_off:")
        st.session_state.pop(_MESSAGE_KEY, None)
    else:
        st.error(text, icon=":material/lock:")


def sign_in_box() -> None:
    """In the sidebar: who is signed in and a sign-out button, or the sign-in form."""
    session = current_session()
    if session is not None:
        role = t(f"auth.role_{session.role}")
        st.caption(t("auth.signed_in", name=session.account, role=role))
        st.button(t("auth.sign_out"), key="auth.sign_out", icon=":material/logout:", on_click=_sign_out)
        return
    with st.expander(t("auth.sign_in_title"), expanded=bool(st.session_state.get(_MESSAGE_KEY)), icon=":material/login:"):
        with st.form("auth.form", clear_on_submit=False, border=False):
            st.text_input(t("auth.name"), key=_NAME_KEY, autocomplete="username")
            st.text_input(t("auth.password"), key=_PASSWORD_KEY, type="password", autocomplete="current-password")
            st.form_submit_button(t("auth.sign_in"), on_click=_sign_in, icon=":material/login:")
        _message()
