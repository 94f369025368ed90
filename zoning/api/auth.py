"""The API's access checks as FastAPI dependencies, all through ``zoning.api.keys.authorise``.

``screener``: who may ``POST /api/v1/screen`` (a reviewer key, or anyone when the
settings open screening); ``reviewer``: saved screenings and reports (a reviewer key always).
Both schemes (``Authorization: Bearer`` and ``X-API-Key``) appear in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from zoning.api.keys import Principal, authorise
from zoning.api.state import State

__all__ = ["screener", "reviewer", "Screener", "Reviewer"]

_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="An API key as a bearer token: `Authorization: Bearer ezs_…`")  # fmt: skip
_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                       description="An API key in the `X-API-Key` header")  # fmt: skip


def _token(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    return header or (bearer.credentials if bearer is not None else None)


def screener(
    state: State,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_header)],
) -> Principal:
    """A reviewer key, or anyone when ``open_screening`` is set."""
    settings = state.settings
    return authorise(_token(bearer, header), "reviewer", keys_file=settings.keys_file,
                     open_access=settings.open_screening)  # fmt: skip


def reviewer(
    state: State,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_header)],
) -> Principal:
    """A key of the reviewer role or above."""
    return authorise(_token(bearer, header), "reviewer", keys_file=state.settings.keys_file)


#: A route parameter: who may screen (see ``screener``).
Screener = Annotated[Principal, Depends(screener)]
#: A route parameter: a reviewer key (see ``reviewer``).
Reviewer = Annotated[Principal, Depends(reviewer)]
