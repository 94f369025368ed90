"""Saved screenings and their reports (reviewer key): ``GET /api/v1/screenings/{number}`` and
``GET /api/v1/reports/{number}.pdf|.docx``.

They read a ``zoning.saved.ScreeningStore`` (the settings' ``screenings``: by default the
bureau's, where the app and ``python -m zoning history`` save). A number not saved is
answered 404 "no saved screening with this number" — after the key check, so a client
without a key learns nothing. A report prints the saved number.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool

from zoning.api.auth import Reviewer
from zoning.api.errors import ERROR_SCHEMA, ApiError
from zoning.api.screening import report_response
from zoning.api.state import ServerState, State
from zoning.saved import NUMBER_PATTERN, SavedScreening

__all__ = ["router"]

router = APIRouter(tags=["saved screenings 已保存的筛查"])

_Number = Annotated[str, Path(pattern=NUMBER_PATTERN, description="The screening's number (report number).",
                              openapi_examples={"example": {"value": "EZS-20261206-0001"}})]  # fmt: skip
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for status, text in ((401, "No API key, or not a valid one."), (404, "No saved screening with this number."))
}


def _saved(state: ServerState, number: str) -> SavedScreening:
    store = state.settings.screenings
    record = store.get(number) if store is not None else None
    if record is None:
        en = f"no saved screening with the number {number!r}"
        raise ApiError(404, en, f"没有编号为“{number}”的已保存筛查", code="not_found")
    return record


@router.get("/api/v1/screenings/{number}", summary="A saved screening 已保存的筛查", responses=_ERRORS)
def saved_screening(
    number: _Number, _who: Reviewer, state: State
) -> dict[str, Any]:
    """The screening saved under this number: its facts and results (the screening JSON)."""
    return _saved(state, number).to_dict()


@router.get("/api/v1/reports/{number}.{fmt}", summary="Report of a saved screening 筛查报告", responses=_ERRORS,
            response_class=Response)  # fmt: skip
async def saved_report(
    number: _Number,
    fmt: Annotated[Literal["pdf", "docx"], Path(description="pdf or docx")],
    _who: Reviewer,
    state: State,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The report of the screening saved under this number, as PDF or Word."""
    record = await run_in_threadpool(_saved, state, number)
    return await run_in_threadpool(report_response, list(record.results), fmt, lang=lang, batch=record.batch,
                                  number=record.number)
