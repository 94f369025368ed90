"""The HTML views of the OGC API – Features pages: server-rendered, no script, no external
asset (a government intranet has no internet), every value escaped — zone names and
attributes are data, never markup.

Each view is drawn from the JSON document the same request would get, so the two never
say different things.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["page", "landing_html", "conformance_html", "collections_html", "collection_html", "items_html",
           "item_html"]  # fmt: skip

#: The app's Chinese font, served by the API itself (``zoning.api.docs``).
FONT_CSS = "/api/assets/fonts/noto-sans-sc.css"
_STYLE = """
body{font-family:sans-serif,"Noto Sans SC";margin:1.5rem auto;max-width:72rem;
padding:0 1rem;color:#1f2933;line-height:1.5}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #cbd2d9;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f0f4f8}a{color:#0b5cad}nav{font-size:.9rem;margin-bottom:1rem}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4rem .8rem}code{font-size:.85rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(href: str, text: Any) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _html_href(href: str) -> str:
    """The HTML form of a link: ``f=html`` in place of ``f=json``."""
    base, _, query = href.partition("?")
    params = [p for p in query.split("&") if p and not p.startswith("f=")]
    return f"{base}?{'&'.join([*params, 'f=html'])}"


def page(title: str, body: str, *, crumbs: Sequence[tuple[str, str]] = ()) -> str:
    """A whole page: ``title`` (escaped here) and ``body`` (HTML built from escaped parts)."""
    nav = " › ".join(_link(_html_href(href), text) for href, text in crumbs)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)}</title><link rel="stylesheet" href="{FONT_CSS}"><style>{_STYLE}</style></head><body>'
        f"<nav>{nav}</nav><h1>{_e(title)}</h1>{body}</body></html>\n"
    )


def _links_table(links: Iterable[Mapping[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{_e(link.get('rel'))}</td><td>{_e(link.get('type'))}</td>"
        f"<td>{_link(str(link['href']), link.get('title') or link['href'])}</td></tr>"
        for link in links
    )
    return f"<table><tr><th>rel</th><th>type</th><th>链接 link</th></tr>{rows}</table>"


def landing_html(doc: Mapping[str, Any], root: str) -> str:
    body = f"<p>{_e(doc.get('description'))}</p><h2>链接 Links</h2>{_links_table(doc['links'])}"
    return page(str(doc["title"]), body, crumbs=[(root, "OGC API")])


def conformance_html(doc: Mapping[str, Any], root: str) -> str:
    items = "".join(f"<li><code>{_e(c)}</code></li>" for c in doc["conformsTo"])
    return page("符合的标准类 Conformance", f"<ul>{items}</ul>", crumbs=[(root, "OGC API"), (root + "/conformance", "conformance")])


def _extent(collection: Mapping[str, Any]) -> str:
    boxes = (collection.get("extent") or {}).get("spatial", {}).get("bbox") or []
    return ", ".join(f"{v:.5f}" for v in boxes[0]) if boxes else "-"


def collections_html(doc: Mapping[str, Any], root: str) -> str:
    rows = "".join(
        f"<tr><td>{_link(_html_href(root + '/collections/' + c['id']), c['id'])}</td><td>{_e(c.get('title'))}</td>"
        f"<td>{_e(c.get('description'))}</td><td>{_e(_extent(c))}</td></tr>"
        for c in doc["collections"]
    )
    body = (f"<table><tr><th>id</th><th>名称 title</th><th>说明 description</th><th>范围 extent (CRS84)</th></tr>"
            f"{rows}</table>")  # fmt: skip
    return page("图层 Collections", body, crumbs=[(root, "OGC API"), (root + "/collections", "collections")])


def _crumbs(root: str, collection: Mapping[str, Any] | str) -> list[tuple[str, str]]:
    cid = collection if isinstance(collection, str) else str(collection["id"])
    return [(root, "OGC API"), (root + "/collections", "collections"), (f"{root}/collections/{cid}", cid)]


def collection_html(doc: Mapping[str, Any], root: str) -> str:
    crs = "".join(f"<li><code>{_e(c)}</code></li>" for c in doc.get("crs", []))
    body = (
        f'<p class="note">{_e(doc.get("description"))}</p>'
        f"<p>{_link(_html_href(root + '/collections/' + doc['id'] + '/items'), '浏览要素 Browse the features')}</p>"
        f"<h2>范围 Extent (CRS84)</h2><p>{_e(_extent(doc))}</p>"
        f"<h2>存储坐标系 Storage CRS</h2><p><code>{_e(doc.get('storageCrs', '-'))}</code></p>"
        f"<h2>可用坐标系 CRS</h2><ul>{crs}</ul><h2>链接 Links</h2>{_links_table(doc['links'])}"
    )
    return page(str(doc["title"]), body, crumbs=_crumbs(root, doc))


def _properties_table(features: Sequence[Mapping[str, Any]], root: str, collection: str) -> str:
    names: list[str] = []
    for feature in features:
        names += [k for k in feature.get("properties") or {} if k not in names]
    head = "".join(f"<th>{_e(n)}</th>" for n in ["id", *names])
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        href = _html_href(f"{root}/collections/{collection}/items/{feature['id']}")
        cells = "".join(f"<td>{_e(props.get(n))}</td>" for n in names)
        rows.append(f"<tr><td>{_link(href, feature['id'])}</td>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def items_html(doc: Mapping[str, Any], root: str, collection: Mapping[str, Any]) -> str:
    nav = " ".join(_link(_html_href(str(link["href"])), {"prev": "‹ 上一页 previous", "next": "下一页 next ›"}[link["rel"]])
                   for link in doc["links"] if link.get("rel") in ("prev", "next"))  # fmt: skip
    summary = f"共 {doc['numberMatched']} 个要素，本页 {doc['numberReturned']} 个 / {doc['numberMatched']} features, {doc['numberReturned']} on this page"
    body = (f'<p class="note">{_e(collection.get("description"))}</p><p>{_e(summary)} {nav}</p>'
            f"{_properties_table(doc['features'], root, str(collection['id']))}<p>{nav}</p>")  # fmt: skip
    return page(f"{collection['title']} — 要素 features", body, crumbs=_crumbs(root, collection))


def item_html(doc: Mapping[str, Any], root: str, collection: Mapping[str, Any]) -> str:
    props = doc.get("properties") or {}
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in props.items())
    geometry = json.dumps(doc.get("geometry"), ensure_ascii=False)
    shown = geometry if len(geometry) <= 2000 else geometry[:2000] + " …"
    body = (f'<p class="note">{_e(collection.get("description"))}</p><table>{rows}</table>'
            f"<h2>几何 Geometry</h2><p><code>{_e(shown)}</code></p>")  # fmt: skip
    title = f"{collection['title']} — {props.get('name') or doc['id']}"
    return page(title, body, crumbs=_crumbs(root, collection))
