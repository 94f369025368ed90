"""Who may open which page — kept in one place: the page list with the role each needs.

DESIGN.md "Who may do what": the public sees the public map and the About page; reviewers
screen, batch, find sites and the saved screenings; admins also manage layers and users.
The roles are enforced on the server, twice: ``ui.frame`` passes ``st.navigation`` only the
pages the session's role may open (a deep link or a websocket request for another page
lands on the role's default page), and every restricted page calls :func:`require_page`
first, which stops the script with a sign-in prompt if the role does not suffice.

``ZONING_OPEN_SCREENING=1`` (a single-user desktop) opens the reviewer pages to everyone;
the admin pages still need an admin.

A page added to the app is one entry of :data:`PAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from zoning.bureau.accounts import role_at_least

__all__ = ["PageSpec", "PAGES", "PAGE_ROLES", "can_open", "require_page", "allowed_pages", "default_page"]


@dataclass(frozen=True)
class PageSpec:
    """One page: its URL path, script, navigation title key, icon and the least role it needs
    (None: everyone, the public included)."""

    name: str
    script: str
    title_key: str
    icon: str
    role: str | None


PAGES: tuple[PageSpec, ...] = (
    PageSpec("public", "pages/public.py", "nav.public", ":material/map:", None),
    PageSpec("screen", "pages/screen.py", "nav.screen", ":material/fact_check:", "reviewer"),
    PageSpec("batch", "pages/batch.py", "nav.batch", ":material/table_view:", "reviewer"),
    PageSpec("sites", "pages/sites.py", "nav.sites", ":material/travel_explore:", "reviewer"),
    PageSpec("history", "pages/history.py", "nav.history", ":material/history:", "reviewer"),
    PageSpec("layers", "pages/layer_admin.py", "nav.layers", ":material/layers:", "admin"),
    PageSpec("users", "pages/users.py", "nav.users", ":material/manage_accounts:", "admin"),
    PageSpec("about", "pages/about.py", "nav.about", ":material/info:", None),
)

#: Page (url path) -> the least role that may open it (None: everyone, the public included).
PAGE_ROLES: dict[str, str | None] = {p.name: p.role for p in PAGES}


def _needed(page: str) -> str | None:
    from ui.auth import open_screening

    role = PAGE_ROLES.get(page, "admin")  # an unknown page is nobody's but an admin's
    if role == "reviewer" and open_screening():
        return None
    return role


def can_open(page: str, role: str | None = None) -> bool:
    """Whether ``role`` (default: the session's) may open ``page``."""
    from ui.auth import current_role

    needed = _needed(page)
    return needed is None or role_at_least(role if role is not None else current_role(), needed)


def allowed_pages(role: str | None = None) -> list[PageSpec]:
    """The pages ``role`` (default: the session's) may open, in navigation order."""
    return [p for p in PAGES if can_open(p.name, role)]


def default_page(pages: list[PageSpec]) -> str:
    """The page the app opens on: the screen page for whoever may screen, else the public map."""
    return "screen" if any(p.name == "screen" for p in pages) else "public"


def require_page(page: str) -> None:
    """First thing in a restricted page: stop here, with a sign-in prompt, unless the
    session's role may open ``page`` (the navigation does not list it then, but a page must
    never rely on that alone)."""
    if can_open(page):
        return
    from ui.i18n import t

    needed = _needed(page) or "reviewer"
    st.warning(t(f"auth.needs_{needed}"), icon=":material/lock:")
    st.stop()
