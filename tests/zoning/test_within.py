"""Every zone within a radius (NEPAssist's buffer report): ``screen(..., within_m=)``.

The hand-built store of tests/ui (squares in EPSG:4547 at known offsets): a point at
(1300, 500) m lies 300 m east of the grade-1 square (x 0..1000), 1,700 m west of the red
line (x 3000..4000) and 3,300 m east of the grade-2 square (x -3000..-2000) — distances by
hand, from the layout.
"""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, Polygon

from gis.errors import InputError
from tests.ui.conftest import build_store, lonlat
from zoning.engine import screen
from zoning.model import Project


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    return build_store(tmp_path_factory.mktemp("within") / "zones.gpkg")


def _names(result) -> list[tuple[str, float]]:
    return [(n.feature, round(n.distance_m)) for n in result.within]


def test_every_feature_within_the_radius_is_listed_nearest_first(store) -> None:
    point = Project("点", "industrial", Point(*lonlat(1300, 500)))
    (two_km,) = screen([point], store, within_m=2000)
    assert _names(two_km) == [("测试一级水源", 300), ("测试红线", 1700)]
    (four_km,) = screen([point], store, within_m=4000)
    assert _names(four_km) == [("测试一级水源", 300), ("测试红线", 1700), ("测试二级水源", 3300)]
    assert four_km.to_dict()["within"][2]["feature"] == "测试二级水源"
    assert four_km.parameters["within_m"] == 4000.0


def test_touching_features_are_listed_at_zero_and_a_plain_screening_is_unchanged(store) -> None:
    site = Project("厂", "industrial", Polygon([lonlat(900, 100), lonlat(1100, 100), lonlat(1100, 200), lonlat(900, 200)]))
    (result,) = screen([site], store, within_m=500)
    assert _names(result) == [("测试一级水源", 0)]
    (plain,) = screen([site], store)
    assert plain.within == () and "within" not in plain.to_dict() and "within_m" not in plain.parameters
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_a_bad_radius_is_refused(store) -> None:
    with pytest.raises(InputError) as info:
        screen([Project("点", "industrial", Point(*lonlat(0, 0)))], store, within_m=-1)
    assert "within_m" in info.value.zh


def test_the_report_lists_the_zones_within_the_radius_when_asked(store) -> None:
    from zoning.report.content import build_document
    from zoning.report.document import Heading, Table

    point = Project("点", "industrial", Point(*lonlat(1300, 500)))
    (asked,) = screen([point], store, within_m=2000)
    doc = build_document([asked], maps=False)
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert any(h.endswith("周边全部管控要素") for h in headings), headings
    start = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text.endswith("周边全部管控要素"))
    table = next(b for b in doc.blocks[start:] if isinstance(b, Table))
    assert [(row[2], row[4]) for row in table.rows] == [("测试一级水源", "300"), ("测试红线", "1,700")]
    (plain,) = screen([point], store)
    plain_doc = build_document([plain], maps=False)
    assert not any(isinstance(b, Heading) and b.text.endswith("周边全部管控要素") for b in plain_doc.blocks)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_cli_batch_lists_the_zones_within_the_radius(store, tmp_path, workers: str) -> None:
    """`screen --within-m` on a file of two projects goes the batch way (chunks, workers):
    each project still gets its list, the same as one `screen()` call gives."""
    from click.testing import CliRunner

    from zoning.cli import cli

    rows = [("东侧", *lonlat(1300, 500)), ("远处", *lonlat(-8000, -8000))]
    csv = tmp_path / "two.csv"
    csv.write_text("name,lon,lat\n" + "\n".join(f"{n},{x:.9f},{y:.9f}" for n, x, y in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    run = CliRunner().invoke(cli, ["screen", str(csv), "--type", "industrial", "--zones", str(store), "--within-m", "4000",
                                    "--workers", workers, "-o", str(out)])  # fmt: skip
    assert run.exit_code == 0, run.output
    got = json.loads(out.read_text(encoding="utf-8"))
    listed = [[w["feature"] for w in r["within"]] for r in got]  # a batch: one result per project
    assert listed == [["测试一级水源", "测试红线", "测试二级水源"], []]
