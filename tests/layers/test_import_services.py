"""``layers import`` from web services (issue 13 item 2): a WFS and an ArcGIS REST
FeatureServer layer, each a real HTTP server on a free local port, answering from a
GeoPackage the test writes. GDAL's WFS and GeoJSON drivers do the client side (paging
included); the expected features are the GeoPackage's own.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.importer import import_layer
from layers.store import ZoneStore


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> gpd.GeoDataFrame:
    names = [f"水源保护区{i}" for i in range(7)]
    geoms = [shapely.box(112.9 + 0.02 * i, 28.2, 112.91 + 0.02 * i, 28.21) for i in range(7)]
    return gpd.GeoDataFrame({"name": names, "grade": ["一级", "二级"] * 3 + ["一级"]}, geometry=geoms, crs=4490)


class _Server:
    """A ThreadingHTTPServer in a child process (GDAL holds the GIL while it fetches pages,
    so a server thread in this process could not answer); requests are logged to a file."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], log: Path) -> None:
        self.handler = handler
        self.log = log
        self.ready: multiprocessing.synchronize.Event = _FORK.Event()
        self.port = _FORK.Value("i", 0)
        self.process = _FORK.Process(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.handler.log_path = self.log  # type: ignore[attr-defined]
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.port.value = httpd.server_address[1]
        self.ready.set()
        httpd.serve_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port.value}"

    @property
    def requests(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def __enter__(self) -> _Server:
        self.process.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(5)


_FORK = multiprocessing.get_context("fork")


def _log(handler: BaseHTTPRequestHandler) -> None:
    with open(handler.log_path, "a", encoding="utf-8") as fh:  # type: ignore[attr-defined]
        fh.write(f"{handler.command} {handler.path}\n")


def _send(handler: BaseHTTPRequestHandler, body: bytes, ctype: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


# --- ArcGIS REST FeatureServer ----------------------------------------------------------------


def _esri_features(frame: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """The features as Esri JSON (attributes + rings), as a FeatureServer's query answers."""
    out = []
    for row in frame.itertuples():
        rings = [[list(c) for c in row.geometry.exterior.coords]]
        out.append({"attributes": {"name": row.name, "grade": row.grade}, "geometry": {"rings": rings}})
    return out


def _arcgis_handler(frame: gpd.GeoDataFrame, page: int) -> type[BaseHTTPRequestHandler]:
    features = _esri_features(frame)
    fields = [{"name": "name", "type": "esriFieldTypeString"}, {"name": "grade", "type": "esriFieldTypeString"}]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = {k.lower(): v for k, v in urllib.parse.parse_qsl(parts.query)}
            _log(self)
            if not parts.path.endswith("/FeatureServer/0/query"):
                self.send_error(404)
                return
            if query.get("returncountonly", "").lower() == "true":
                _send(self, json.dumps({"count": len(features)}).encode(), "application/json")
                return
            offset = int(query.get("resultoffset", 0))
            count = min(int(query.get("resultrecordcount", page)), page)
            body = {
                "geometryType": "esriGeometryPolygon",
                "spatialReference": {"wkid": 4490},
                "fields": fields,
                "features": features[offset : offset + count],
                "exceededTransferLimit": offset + count < len(features),
            }
            _send(self, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")

        do_HEAD = do_GET  # GDAL asks for the size of the answer first

    return Handler


def test_import_from_an_arcgis_featureserver_layer(tmp_path: Path, source: gpd.GeoDataFrame) -> None:
    with _Server(_arcgis_handler(source, page=3), tmp_path / "requests.log") as server:
        url = f"{server.url}/arcgis/rest/services/Water/FeatureServer/0"
        result = import_layer(tmp_path / "store.gpkg", url, layer_id="water_source", legal_status="示意")
        assert any("resultOffset" in r or "resultoffset" in r.lower() for r in server.requests), server.requests
    assert result.features == len(source)
    got = ZoneStore.open(tmp_path / "store.gpkg").layer("water_source")
    assert sorted(got["name"]) == sorted(source["name"])
    assert got.geometry.union_all().equals_exact(source.geometry.union_all(), tolerance=1e-9)


# --- WFS ----------------------------------------------------------------------------------------

_CAPS = """<?xml version="1.0" encoding="UTF-8"?>
<wfs:WFS_Capabilities version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ows="http://www.opengis.net/ows"
  xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ogr="http://ogr.maptools.org/">
<ows:OperationsMetadata>
 <ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP><ows:Get xlink:href="{url}/wfs?"/></ows:HTTP></ows:DCP></ows:Operation>
 <ows:Operation name="DescribeFeatureType"><ows:DCP><ows:HTTP><ows:Get xlink:href="{url}/wfs?"/></ows:HTTP></ows:DCP></ows:Operation>
 <ows:Operation name="GetFeature"><ows:DCP><ows:HTTP><ows:Get xlink:href="{url}/wfs?"/></ows:HTTP></ows:DCP></ows:Operation>
</ows:OperationsMetadata>
<wfs:FeatureTypeList><wfs:FeatureType>
 <wfs:Name>ogr:water_source</wfs:Name><wfs:Title>水源保护区</wfs:Title>
 <wfs:DefaultSRS>urn:ogc:def:crs:EPSG::4490</wfs:DefaultSRS>
 <ows:WGS84BoundingBox><ows:LowerCorner>112 27</ows:LowerCorner><ows:UpperCorner>114 29</ows:UpperCorner></ows:WGS84BoundingBox>
</wfs:FeatureType></wfs:FeatureTypeList>
</wfs:WFS_Capabilities>
"""


@pytest.fixture(scope="module")
def gml(tmp_path_factory: pytest.TempPathFactory, source: gpd.GeoDataFrame) -> tuple[bytes, bytes]:
    """The layer as GML 3 and its schema, written by GDAL from the GeoPackage data."""
    folder = tmp_path_factory.mktemp("wfs")
    gpkg = folder / "zones.gpkg"
    source.to_file(gpkg, layer="water_source")
    out = folder / "water_source.gml"
    frame = pyogrio.read_dataframe(gpkg, layer="water_source")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(
            frame, out, driver="GML", layer="water_source", dataset_options={"FORMAT": "GML3", "SRSNAME_FORMAT": "OGC_URN"}
        )
    return out.read_bytes(), out.with_suffix(".xsd").read_bytes()


def _wfs_handler(gml_body: bytes, xsd: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = {k.lower(): v for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)}
            _log(self)
            request = query.get("request", "").lower()
            host = f"http://{self.headers['Host']}"
            if request == "getcapabilities":
                _send(self, _CAPS.format(url=host).encode("utf-8"), "text/xml")
            elif request == "describefeaturetype":
                _send(self, xsd, "text/xml")
            elif request == "getfeature" and query.get("resulttype", "").lower() == "hits":
                hits = f'<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" numberOfFeatures="{gml_body.count(b"<ogr:featureMember") or gml_body.count(b"<gml:featureMember")}"/>'
                _send(self, hits.encode(), "text/xml")
            elif request == "getfeature":
                _send(self, gml_body, "text/xml; subtype=gml/3.1.1")
            else:
                self.send_error(400)

    return Handler


def test_import_from_a_wfs(tmp_path: Path, source: gpd.GeoDataFrame, gml: tuple[bytes, bytes]) -> None:
    with _Server(_wfs_handler(*gml), tmp_path / "requests.log") as server:
        url = f"{server.url}/wfs?service=WFS"
        result = import_layer(tmp_path / "store.gpkg", url, layer_id="water_source", legal_status="示意")
        assert any("GetFeature" in r for r in server.requests), server.requests
    assert result.features == len(source)
    got = ZoneStore.open(tmp_path / "store.gpkg").layer("water_source")
    assert sorted(got["name"]) == sorted(source["name"])
    assert got.to_crs(4490).geometry.union_all().equals_exact(source.geometry.union_all(), tolerance=1e-7)


def test_a_service_that_is_not_there_is_a_clear_message(tmp_path: Path) -> None:
    from gis.errors import DataSourceError

    with pytest.raises(DataSourceError, match=r"127.0.0.1:9/wfs"):
        import_layer(tmp_path / "s.gpkg", "http://127.0.0.1:9/wfs?service=WFS", layer_id="water_source")

