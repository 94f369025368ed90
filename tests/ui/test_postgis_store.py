"""The app on a PostGIS store (``ZONING_STORE=postgresql://…?schema=NAME``): the test store
pushed into a real PostgreSQL/PostGIS (``tests/conftest.py``) answers on the screen page as
the GeoPackage does (the numbers of ``test_screen.py``: hand arithmetic on the squares), and
the page names the store by its schema, never its server, user or password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import APP, coords_text
from ui import state


@pytest.fixture
def postgis_app(postgis: Any, test_store: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from streamlit.testing.v1 import AppTest

    from layers.pgpush import push_store

    url = postgis.url("ui_app").replace("postgres@", "postgres:secret@")  # trust auth: the password is not checked
    push_store(test_store, url, replace=True)
    monkeypatch.setenv("ZONING_STORE", url)
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")  # the page's own test; roles: tests/ui/test_access.py
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_screen_page_answers_from_postgis(postgis_app: Any) -> None:
    """200 m x 100 m, the western half in the grade-1 square: prohibited (DWS01), 10,000 m2."""
    at = postgis_app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text([(900, 100), (1100, 100), (1100, 200), (900, 200)])).run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert not at.exception, [e.value for e in at.exception]
    row = at.dataframe[0].value.iloc[0]
    assert row["规则编号"] == "DWS01" and row["保护区名称"] == "测试一级水源"
    assert row["重叠面积（m²）"] == pytest.approx(10_000, abs=0.5)
    nearby = at.dataframe[1].value
    assert nearby.set_index("保护区名称").loc["测试红线", "距离（m）"] == pytest.approx(1900, abs=0.5)
    shown = " ".join(str(e.value) for e in [*at.caption, *at.markdown, *at.sidebar.caption])
    assert "secret" not in shown and "127.0.0.1" not in shown
