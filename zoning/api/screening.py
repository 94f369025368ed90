"""``POST /api/v1/screen``: the CLI's screening over HTTP.

The body is a GeoJSON Feature or FeatureCollection, read by the CLI's reader
(``gis.io.read_features`` on the bytes, as a file called ``request.geojson``, ``?crs=`` as
``--crs``); projects are made by ``zoning.engine.projects_from_features`` and screened by
``zoning.engine.screen``; the answer is written by the one output registry
(``zoning.report``). So the JSON is the CLI's, byte for byte apart from ``generated_at``:

* ``properties.type`` (or ``类型``/``项目类型``/``project_type``) gives each feature's type,
  as ``--type-field``; ``?type=`` gives every feature one type, as ``--type``;
* ``properties.name`` (or ``名称``/``项目名称``) the name; ``?name=`` as ``--name``;
* properties named like an attribute (``scale_head``), its Chinese label or one of the
  batch-file aliases of data/project_types.yaml (``存栏``, ``年出栏``...) set it per feature;
  ``?attr=scale_head=2000`` (repeatable) as ``--attr``;
* a Feature (or a bare geometry) gives one object, a FeatureCollection a list (DESIGN.md
  "Machine interface"; the CLI gives an object for a file of one feature).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from gis.errors import InputError
from gis.io import read_features
from gis.limits import limits_in_force
from layers.paths import display_path
from zoning.api.auth import Screener
from zoning.api.errors import ERROR_SCHEMA, ApiError, read_body
from zoning.api.openapi_examples import REQUEST_EXAMPLES, RESULT_EXAMPLE
from zoning.api.state import State
from zoning.columns import TYPE_COLUMNS, find_column, parse_pairs, with_attribute_columns
from zoning.engine import projects_from_features, screen
from zoning.model import ScreeningResult
from zoning.report import FORMATS, render_report, report_filename
from zoning.rules import RuleSet

__all__ = ["router", "screen_body", "choose_format", "REQUEST_FILENAME"]

#: The name the body is read under (its format, and the file named in messages).
REQUEST_FILENAME = "request.geojson"
_JSON_TYPES = ("application/json", "application/geo+json", "*/*", "application/*")

router = APIRouter(tags=["screening 筛查"])


def _is_collection(body: bytes) -> bool | None:
    """True for a FeatureCollection, False for a Feature or geometry, None when the body is
    not JSON (the reader then says what is wrong with it, in the CLI's words)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return isinstance(doc, dict) and doc.get("type") == "FeatureCollection"


def screen_body(
    body: bytes,
    store: Any,
    rules: RuleSet,
    *,
    crs: str | None = None,
    type_: str | None = None,
    name: str | None = None,
    attrs: Sequence[str] = (),
    tolerance_m: float = 5.0,
    near_m: float = 5000.0,
) -> tuple[list[ScreeningResult], bool]:
    """Screen a GeoJSON body as the CLI screens a file; return the results and whether the
    answer is a list (a FeatureCollection) or one object.

    Raises
    ------
    PlanningError
        Whatever the CLI would refuse, with its message.
    """
    collection = _is_collection(body)
    types = rules.project_types
    fs = read_features(body, filename=REQUEST_FILENAME, crs=crs or None)
    fs = replace(fs, gdf=with_attribute_columns(fs.gdf, types, source=fs.source))
    type_field = None
    if not type_:
        columns = [str(c) for c in fs.gdf.columns]
        type_field = find_column(columns, TYPE_COLUMNS)
        if type_field is None:
            msg = ("no project type: give each feature a 'type' property (a key, 中文名称 or alias such as road or 道路) "
                   "or the query parameter ?type=")  # fmt: skip
            zh = "缺少项目类型：请在每个要素的 properties 中填写 type（类型代码、中文名称或别名，如 road 或 道路），或使用查询参数 ?type="
            raise InputError(msg, zh=zh)
    projects = projects_from_features(fs, type=type_ or None, type_field=type_field,
                                      attrs=parse_pairs(attrs, option="attr"), name=name or None,
                                      project_types=types)  # fmt: skip
    results = screen(projects, store, rules=rules, tolerance_m=tolerance_m, near_m=near_m)
    # data.zones names the store as a caller may see it: never the server's folders.
    zones = display_path(store.path)
    results = [replace(r, data=replace(r.data, zones=zones)) for r in results]
    return results, (len(results) != 1 if collection is None else collection)


def _accepted(accept: str) -> list[str]:
    """Media types of an Accept header, most wanted first (q=0 left out)."""
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, position, media.lower()))
    return [media for _q, _p, media in sorted(ranked)]


def choose_format(format_: str | None, accept: str | None) -> str:
    """The output format: ``?format=`` when given, else the first of the ``Accept`` header's
    types the registry writes (JSON for ``*/*``, ``application/geo+json`` or no header).

    Raises
    ------
    ApiError
        422 for an unknown ``format``, 406 when nothing the client accepts can be written.
    """
    names = sorted(FORMATS)
    if format_:
        if format_ not in FORMATS:
            en = f"query parameter 'format': {format_!r} is not a format; expected one of {', '.join(names)}"
            raise ApiError(422, en, f"查询参数“format”的值“{format_}”无法识别；应为 {'、'.join(names)} 之一",
                           code="bad_parameter")  # fmt: skip
        return format_
    if not accept:
        return "json"
    by_media = {f.media_type: name for name, f in FORMATS.items()}
    for media in _accepted(accept):
        if media in _JSON_TYPES:
            return "json"
        if media in by_media:
            return by_media[media]
    offered = ", ".join(f.media_type for f in FORMATS.values())
    en = f"none of the types in the Accept header ({accept}) can be written; this offers {offered}, or ?format="
    raise ApiError(406, en, f"请求头 Accept（{accept}）中的格式均无法提供；可提供：{offered}，或使用 ?format=",
                   code="not_acceptable")  # fmt: skip


def report_response(
    results: Sequence[ScreeningResult], fmt: str, *, lang: str, batch: bool, number: str | None = None
) -> Response:
    """The registry's bytes of ``results`` in ``fmt`` as an HTTP answer (a download name for
    files); ``number``: a saved screening's number, printed as the report number."""
    spec = FORMATS[fmt]
    data = render_report(results, fmt, lang=lang, batch=batch, number=number)
    headers = {}
    if not spec.stream:
        name = report_filename(results, fmt)
        ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
        headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    media = f"{spec.media_type}; charset=utf-8" if spec.stream else spec.media_type
    return Response(content=data, media_type=media, headers=headers)


_BODY_DOC = {
    "required": True,
    "description": "A GeoJSON Feature or FeatureCollection (any CRS the CLI accepts; `?crs=` overrides). "
    "`properties` carry `type`, `name` and attributes (`scale_head` or a batch-file alias such as `存栏`).",
    "content": {
        media: {"schema": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string",
                "enum": ["Feature", "FeatureCollection"]}}}, "examples": REQUEST_EXAMPLES}
        for media in ("application/geo+json", "application/json")
    },
}  # fmt: skip
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The screening: the CLI's JSON (an object for a Feature, a list for a FeatureCollection), "
        "or the same results as CSV, XLSX, PDF, DOCX or GeoPackage (`?format=` or `Accept`).",
        "content": {
            "application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
                                 "example": RESULT_EXAMPLE},
            **{f.media_type: {"schema": {"type": "string", "format": "binary"}} for n, f in FORMATS.items() if n != "json"},
        },
    },
    400: {"description": "The body cannot be read as a project (not GeoJSON, no geometry, CRS).",
          "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    401: {"description": "No API key, or not a valid one.", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    406: {"description": "No acceptable format.", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    413: {"description": "The body is too large.", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    415: {"description": "A multipart form instead of the GeoJSON itself.", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    422: {"description": "A value is wrong (unknown type or attribute, bad value, bad parameter).",
          "content": {"application/json": {"schema": ERROR_SCHEMA}}},
}  # fmt: skip


def _check_content_type(request: Request) -> None:
    """Any body is read as GeoJSON (``curl -d @farm.geojson`` sends it as a form), except a
    multipart upload, which holds the file among other parts."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind.startswith("multipart/"):
        en = f"the body is {kind}; send the GeoJSON itself as the body (application/geo+json), not as a form upload"
        zh = f"请求正文为 {kind}；请直接以 GeoJSON 作为请求正文提交（application/geo+json），而不是以表单上传"
        raise ApiError(415, en, zh, code="unsupported_media_type")


@router.post("/api/v1/screen", summary="Screen projects 项目筛查", responses=_RESPONSES,
             openapi_extra={"requestBody": _BODY_DOC}, response_class=Response)  # fmt: skip
async def screen_endpoint(
    request: Request,
    _who: Screener,
    state: State,
    crs: Annotated[str, Query(description="CRS of the coordinates, as the CLI's --crs: an EPSG code, WKT, "
                              "`gcj02` (Gaode/Tencent) or `bd09` (Baidu). Default: the body's own (GeoJSON: lon/lat).",
                              openapi_examples={"example": {"value": "gcj02"}})] = "",
    type: Annotated[str, Query(description="Project type of every feature (key, 中文名称 or alias); "
                               "default: each feature's `type` property.", openapi_examples={"example": {"value": "livestock_farm"}})] = "",
    name: Annotated[str, Query(description="Project name (a batch numbers it); default: the `name` property.")] = "",
    attr: Annotated[list[str], Query(description="KEY=VALUE attribute for every feature, repeatable "
                                     "(`scale_head=2000`); properties override it per feature.")] = [],  # noqa: B006
    tolerance_m: Annotated[float, Query(ge=0, le=1000, description="Boundary tolerance band (m).")] = 5.0,
    near_m: Annotated[float, Query(ge=0, le=50_000, description="Radius for nearby zones (m).")] = 5000.0,
    format: Annotated[str, Query(description=f"Output format: {', '.join(FORMATS)}; default by Accept, else json.")] = "",
    lang: Annotated[str, Query(pattern="^(zh|en)$", description="Language of CSV headers and reports.")] = "zh",
) -> Response:
    """Screen a GeoJSON Feature or FeatureCollection against the zone store: the CLI's
    `python -m zoning screen` over HTTP. 根据 GeoJSON 要素筛查项目与生态环境分区的冲突。"""  # noqa: A002 - the public parameter names
    fmt = choose_format(format, request.headers.get("accept"))
    _check_content_type(request)
    limits = state.settings.limits
    body = await read_body(request, limits.text_bytes)
    store, rules = await run_in_threadpool(state.data)

    def run() -> tuple[list[ScreeningResult], bool]:
        with limits_in_force(limits):  # a context variable: this worker thread's reads only
            return screen_body(body, store, rules, crs=crs, type_=type, name=name, attrs=attr,
                               tolerance_m=tolerance_m, near_m=near_m)  # fmt: skip

    results, batch = await run_in_threadpool(run)
    return await run_in_threadpool(report_response, results, fmt, lang=lang, batch=batch)
