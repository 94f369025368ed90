"""The deployment's base map setting (ZONING_BASEMAP_*): parsed, checked, and its origins."""

from __future__ import annotations

import pytest

from gis.errors import RuleConfigError
from zoning.basemap import BaseMap, basemap_from_env

TIANDITU_GOV = ("http://t{s}.tianditu.zw.example/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")


def test_unset_is_none_and_a_kvp_wmts_template_is_taken_as_it_is() -> None:
    assert basemap_from_env({}) is None
    bm = basemap_from_env({"ZONING_BASEMAP_URL": TIANDITU_GOV, "ZONING_BASEMAP_ATTRIBUTION": "© 天地图 政务版",
                           "ZONING_BASEMAP_SUBDOMAINS": "012", "ZONING_BASEMAP_NAME": "政务版底图"})  # fmt: skip
    assert bm is not None and bm.url == TIANDITU_GOV and bm.name == "政务版底图" and bm.max_zoom == 18
    assert bm.origins == ("http://t0.tianditu.zw.example", "http://t1.tianditu.zw.example", "http://t2.tianditu.zw.example")


def test_restful_wmts_placeholders_become_xyz_and_origins_have_no_path() -> None:
    bm = BaseMap.parse("https://gis.example.gov.cn:8443/wmts/img/{TileMatrix}/{TileRow}/{TileCol}", attribution="© 院")
    assert bm.url == "https://gis.example.gov.cn:8443/wmts/img/{z}/{y}/{x}"
    assert bm.origins == ("https://gis.example.gov.cn:8443",)
    comma = BaseMap.parse("https://{s}.example.org/{z}/{x}/{y}.png", attribution="©", subdomains="a, b")
    assert comma.subdomain_list == ["a", "b"] and comma.origins == ("https://a.example.org", "https://b.example.org")


@pytest.mark.parametrize("url,attribution,subdomains,zoom,zh", [
    ("ftp://x.example.org/{z}/{x}/{y}", "©", "", "18", "不是 http(s) 地址"),
    ("https://x.example.org/{z}/{x}.png", "©", "", "18", "缺少 {y}"),
    ("https://t{s}.example.org/{z}/{x}/{y}", "©", "", "18", "未设置 ZONING_BASEMAP_SUBDOMAINS"),
    ("https://x.example.org/{z}/{x}/{y}", " ", "", "18", "ZONING_BASEMAP_ATTRIBUTION 为空"),
    ("https://x.example.org/{z}/{x}/{y}", "©", "", "30", "ZONING_BASEMAP_MAX_ZOOM 为“30”"),
])  # fmt: skip
def test_a_wrong_setting_is_refused_naming_it(url: str, attribution: str, subdomains: str, zoom: str, zh: str) -> None:
    env = {"ZONING_BASEMAP_URL": url, "ZONING_BASEMAP_ATTRIBUTION": attribution, "ZONING_BASEMAP_SUBDOMAINS": subdomains,
           "ZONING_BASEMAP_MAX_ZOOM": zoom}  # fmt: skip
    with pytest.raises(RuleConfigError) as info:
        basemap_from_env(env)
    assert zh in info.value.zh
