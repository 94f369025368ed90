"""A deployment's own base map: an XYZ or WMTS tile service named by a URL template.

A county bureau's intranet has its own map service — 天地图 政务版, or a WMTS/XYZ server of
the surveying institute — that no public map can reach. The app and the exported public
site draw it under the zones when the deployment names it:

* ``ZONING_BASEMAP_URL`` — the tile URL template: ``{z}``, ``{x}``, ``{y}`` (XYZ) or the
  WMTS RESTful ``{TileMatrix}``, ``{TileCol}``, ``{TileRow}`` (KVP templates such as
  ``...&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`` are XYZ templates already), optionally
  ``{s}`` for a subdomain. The tile grid must be Web Mercator (EPSG:3857, 天地图's ``_w``
  services), the grid Leaflet draws;
* ``ZONING_BASEMAP_ATTRIBUTION`` — the credit the service requires (shown as text);
* ``ZONING_BASEMAP_SUBDOMAINS`` — what ``{s}`` takes, e.g. ``01234567`` or ``a,b,c``;
* ``ZONING_BASEMAP_NAME`` — the name in the layer list; ``ZONING_BASEMAP_LABELS_URL`` — an
  optional annotation layer drawn above it (天地图's ``cva_w``); ``ZONING_BASEMAP_MAX_ZOOM``.

The Content-Security-Policy of the app's maps and of the exported site allows images from
exactly the origins these templates name (:meth:`BaseMap.origins`), nothing wider.

Examples
--------
>>> bm = BaseMap.parse("https://t{s}.example.gov.cn/vec_w/wmts?tilematrix={z}&tilerow={y}&tilecol={x}",
...                    attribution="© 天地图", subdomains="01")
>>> bm.origins
('https://t0.example.gov.cn', 'https://t1.example.gov.cn')
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gis.errors import RuleConfigError

__all__ = ["BaseMap", "basemap_from_env", "ENV_PREFIX"]

ENV_PREFIX = "ZONING_BASEMAP"
#: WMTS RESTful placeholders and the XYZ ones Leaflet fills in.
_WMTS = {"{TileMatrix}": "{z}", "{TileCol}": "{x}", "{TileRow}": "{y}"}


@dataclass(frozen=True)
class BaseMap:
    """A tile service to draw under the zones (see the module text)."""

    url: str
    attribution: str
    subdomains: str = ""
    name: str = ""
    labels_url: str = ""
    max_zoom: int = 18

    @classmethod
    def parse(cls, url: str, *, attribution: str, subdomains: str = "", name: str = "", labels_url: str = "",
              max_zoom: int | str = 18, source: str = ENV_PREFIX) -> BaseMap:
        """Check a configured tile service; WMTS RESTful placeholders become XYZ ones.

        Raises
        ------
        RuleConfigError
            Naming the setting and what is wrong: not http(s), a placeholder missing, ``{s}``
            without subdomains, no attribution, a maximum zoom out of 1-22.
        """
        templates = [_template(url, f"{source}_URL", subdomains)]
        if labels_url:
            templates.append(_template(labels_url, f"{source}_LABELS_URL", subdomains))
        if not attribution.strip():
            msg = (f"{source}_ATTRIBUTION is empty; a tile service's terms require its credit on the map "
                   f"(e.g. \"© 天地图 政务版\")")
            raise RuleConfigError(msg, zh=f"{source}_ATTRIBUTION 为空；地图服务的使用条款要求在地图上注明来源（如“© 天地图 政务版”）")
        try:
            zoom = int(max_zoom)
        except (TypeError, ValueError):
            zoom = -1
        if not 1 <= zoom <= 22:
            msg = f"{source}_MAX_ZOOM is {max_zoom!r}; expected a whole number from 1 to 22"
            raise RuleConfigError(msg, zh=f"{source}_MAX_ZOOM 为“{max_zoom}”；应为 1 至 22 的整数")
        return cls(templates[0], attribution.strip(), subdomains.strip(), name.strip(),
                   templates[1] if labels_url else "", zoom)

    @property
    def subdomain_list(self) -> list[str]:
        """``{s}``'s values: ``a,b,c`` or each character of ``01234567`` (as Leaflet reads it)."""
        text = self.subdomains.replace(" ", "")
        return [p for p in text.split(",") if p] if "," in text else list(text)

    @property
    def origins(self) -> tuple[str, ...]:
        """Every origin the tiles come from (``{s}`` expanded), for the Content-Security-Policy."""
        found: dict[str, None] = {}
        for template in (self.url, self.labels_url):
            if not template:
                continue
            for sub in self.subdomain_list if "{s}" in template else [""]:
                parts = urlsplit(template.replace("{s}", sub))
                found[f"{parts.scheme}://{parts.netloc}"] = None
        return tuple(found)

    def as_dict(self) -> dict[str, Any]:
        """What the exported site's meta.json carries (``map.js`` draws it)."""
        return {"url": self.url, "attribution": self.attribution, "subdomains": self.subdomain_list, "name": self.name,
                "labels_url": self.labels_url, "max_zoom": self.max_zoom}


def _template(url: str, setting: str, subdomains: str) -> str:
    text = url.strip()
    for wmts, xyz in _WMTS.items():
        text = re.sub(re.escape(wmts), xyz, text, flags=re.IGNORECASE)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        msg = f"{setting} {url!r} is not an http(s) URL; expected a tile URL template such as https://tiles.example.gov.cn/{{z}}/{{x}}/{{y}}.png"
        raise RuleConfigError(msg, zh=f"{setting}“{url}”不是 http(s) 地址；应为瓦片地址模板，如 https://tiles.example.gov.cn/{{z}}/{{x}}/{{y}}.png")
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in text]
    if missing:
        msg = f"{setting} {url!r} lacks {', '.join(missing)}; a tile template names {{z}}, {{x}} and {{y}} (or WMTS {{TileMatrix}}, {{TileCol}}, {{TileRow}})"
        zh = f"{setting}“{url}”缺少 {'、'.join(missing)}；瓦片地址模板须含 {{z}}、{{x}}、{{y}}（或 WMTS 的 {{TileMatrix}}、{{TileCol}}、{{TileRow}}）"
        raise RuleConfigError(msg, zh=zh)
    if "{s}" in text and not subdomains.strip():
        msg = f"{setting} {url!r} names {{s}} but {ENV_PREFIX}_SUBDOMAINS is empty; give the subdomains, e.g. 01234567"
        zh = f"{setting}“{url}”含 {{s}}，但未设置 {ENV_PREFIX}_SUBDOMAINS；请给出子域名，如 01234567"
        raise RuleConfigError(msg, zh=zh)
    return text


def basemap_from_env(environ: Mapping[str, str] | None = None) -> BaseMap | None:
    """The base map the environment configures (``ZONING_BASEMAP_*``); None when unset.

    Raises
    ------
    RuleConfigError
        If it is set but wrong (see :meth:`BaseMap.parse`).
    """
    env = os.environ if environ is None else environ
    url = (env.get(f"{ENV_PREFIX}_URL") or "").strip()
    if not url:
        return None
    return BaseMap.parse(
        url, attribution=env.get(f"{ENV_PREFIX}_ATTRIBUTION", ""), subdomains=env.get(f"{ENV_PREFIX}_SUBDOMAINS", ""),
        name=env.get(f"{ENV_PREFIX}_NAME", ""), labels_url=env.get(f"{ENV_PREFIX}_LABELS_URL", ""),
        max_zoom=env.get(f"{ENV_PREFIX}_MAX_ZOOM", "18"),
    )  # fmt: skip
