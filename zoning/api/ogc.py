"""OGC API – Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS) under ``/ogc``:
the store's zone layers as collections QGIS, ArcGIS and GDAL (driver ``OAPIF``) read directly.

* ``/ogc`` landing page, ``/ogc/conformance``, ``/ogc/collections`` (one per published layer:
  title zh/en from the store's catalogue, extent in CRS84, storage CRS, CRS list),
  ``/ogc/collections/{id}`` and ``/queryables``;
* ``/ogc/collections/{id}/items``: ``bbox`` (+ ``bbox-crs``), ``limit``/``offset`` paging with
  ``next``/``prev`` links, ``numberMatched``/``numberReturned``, equality filters on the
  layer's catalogue fields (``?grade=一级``), ``crs=`` for the output; ``/items/{fid}``;
* every page as JSON (GeoJSON for features) and HTML (``?f=html``, or a browser's Accept).

Which layers are published is the settings' ``collection_filter`` (default: every zone
layer, not the admin divisions). Illustrative layers say so in their description.
Written here rather than served by pygeoapi: pygeoapi's HTML pages load Leaflet and
Bootstrap from CDNs (the app must work offline), its providers read the GeoPackage tables
raw (not the validated store with its catalogue, defaults and versions), and it brings
Flask, SQLAlchemy and a dozen more packages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from layers.generalise import public_view
from zoning.api import ogc_html
from zoning.api.errors import ApiError
from zoning.api.ogc_data import (
    CRS84,
    CrsNotSupported,
    ItemQuery,
    LayerTable,
    layer_table,
    output_geometries,
    parse_crs_uri,
    properties,
    query_items,
    supported_crs,
)
from zoning.api.state import ServerState, State

__all__ = ["router", "CONFORMANCE", "MAX_LIMIT", "DEFAULT_LIMIT"]

router = APIRouter(prefix="/ogc", tags=["OGC API – Features 图层服务"])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
_GEOJSON = "application/geo+json"
_JSON = "application/json"
_HTML = "text/html"
_ILLUSTRATIVE = "示意数据，不具法律效力 / illustrative data, no legal force"
_ITEM_PARAMS = frozenset({"bbox", "bbox-crs", "limit", "offset", "crs", "f"})

_F = Annotated[str, Query(pattern="^(json|html)?$", description="Format: json (GeoJSON for features) or html; "
                          "default by the Accept header.")]  # fmt: skip


# --- content negotiation and links ----------------------------------------------------------


def _wants_html(request: Request, f: str) -> bool:
    if f:
        return f == "html"
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in (_HTML, "application/xhtml+xml"):
            return True
        if "json" in media:
            return False
    return False


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, **({"title": title} if title else {})}


def _self_links(url: str, json_type: str = _JSON) -> list[dict[str, str]]:
    sep = "&" if "?" in url else "?"
    return [_link(url, "self", json_type, "this document"), _link(f"{url}{sep}f=html", "alternate", _HTML, "as HTML")]


def _json(payload: Any, media_type: str = _JSON, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type=media_type, headers=dict(headers or {}))


#: The HTML pages run no script and load nothing but the font from this server: a policy that
#: says so, so that even a zone name that slipped past the escaping could not run or fetch anything.
_HTML_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip


def _html(text: str) -> Response:
    headers = {"Content-Security-Policy": _HTML_POLICY, "X-Content-Type-Options": "nosniff"}
    return Response(text, media_type="text/html; charset=utf-8", headers=headers)


# --- documents ---------------------------------------------------------------------------------


def _published(state: ServerState) -> tuple[Any, list[str]]:
    # The collections are public: layers the catalogue marks sensitive are served generalised
    # (layers.generalise), as on the public map; the view is named by its own content hash,
    # so no query table of the exact data is reused.
    store = public_view(state.store())
    return store, [lid for lid in store.layer_ids if state.settings.collection_filter(store, lid)]


def _collection_table(state: ServerState, cid: str) -> tuple[Any, LayerTable]:
    store, published = _published(state)
    if cid not in published:
        en = f"no collection {cid!r}; the collections are {', '.join(published) or 'none'}"
        zh = f"没有图层“{cid}”；可用的图层：{'、'.join(published) or '无'}"
        raise ApiError(404, en, zh, code="not_found")
    return store, layer_table(store, cid)


def _collection_doc(store: Any, table: LayerTable, root: str) -> dict[str, Any]:
    lid = table.layer
    spec = store.catalog.layers[lid]
    status = store.legal_status(lid)
    about = f"{spec.title_zh}（{len(table)} 个要素）/ {spec.title_en} ({len(table)} features); 法律效力 legal status: {status}"
    url = f"{root}/collections/{lid}"
    doc: dict[str, Any] = {
        "id": lid,
        "title": f"{spec.title_zh} / {spec.title_en}",
        "description": f"{about}. {_ILLUSTRATIVE}" if status != "法定" else about,
        "itemType": "feature",
        "crs": supported_crs(table.storage_uri),
        "links": [
            *_self_links(url),
            _link(f"{url}/items", "items", _GEOJSON, "features as GeoJSON"),
            _link(f"{url}/items?f=html", "items", _HTML, "features as HTML"),
            _link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json",
                  "filterable properties"),
        ],
    }  # fmt: skip
    if table.bbox_crs84 is not None:
        doc["extent"] = {"spatial": {"bbox": [list(table.bbox_crs84)], "crs": CRS84}}
    if table.storage_uri:
        doc["storageCrs"] = table.storage_uri
    return doc


def _page_links(request: Request, matched: int, query: ItemQuery, returned: int) -> list[dict[str, str]]:
    url = request.url
    links = _self_links(str(url), _GEOJSON)
    if query.offset + returned < matched:
        links.append(_link(str(url.include_query_params(offset=query.offset + query.limit, limit=query.limit)),
                           "next", _GEOJSON, "next page"))  # fmt: skip
    if query.offset > 0:
        links.append(_link(str(url.include_query_params(offset=max(query.offset - query.limit, 0), limit=query.limit)),
                           "prev", _GEOJSON, "previous page"))  # fmt: skip
    return links


# --- parameters -----------------------------------------------------------------------------------


def _bad(en: str, zh: str) -> ApiError:
    return ApiError(400, en, zh, code="bad_parameter")


def _crs_param(value: str, name: str, allowed: list[str]) -> str:
    if not value:
        return CRS84
    try:
        uri = parse_crs_uri(value)
    except CrsNotSupported:
        uri = ""
    if uri not in allowed:
        msg = f"query parameter {name!r}: {value!r} is not a CRS of this collection; expected one of {', '.join(allowed)}"
        raise _bad(msg,
                   f"查询参数“{name}”的值“{value}”不是本图层提供的坐标系；应为 {'、'.join(allowed)} 之一")  # fmt: skip
    return uri


def _bbox_param(value: str) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights are not kept
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        msg = (
            f"query parameter 'bbox': {value!r} is not a box; expected four numbers minx,miny,maxx,maxy "
                   "(CRS84: west,south,east,north, e.g. 112.8,27.8,113.0,28.0)"
        )
        raise _bad(msg,
                   f"查询参数“bbox”的值“{value}”不是有效的范围；应为 4 个数：最小x,最小y,最大x,最大y"
                   "（CRS84 下为 西,南,东,北，如 112.8,27.8,113.0,28.0）")  # fmt: skip
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def _filters(request: Request, table: LayerTable) -> dict[str, str]:
    extra = {k: v for k, v in request.query_params.items() if k not in _ITEM_PARAMS}
    unknown = [k for k in extra if k not in table.filterable]
    if unknown:
        allowed = [*sorted(_ITEM_PARAMS), *table.filterable]
        msg = (
            f"query parameter(s) {', '.join(map(repr, unknown))} not known for {table.layer!r}; "
                   f"expected {', '.join(allowed)}"
        )
        raise _bad(msg,
                   f"查询参数 {'、'.join(f'“{k}”' for k in unknown)} 不适用于图层“{table.layer}”；可用：{'、'.join(allowed)}")  # fmt: skip
    return extra


# --- routes ------------------------------------------------------------------------------------


@router.get("", summary="Landing page 服务首页")
def landing(request: Request, f: _F = "") -> Response:
    """The landing page: what this service is and where its parts are."""
    root = _root(request)
    base = str(request.base_url).rstrip("/")
    doc = {
        "title": "湖南省生态环境分区管控图层 / Eco-zoning layers of Hunan",
        "description": "生态保护红线、饮用水水源保护区、禁养区等分区图层（OGC API – Features）/ "
        "ecological red lines, drinking-water source zones, no-raise zones and other zone layers",
        "links": [
            *_self_links(root),
            _link(f"{base}/api/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "OpenAPI"),
            _link(f"{base}/api/docs", "service-doc", _HTML, "API documentation"),
            _link(f"{root}/conformance", "conformance", _JSON, "conformance classes"),
            _link(f"{root}/collections", "data", _JSON, "collections"),
        ],
    }
    return _html(ogc_html.landing_html(doc, root)) if _wants_html(request, f) else _json(doc)


@router.get("/conformance", summary="Conformance 符合的标准类")
def conformance(request: Request, f: _F = "") -> Response:
    """The conformance classes this service implements."""
    doc = {"conformsTo": CONFORMANCE}
    return _html(ogc_html.conformance_html(doc, _root(request))) if _wants_html(request, f) else _json(doc)


@router.get("/collections", summary="Collections 图层列表")
async def collections(request: Request, state: State, f: _F = "") -> Response:
    """One collection per published zone layer."""
    root = _root(request)

    def build() -> dict[str, Any]:
        store, published = _published(state)
        docs = [_collection_doc(store, layer_table(store, lid), root) for lid in published]
        return {"links": _self_links(f"{root}/collections"), "collections": docs,
                "crs": supported_crs(None)}  # fmt: skip

    doc = await run_in_threadpool(build)
    return _html(ogc_html.collections_html(doc, root)) if _wants_html(request, f) else _json(doc)


@router.get("/collections/{collection_id}", summary="A collection 图层")
async def collection(request: Request, collection_id: str, state: State, f: _F = "") -> Response:
    """One zone layer: title, extent, CRS list, links to its features."""
    root = _root(request)
    store, table = await run_in_threadpool(_collection_table, state, collection_id)
    doc = _collection_doc(store, table, root)
    return _html(ogc_html.collection_html(doc, root)) if _wants_html(request, f) else _json(doc)


@router.get("/collections/{collection_id}/queryables", summary="Filterable properties 可筛选字段")
async def queryables(request: Request, collection_id: str, state: State) -> Response:
    """The properties ``/items`` can filter on by equality (``?grade=一级``), as JSON Schema."""
    store, table = await run_in_threadpool(_collection_table, state, collection_id)
    fields = store.catalog.fields_of(collection_id)
    props = {}
    for name in table.filterable:
        spec = fields[name]
        entry: dict[str, Any] = {"type": "string", "title": f"{spec.title_zh} / {spec.title_en}".strip(" /") or name}
        if spec.allowed:
            entry["enum"] = list(spec.allowed)
        props[name] = entry
    doc = {"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": str(request.url), "type": "object",
           "title": collection_id, "properties": props}  # fmt: skip
    return _json(doc, "application/schema+json")


@router.get("/collections/{collection_id}/items", summary="Features 要素")
async def items(
    request: Request,
    collection_id: str,
    state: State,
    bbox: Annotated[str, Query(description="minx,miny,maxx,maxy in bbox-crs (default CRS84: west,south,east,north)",
                               openapi_examples={"example": {"value": "112.8,27.8,113.0,28.0"}})] = "",
    bbox_crs: Annotated[str, Query(alias="bbox-crs", description="CRS of bbox (a URI of the collection's list)")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Features per page")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Features to skip (the next link sets it)")] = 0,
    crs: Annotated[str, Query(description="CRS of the answer's coordinates (a URI of the collection's list)")] = "",
    f: _F = "",
) -> Response:
    """The layer's features, filtered by ``bbox`` and by equality on its catalogue fields
    (``?grade=一级``), one page at a time."""
    store, table = await run_in_threadpool(_collection_table, state, collection_id)
    allowed = supported_crs(table.storage_uri)
    query = ItemQuery(bbox=_bbox_param(bbox), bbox_crs=_crs_param(bbox_crs, "bbox-crs", allowed),
                      filters=_filters(request, table), limit=limit, offset=offset,
                      crs=_crs_param(crs, "crs", allowed))  # fmt: skip
    page = await run_in_threadpool(query_items, table, query)
    geometries = await run_in_threadpool(output_geometries, table, page.positions, query.crs)
    features = [
        {"type": "Feature", "id": int(pos), "geometry": orjson.Fragment(geom), "properties": props}
        for pos, geom, props in zip(page.positions, geometries, properties(table, page.positions), strict=True)
    ]
    doc = {"type": "FeatureCollection", "numberMatched": page.matched, "numberReturned": len(features),
           "timeStamp": _now(), "links": _page_links(request, page.matched, query, len(features)),
           "features": features}  # fmt: skip
    if _wants_html(request, f):
        plain = orjson.loads(orjson.dumps(doc))
        return _html(ogc_html.items_html(plain, _root(request), _collection_doc(store, table, _root(request))))
    return _json(doc, _GEOJSON, {"Content-Crs": f"<{query.crs}>"})


@router.get("/collections/{collection_id}/items/{feature_id}", summary="A feature 单个要素")
async def item(
    request: Request,
    collection_id: str,
    feature_id: str,
    state: State,
    crs: Annotated[str, Query(description="CRS of the answer's coordinates")] = "",
    f: _F = "",
) -> Response:
    """One feature by its id (its position in the layer)."""
    store, table = await run_in_threadpool(_collection_table, state, collection_id)
    if not feature_id.isdigit() or int(feature_id) >= len(table):
        en = f"collection {collection_id!r} has no feature {feature_id!r}; ids run from 0 to {len(table) - 1}"
        raise ApiError(404, en, f"图层“{collection_id}”中没有编号为“{feature_id}”的要素；编号为 0 至 {len(table) - 1}",
                       code="not_found")  # fmt: skip
    target = _crs_param(crs, "crs", supported_crs(table.storage_uri))
    positions = np.array([int(feature_id)])
    (geom,) = output_geometries(table, positions, target)
    (props,) = properties(table, positions)
    url = f"{_root(request)}/collections/{collection_id}"
    doc = {"type": "Feature", "id": int(feature_id), "geometry": orjson.loads(geom), "properties": props,
           "links": [*_self_links(f"{url}/items/{feature_id}", _GEOJSON), _link(url, "collection", _JSON, "the layer")]}  # fmt: skip
    if _wants_html(request, f):
        return _html(ogc_html.item_html(doc, _root(request), _collection_doc(store, table, _root(request))))
    return _json(doc, _GEOJSON, {"Content-Crs": f"<{target}>"})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
