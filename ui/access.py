"""Who may open which page — kept in one place.

DESIGN.md ("Users and pages", second round): the site finder is for reviewers. Until the
app has sign-in (the bureau issue), every page is open; then ``can_open`` asks the signed-in
role, and the frame lists only the pages it allows.
"""

from __future__ import annotations

__all__ = ["PAGE_ROLES", "can_open"]

#: Page (url path) -> the least role that may open it (None: everyone, the public included).
PAGE_ROLES: dict[str, str | None] = {
    "screen": None,
    "batch": None,
    "public": None,
    "about": None,
    "sites": "reviewer",
}


def can_open(page: str) -> bool:
    """Whether the current user may open ``page``: every page, until there is sign-in."""
    return page in PAGE_ROLES
