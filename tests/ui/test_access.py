"""Sign-in and roles in the app (AppTest, the whole app): the navigation lists only the pages a
role may open, a restricted page asked for by a public session never runs, reviewers screen
and save, admins see the admin pages; sessions end on sign-out and when an account is disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, coords_text, shown, state
from zoning.bureau.accounts import Accounts
from zoning.bureau.db import Database

REVIEWER = ("wang", "wang-password-1")
ADMIN = ("zhao", "zhao-password-1")


@pytest.fixture
def bureau_app(test_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the test store with screening closed to the public, and two accounts."""
    data = tmp_path / "data"
    monkeypatch.setenv("ZONING_STORE", str(test_store))
    monkeypatch.setenv("ZONING_DATA_DIR", str(data))
    monkeypatch.delenv("ZONING_OPEN_SCREENING", raising=False)
    accounts = Accounts(Database.open(f"sqlite:///{data / 'bureau.sqlite3'}"))
    accounts.add(REVIEWER[0], role="reviewer", password=REVIEWER[1])
    accounts.add(ADMIN[0], role="admin", password=ADMIN[1])
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, name: str, password: str) -> None:
    at.sidebar.text_input(key="auth.name").input(name)
    at.sidebar.text_input(key="auth.password").input(password)
    at.sidebar.button[0].click().run()


def _title(at: AppTest) -> str:
    return shown(at.title[0].value) if at.title else ""


def test_the_public_sees_the_public_map_and_cannot_open_a_reviewer_page(bureau_app: AppTest) -> None:
    at = bureau_app
    assert _title(at) == "公众查询"  # a fresh machine opens on the public map
    assert not at.get("download_button")
    for page in ("screen", "batch", "sites", "history", "layer_admin", "users"):
        # the navigation registers only the public's pages: the others cannot be asked for
        with pytest.raises(ValueError, match=r"Known pages: \['[^']*pages/public.py', '[^']*pages/about.py'\]"):
            at.switch_page(f"pages/{page}.py")


@pytest.mark.parametrize("page", ["screen", "batch", "sites", "history", "layer_admin", "users"])
def test_a_deep_link_to_a_restricted_page_lands_on_the_public_map(bureau_app: AppTest, page: str) -> None:
    """The page's script run on its own (as a URL such as /screen runs it before the frame takes
    over): the public map or the sign-in prompt, never the page asked for."""
    at = AppTest.from_file(str(Path(APP).parent / "pages" / f"{page}.py"), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    prompt = " ".join(shown(w.value) for w in at.warning)
    assert _title(at) == "公众查询" or (not at.title and ("请在侧栏登录" in prompt or "请以管理员账户登录" in prompt))


def test_a_restricted_page_stops_at_its_top_without_the_role(bureau_app: AppTest) -> None:
    """The second guard: a page whose script runs without the role shows a sign-in prompt and
    nothing else (``ui.access.require_page``)."""

    def script() -> None:
        import streamlit as st

        from ui.access import require_page

        require_page("screen")
        st.title("SHOULD NOT SHOW")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.title and "此页面仅供审查人员使用" in shown(at.warning[0].value)


def test_a_reviewer_signs_in_screens_saves_and_finds_it(bureau_app: AppTest) -> None:
    at = bureau_app
    _sign_in(at, *REVIEWER)
    assert not at.exception, [e.value for e in at.exception]
    assert "已登录：wang（审查人员）" in " ".join(shown(c.value) for c in at.sidebar.caption)
    at.switch_page("pages/screen.py")  # the navigation now lists the reviewer's pages
    at.run()
    assert _title(at) == "项目筛查"
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text([(400, 400), (600, 400), (600, 600), (400, 600)])).run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.text_input(key=state.SCREEN_BUILDER).input("某某建设有限公司").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("road").run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="screen.save").click().run()
    (saved,) = [shown(s.value) for s in at.success if "报告编号" in shown(s.value)]
    number = saved.rsplit("：", 1)[1].strip()
    assert number.startswith("EZS-")
    at.switch_page("pages/history.py")
    at.run()
    assert _title(at) == "筛查档案"
    at.text_input(key="history.search.number").input(number[-8:]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="history.search.pick").value == number
    assert any(number in shown(m.value) for m in at.markdown)
    at.button(key="history.rescreen").click().run()
    assert any("结果无变化" in shown(s.value) for s in at.success)
    for page in ("layer_admin", "users"):  # admin pages: not for a reviewer
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


def test_an_admin_sees_the_admin_pages_and_signs_out(bureau_app: AppTest) -> None:
    at = bureau_app
    _sign_in(at, *ADMIN)
    at.switch_page("pages/users.py")
    at.run()
    assert _title(at) == "用户管理" and not at.exception
    assert {"wang", "zhao"} <= set(at.dataframe[0].value["账户"])
    at.switch_page("pages/layer_admin.py")
    at.run()
    assert _title(at) == "图层管理" and not at.exception, [e.value for e in at.exception]
    at.sidebar.button(key="auth.sign_out").click().run()
    assert _title(at) == "公众查询"


def test_a_disabled_account_is_out_at_its_next_click(bureau_app: AppTest, tmp_path: Path) -> None:
    at = bureau_app
    _sign_in(at, *REVIEWER)
    at.switch_page("pages/history.py")
    at.run()
    assert _title(at) == "筛查档案"
    Accounts(Database.open(f"sqlite:///{tmp_path / 'data' / 'bureau.sqlite3'}")).set_disabled(REVIEWER[0], True)
    at.run()
    assert _title(at) == "公众查询"
    assert "登录已过期" in " ".join(shown(i.value) for i in at.sidebar.info)


def test_wrong_passwords_are_slowed_down(bureau_app: AppTest) -> None:
    at = bureau_app
    for _ in range(3):
        _sign_in(at, REVIEWER[0], "wrong")
        assert "账户或密码不正确。" in " ".join(shown(e.value) for e in at.sidebar.error)
    _sign_in(at, REVIEWER[0], "wrong")
    assert "请 2 秒后再试" in " ".join(shown(e.value) for e in at.sidebar.error)
    _sign_in(at, *REVIEWER)  # at once: refused without checking, though right
    assert "本次未核对密码" in " ".join(shown(e.value) for e in at.sidebar.error)
    assert _title(at) == "公众查询"
