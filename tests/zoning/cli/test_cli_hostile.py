"""A hostile-input corpus through the CLI (issues 13 and 19): every file exits 0 or 2 with a
message, never a traceback and never exit 1.

The corpus is generated here at test time (tests/gis/foreign/README.md lists what each group
imitates). Each file is screened in-process through ``zoning.cli.main`` — an exception that
is not a PlanningError would escape and fail the test with its traceback — with small
limits in force so the bombs stay cheap. A summary of the outcome counts is printed.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from zoning.cli import main

_KML = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>{}</Document></kml>'
_PT = "<Placemark><name>p</name><Point><coordinates>112.93,28.23</coordinates></Point></Placemark>"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _bomb(name: str, mib: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as fh:
        for _ in range(mib):
            fh.write(b" " * (1 << 20))
    return buf.getvalue()


def _shapefile_zip(tmp: Path, gdf: gpd.GeoDataFrame, *, cpg: str | None = None, prj: str | None = None, drop: str = "") -> bytes:
    folder = tmp / f"shp{len(list(tmp.iterdir()))}"
    folder.mkdir()
    gdf.to_file(folder / "a.shp", engine="pyogrio")
    if cpg is not None:
        (folder / "a.cpg").write_text(cpg)
    if prj is not None:
        (folder / "a.prj").write_text(prj)
    members = {f.name: f.read_bytes() for f in folder.iterdir() if f.suffix.lstrip(".") != drop}
    return _zip(members)


def _corpus(tmp: Path) -> dict[str, bytes | Callable[[Path], Path]]:
    pt = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(112.93, 28.23)], crs=4490)
    gk = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(512000, 3123000)], crs=4547)
    deep = "(" * 100_000 + "POINT (1 2)" + ")" * 100_000
    files: dict[str, bytes | Callable[[Path], Path]] = {
        # --- text and CSV
        "empty.csv": b"",
        "blank.csv": b"\n\n\n",
        "bom_only.csv": b"\xef\xbb\xbf",
        "header_only.csv": b"lon,lat\n",
        "no_coords.csv": b"a,b\n1,2\n",
        "nan.csv": b"lon,lat\nnan,28\n",
        "inf.csv": b"lon,lat\ninf,28\n",
        "huge_number.csv": b"lon,lat\n1e400,28\n",
        "swapped.csv": b"lon,lat\n28.2,112.9\n",
        "outside_china.csv": b"lon,lat\n2.35,48.85\n",
        "binary.csv": os.urandom(4096),
        "latin1.csv": "name,lon,lat\nPeçeña,112.9,28.2\n".encode("latin-1"),
        "big5.csv": "名稱,lon,lat\n臺北,112.9,28.2\n".encode("big5"),
        "sjis.csv": "名前,lon,lat\n東京,112.9,28.2\n".encode("shift_jis"),
        "dms_ambiguous.csv": b"lon,lat\n0 1 2 3,28\n",
        "dms_bad.csv": "lon,lat\n113°70′,28\n".encode(),
        "quotes.csv": b'lon,lat\n"112.9,28.2\n',
        "ragged.csv": b"lon,lat\n112.9\n112.9,28.2,5,6\n",
        "nul_bytes.csv": b"lon,lat\n112.9\x00,28.2\n",
        "long_line.csv": b"lon,lat\n" + b"1" * 200_000 + b",28\n",
        "formula.csv": b"name,lon,lat\n=HYPERLINK(\"http://x\"),112.9,28.2\n",
        "semi;colon.csv": b"lon,lat\n112.93,28.23\n",
        # --- WKT
        "bad.wkt": b"POLYGON ((1 2, 3",
        "deep.wkt": deep.encode(),
        "nan.wkt": b"POINT (nan 28)",
        "srid_mix.wkt": b"SRID=4326;POINT (112.9 28.2)\nSRID=4490;POINT (112.9 28.2)\n",
        "empty_geom.wkt": b"POLYGON EMPTY",
        "huge.wkt": b"POINT (1e308 1e308)",
        # --- GeoJSON
        "broken.geojson": b'{"type": "FeatureCollection", "features": [',
        "nan.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[NaN,28.1]}}]}',
        "null_geom.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}',
        "no_features.geojson": b'{"type":"FeatureCollection","features":[]}',
        "not_geojson.geojson": b'{"hello": "world"}',
        "array.json": b"[1, 2, 3]",
        "projected_no_crs.geojson": gk.to_crs(4547).to_json().encode().replace(b'"crs"', b'"x"'),
        "self_intersecting.geojson": gpd.GeoDataFrame(
            geometry=[shapely.Polygon([(112.9, 28.2), (113, 28.3), (113, 28.2), (112.9, 28.3)])], crs=4490
        ).to_json().encode(),
        "deep_nesting.geojson": b"[" * 50_000 + b"]" * 50_000,
        # --- KML / KMZ
        "not_xml.kml": b"<kml><Document><Placemark>",
        "xxe.kml": b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml><Document><Placemark><name>&x;</name><Point><coordinates>112.9,28.2</coordinates></Point></Placemark></Document></kml>',
        "laughs.kml": b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]><kml><Document><Placemark><name>&f;&f;&f;&f;</name></Placemark></Document></kml>',
        "no_placemark.kml": _KML.format("").encode(),
        "networklink_only.kml": _KML.format("<NetworkLink><Link><href>http://x.invalid/a.kml</href></Link></NetworkLink>").encode(),
        "bad_coords.kml": _KML.format("<Placemark><Point><coordinates>a,b</coordinates></Point></Placemark>").encode(),
        "gbk_declared.kml": _KML.format(_PT).replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk"),
        "unknown_encoding.kml": _KML.format(_PT).replace('encoding="UTF-8"', 'encoding="x-nothing"').encode(),
        "not_kml.kml": b'<?xml version="1.0"?><html><body>hi</body></html>',
        "empty_track.kml": _KML.format("<Placemark><gx:Track></gx:Track></Placemark>").encode(),
        "no_kml.kmz": _zip({"readme.txt": b"hi"}),
        "bomb.kmz": _zip({"doc.kml": b" " * (64 * 2**20)}),
        "truncated.kmz": _zip({"doc.kml": _KML.format(_PT * 100).encode()})[:-200],
        "not_a_zip.kmz": b"PK\x03\x04" + b"\x00" * 100,
        # --- zip archives
        "not_a_zip.zip": b"this is text",
        "empty.zip": _zip({}),
        "two_files.zip": _zip({"a.geojson": pt.to_json().encode(), "b.geojson": pt.to_json().encode()}),
        "nothing_readable.zip": _zip({"a.exe": b"MZ"}),
        "bomb.zip": _bomb("x.geojson", 64),
        "slip.zip": _zip({"../../evil.geojson": pt.to_json().encode()}),
        "nested.zip": _zip({"inner.zip": _zip({"a.geojson": pt.to_json().encode()})}),
        "shp_no_dbf.zip": lambda t: _write(t, "shp_no_dbf.zip", _shapefile_zip(t, pt, drop="dbf")),
        "shp_bad_cpg.zip": lambda t: _write(t, "shp_bad_cpg.zip", _shapefile_zip(t, pt, cpg="x-klingon")),
        "shp_euckr_cpg.zip": lambda t: _write(t, "shp_euckr_cpg.zip", _shapefile_zip(t, pt, cpg="EUC-KR")),
        "shp_bad_prj.zip": lambda t: _write(t, "shp_bad_prj.zip", _shapefile_zip(t, pt, prj="GARBAGE")),
        "shp_beijing54.zip": lambda t: _write(
            t, "shp_beijing54.zip", _shapefile_zip(t, gk, prj=gk.crs.to_wkt("WKT1_ESRI").replace("China_2000", "Beijing_1954").replace("China_Geodetic_Coordinate_System_2000", "Beijing_1954"))
        ),
        "shp_huge_prj.zip": lambda t: _write(t, "shp_huge_prj.zip", _shapefile_zip(t, pt, prj="PROJCS[" + " " * (9 * 2**20))),
        "encrypted_flag.zip": _flag_encrypted(_zip({"a.geojson": pt.to_json().encode()})),
        # --- other formats
        "garbage.gpkg": b"SQLite format 3\x00" + os.urandom(2000),
        "not_sqlite.gpkg": b"hello",
        "garbage.dxf": b"0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n10\nabc\n",
        "empty.dxf": b"0\nEOF\n",
        "garbage.xlsx": b"PK\x03\x04garbage",
        "zip_not_xlsx.xlsx": _zip({"a.txt": b"x"}),
        "parcels_bad.txt": "[属性描述]\n坐标系=2000国家大地坐标系\n带号=38\n[地块坐标]\n4,1,1,a,面,,,,@\nJ1,1,abc,def\n".encode(),
        "parcels_no_crs.txt": "[地块坐标]\n4,1,1,a,面,,,,@\nJ1,1,3123000,38512000\nJ2,1,3123100,38512000\nJ3,1,3123100,38512100\nJ1,1,3123000,38512000\n".encode(),
        "parcels_xian80.txt": "[属性描述]\n坐标系=1980西安坐标系\n带号=38\n[地块坐标]\n4,1,1,a,面,,,,@\nJ1,1,3123000,38512000\nJ2,1,3123100,38512000\nJ3,1,3123100,38512100\nJ1,1,3123000,38512000\n".encode("gbk"),
        "unsupported.exe": b"MZ\x90\x00",
        "no_extension": b"lon,lat\n112.9,28.2\n",
        "folder.geojson": lambda t: _mkdir(t / "folder.geojson"),
        "missing.geojson": lambda t: t / "definitely-missing.geojson",
        "symlink_loop.geojson": lambda t: _symlink_loop(t / "symlink_loop.geojson"),
    }
    return files


def _flag_encrypted(data: bytes) -> bytes:
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        flags = struct.unpack("<H", out[pos + off : pos + off + 2])[0] | 1
        out[pos + off : pos + off + 2] = struct.pack("<H", flags)
    return bytes(out)


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _symlink_loop(path: Path) -> Path:
    path.symlink_to(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    work = tmp_path_factory.mktemp("hostile-work")
    paths = []
    for name, spec in _corpus(work).items():
        paths.append(spec(tmp) if callable(spec) else _write(tmp, name, spec))
    assert len(paths) >= 60
    return paths


@pytest.mark.filterwarnings("ignore")  # the CLI prints warnings (repairs, GDAL's) as one line each
def test_hostile_corpus_through_the_cli(corpus: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Small limits keep the bombs cheap; each is still refused by name.
    monkeypatch.setenv("ZONING_MAX_ZIP_RATIO", "50")
    monkeypatch.setenv("ZONING_MAX_ZIP_RATIO_FLOOR", "1M")
    monkeypatch.setenv("ZONING_MAX_TEXT_BYTES", "32M")
    outcomes: Counter[int] = Counter()
    read: list[str] = []
    for path in corpus:
        with pytest.raises(SystemExit) as exit_info:
            main(["screen", str(path), "--type", "road", "--format", "json"])
        code = exit_info.value.code
        captured = capsys.readouterr()
        assert code in (0, 2), (path.name, code, captured.err)
        assert "Traceback" not in captured.err, (path.name, captured.err)
        if code == 2:
            assert captured.err.startswith(("错误：", "Error:")), (path.name, captured.err)
            assert "Error: " in captured.err, (path.name, captured.err)
        else:
            json.loads(captured.out)
            read.append(path.name)
        outcomes[code] += 1
    print(f"\nhostile corpus: {len(corpus)} files, exit 0: {outcomes[0]} ({', '.join(read)}), exit 2: {outcomes[2]}")
    assert outcomes[2] >= 50
