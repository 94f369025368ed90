"""Foreign material (issue 13): KML structures from GDAL's autotest and libkml's test data,
written here at Hunan coordinates (see tests/gis/foreign/README.md), and damaged KMZs
shaped like libkml's ``overflow_*`` / ``bad-*`` samples.

Where GDAL reads the structure, its reading (pyogrio's LIBKML or KML driver) is the reference.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely

from gis.errors import DataSourceError
from gis.io import read_features

_KML = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>{body}</Document></kml>'
_TRACK = (
    "<gx:Track><when>2024-05-01T08:00:00Z</when><when>2024-05-01T08:01:00Z</when><when>2024-05-01T08:02:00Z</when>"
    "<gx:coord>112.930 28.230 60</gx:coord><gx:coord>112.931 28.231 61</gx:coord><gx:coord>112.933 28.231 62</gx:coord>"
    "</gx:Track>"
)


def _kml(tmp_path: Path, body: str, name: str = "doc.kml") -> Path:
    path = tmp_path / name
    path.write_text(_KML.format(body=body), encoding="utf-8")
    return path


def _gdal(path: Path, driver: str) -> shapely.Geometry:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = pyogrio.read_dataframe(path, driver=driver)
    return shapely.force_2d(gdf.geometry.iloc[0])


def test_gx_track_is_a_line_as_libkml_reads_it(tmp_path: Path) -> None:
    path = _kml(tmp_path, f"<Placemark><name>测线</name>{_TRACK}</Placemark>")
    geom = read_features(path).gdf.geometry.iloc[0]
    assert geom.geom_type == "LineString" and len(geom.coords) == 3
    assert shapely.equals_exact(geom, _gdal(path, "LIBKML"), tolerance=1e-9)


def test_gx_multitrack_is_a_multiline(tmp_path: Path) -> None:
    second = _TRACK.replace("112.93", "112.94")
    path = _kml(tmp_path, f"<Placemark><name>两段</name><gx:MultiTrack>{_TRACK}{second}</gx:MultiTrack></Placemark>")
    geom = read_features(path).gdf.geometry.iloc[0]
    assert geom.geom_type == "MultiLineString" and len(geom.geoms) == 2
    assert shapely.equals(geom, _gdal(path, "LIBKML"))


_RING = "<LinearRing><coordinates>{x},28.2 {x1},28.2 {x1},28.21 {x},28.21 {x},28.2</coordinates></LinearRing>"


@pytest.mark.parametrize(
    ("tag", "inner", "kind"),
    [
        (
            "MultiPolygon",
            "".join(f"<Polygon><outerBoundaryIs>{_RING.format(x=x, x1=x + 0.01)}</outerBoundaryIs></Polygon>" for x in (112.9, 113.0)),
            "MultiPolygon",
        ),
        (
            "MultiLineString",
            "<LineString><coordinates>112.9,28.2 113,28.3</coordinates></LineString>"
            "<LineString><coordinates>113.1,28.2 113.2,28.3</coordinates></LineString>",
            "MultiLineString",
        ),
        (
            "MultiPoint",
            "<Point><coordinates>112.9,28.2</coordinates></Point><Point><coordinates>113,28.3</coordinates></Point>",
            "MultiPoint",
        ),
    ],
)
def test_non_conformant_multi_tags_are_geometry(tmp_path: Path, tag: str, inner: str, kind: str) -> None:
    # GDAL's KML driver reads these (autotest: kml "non-conformant multi geometry"); so do we.
    path = _kml(tmp_path, f"<Placemark><name>m</name><{tag}>{inner}</{tag}></Placemark>")
    geom = read_features(path).gdf.geometry.iloc[0]
    assert geom.geom_type == kind
    assert shapely.equals(geom, _gdal(path, "KML"))


def test_network_link_is_not_dropped_silently(tmp_path: Path) -> None:
    link = "<NetworkLink><name>省级红线</name><Link><href>http://example.invalid/redline.kml</href></Link></NetworkLink>"
    path = _kml(tmp_path, f"{link}<Placemark><name>p</name><Point><coordinates>112.93,28.23</coordinates></Point></Placemark>")
    fs = read_features(path)
    assert any("NetworkLink" in n and "not fetched" in n and "redline.kml" in n for n in fs.notes)
    only = _kml(tmp_path, link, "only.kml")
    with pytest.raises(DataSourceError, match=r"only.kml holds only 1 NetworkLink\(s\) .* linked content is not fetched"):
        read_features(only)


# --- damaged KMZ, shaped like libkml's testdata/kmz samples --------------------------------


def _good_kmz() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", _KML.format(body="<Placemark><Point><coordinates>112.93,28.23</coordinates></Point></Placemark>" * 50))
    return buf.getvalue()


def _damaged(kind: str) -> bytes:
    data = bytearray(_good_kmz())
    cd = data.rfind(b"PK\x01\x02")
    local = data.find(b"PK\x03\x04")
    if kind == "overflow_bad_offset":  # central directory points past the end of the file
        data[cd + 42 : cd + 46] = struct.pack("<I", 0x7FFFFFF0)
    elif kind == "overflow_unzReadCurrentFile":  # the deflate stream cut short
        comp = struct.unpack("<I", data[local + 18 : local + 22])[0]
        start = local + 30 + struct.unpack("<H", data[local + 26 : local + 28])[0]
        del data[start + comp // 2 : start + comp]
    elif kind == "overflow_corrupted_stack":  # garbage inside the compressed data
        start = local + 30 + struct.unpack("<H", data[local + 26 : local + 28])[0]
        data[start + 5 : start + 40] = b"\xff" * 35
    elif kind == "overflow_unzOpenCurrentFile":  # an unknown compression method
        data[cd + 10 : cd + 12] = struct.pack("<H", 99)
        data[local + 8 : local + 10] = struct.pack("<H", 99)
    elif kind == "bad-too-large":  # sizes near 4 GiB in the headers
        data[cd + 24 : cd + 28] = struct.pack("<I", 0xFFFFFFF0)
        data[local + 22 : local + 26] = struct.pack("<I", 0xFFFFFFF0)
    elif kind == "bad-pk-data":  # a PK signature followed by junk
        return b"PK\x03\x04" + b"\x00\x01" * 200
    return bytes(data)


@pytest.mark.parametrize(
    "kind",
    [
        "overflow_bad_offset",
        "overflow_unzReadCurrentFile",
        "overflow_corrupted_stack",
        "overflow_unzOpenCurrentFile",
        "bad-too-large",
        "bad-pk-data",
    ],
)
def test_damaged_kmz_is_a_clear_message(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.kmz"
    path.write_bytes(_damaged(kind))
    with pytest.raises(DataSourceError) as info:
        read_features(path)
    message = str(info.value)
    assert f"{kind}.kmz" in message
    assert any(w in message for w in ("damaged", "limit", "not readable KML")), message
    assert info.value.zh


def test_damaged_kmz_through_the_cli_exits_2_not_aborted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zoning.cli import main

    path = tmp_path / "overflow.kmz"
    path.write_bytes(_damaged("overflow_unzReadCurrentFile"))
    with pytest.raises(SystemExit) as exit_info:
        main(["screen", str(path), "--type", "road"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("错误：") and "aborted" not in err and "Traceback" not in err
