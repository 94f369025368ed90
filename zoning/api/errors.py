"""How the HTTP API says no: the CLI's bilingual message, the right status, never a traceback.

Every error answer has one shape::

    {"error": {"code": "bad_input", "status": 422,
               "message": "错误：…\\nError: …",   # exactly what the CLI prints (gis.errors.error_text)
               "zh": "…", "en": "…"}}

* a ``PlanningError`` (the product's bad-input hierarchy) -> 400 when the body cannot be read
  as a project (``DataSourceError``, ``CRSError``, ``GeometryError``), 422 when it was read but
  a value is wrong (unknown type or attribute, bad value: ``InputError`` and the rest);
* a query or path parameter of the wrong form -> 422 naming the parameter and the value;
* :class:`ApiError` (401 no key, 403 role, 404, 406, 413 too large, 415; 503 when the zone
  store or the key file cannot be read — the server's trouble, logged with a reference) -> its status;
* anything else is a bug: logged with a reference number, answered 500 with that number
  and no detail of the server.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis.errors import CRSError, DataSourceError, GeometryError, PlanningError, error_text

__all__ = ["ApiError", "error_payload", "planning_status", "install_error_handlers", "read_body", "ERROR_SCHEMA"]

log = logging.getLogger(__name__)

#: The error answer's JSON schema (OpenAPI).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "status", "message", "zh", "en"],
            "properties": {
                "code": {"type": "string", "example": "bad_input"},
                "status": {"type": "integer", "example": 422},
                "message": {"type": "string", "description": "What the CLI prints: 错误：<中文> then Error: <English>"},
                "zh": {"type": "string"},
                "en": {"type": "string"},
                "reference": {"type": "string", "description": "500 only: the number the server logged"},
            },
        }
    },
}


class ApiError(Exception):
    """An answer other than 200, with its bilingual message.

    Parameters
    ----------
    status
        HTTP status.
    en, zh
        The message in English and Chinese.
    code
        A short machine-readable word (``unauthorised``, ``not_found``...).
    headers
        Extra response headers (``WWW-Authenticate`` for 401).
    """

    def __init__(self, status: int, en: str, zh: str, *, code: str,
                 headers: Mapping[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(en)
        self.status = status
        self.en = en
        self.zh = zh
        self.code = code
        self.headers = dict(headers or {})


def error_payload(status: int, code: str, en: str, zh: str | None, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error answer (see the module notes)."""
    return {
        "error": {"code": code, "status": status, "message": error_text(en, zh), "zh": zh or en, "en": en, **extra}
    }


def planning_status(err: PlanningError) -> int:
    """400 when the input could not be read as a project at all, 422 when a value is wrong."""
    return 400 if isinstance(err, DataSourceError | CRSError | GeometryError) else 422


def _json(status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(dict(payload), status_code=status, headers=dict(headers or {}))


def _planning(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, PlanningError)
    status = planning_status(err)
    code = "unreadable_input" if status == 400 else "bad_input"
    return _json(status, error_payload(status, code, str(err), err.zh))


def _api(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ApiError)
    return _json(err.status, error_payload(err.status, err.code, err.en, err.zh), err.headers)


_HTTP_TEXTS = {
    404: ("not_found", "no such address here; see /api/docs and /ogc", "没有这个地址；可用的接口见 /api/docs 和 /ogc"),
    405: ("method_not_allowed", "this method is not allowed at this address", "此地址不支持该请求方法"),
}


def _http(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, StarletteHTTPException)
    code, en, zh = _HTTP_TEXTS.get(err.status_code, ("http_error", str(err.detail), str(err.detail)))
    return _json(err.status_code, error_payload(err.status_code, code, en, zh), getattr(err, "headers", None))


#: Chinese for pydantic's error types; the English comes from pydantic itself.
_VALIDATION_ZH = {
    "missing": "缺少必填参数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "finite_number": "应为有限数值",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "string_too_long": "过长（最多 {max_length} 个字符）",
}


def _validation_lines(errors: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    en, zh = [], []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        where, name = (loc[0], ".".join(loc[1:])) if len(loc) > 1 else ("request", ".".join(loc))
        value = e.get("input")
        shown = "" if e.get("type") == "missing" or isinstance(value, Mapping) else f", got {value!r}"
        en.append(f"{where} parameter {name!r}: {e.get('msg', 'invalid')}{shown}")
        ctx = {k: str(v) for k, v in (e.get("ctx") or {}).items()}
        try:
            wanted = _VALIDATION_ZH.get(str(e.get("type")), "无效").format(**ctx)
        except (KeyError, IndexError):
            wanted = "无效"
        where_zh = {"query": "查询", "path": "路径", "header": "请求头", "body": "请求正文"}.get(where, "")
        zh.append(f"{where_zh}参数“{name}”{wanted}" + ("" if not shown else f"，收到的是“{value}”"))
    return en, zh


def _validation(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    en, zh = _validation_lines(err.errors())
    return _json(422, error_payload(422, "bad_parameter", "; ".join(en), "；".join(zh)))


def _unexpected(request: Request, err: Exception) -> JSONResponse:
    reference = secrets.token_hex(6)
    log.error("unexpected error, reference %s, on %s %s", reference, request.method, request.url.path, exc_info=err)
    en = f"internal server error (reference {reference}); the request was not completed. Please report the reference to the administrator"
    zh = f"服务器内部错误（参考编号 {reference}），请求未能完成；请将此编号告知管理员"
    return _json(500, error_payload(500, "internal_error", en, zh, reference=reference))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(PlanningError, _planning)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)


def _too_large(limit: int) -> ApiError:
    mib = limit / 2**20
    en = (f"the request body is larger than this server accepts ({mib:g} MiB); send fewer projects per request "
          "(the administrator can raise the limit with ZONING_MAX_TEXT_BYTES)")  # fmt: skip
    zh = f"请求正文超过本服务允许的大小（{mib:g} MiB）；请分批提交项目（管理员可用 ZONING_MAX_TEXT_BYTES 调整上限）"
    return ApiError(413, en, zh, code="too_large")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes:
    from ``Content-Length`` before anything is read, else while it streams in."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
