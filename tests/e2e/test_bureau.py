"""The bureau in a real browser: sign-in and roles enforced on the server, saved screenings,
the layer manager, and slowed-down wrong passwords.

The app runs under ``serve.py`` (security headers), with screening closed to the public, a
data folder of its own (``ZONING_DATA_DIR``) and a writable copy of the test store; accounts
are made with the CLI (``python -m zoning users add``); the first admin's password is read
from what the server printed on its first run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ROOT, running_app
from tests.e2e.helpers import TIMEOUT_MS, choose_option, wait_ready
from tests.ui.conftest import GK, _square, build_store, coords_text

pytestmark = pytest.mark.e2e

RESTRICTED = {"screen": "项目筛查", "batch": "批量审查", "sites": "选址建议", "history": "筛查档案", "layers": "图层管理",
              "users": "用户管理"}  # fmt: skip


def _users_add(data_dir: Path, name: str, role: str) -> str:
    """``python -m zoning users add NAME --role ROLE --generate``; the password it prints once."""
    env = {"ZONING_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "zoning", "users", "add", name, "--role", role, "--generate"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip().rsplit(": ", 1)[1]


class Bureau:
    """The running app and what the tests need to sign in."""

    def __init__(self, url: str, data_dir: Path, store: Path, log: Path) -> None:
        self.url, self.data_dir, self.store, self.log = url, data_dir, store, log
        self.passwords: dict[str, str] = {}


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory, browser_path: Path) -> Iterator[Bureau]:
    folder = tmp_path_factory.mktemp("bureau")
    data_dir, store, logs = folder / "data", build_store(folder / "county.gpkg"), folder / "log"
    logs.mkdir()
    with running_app(store, logs, ZONING_DATA_DIR=str(data_dir), ZONING_OPEN_SCREENING="0") as url:
        app = Bureau(url, data_dir, store, logs / "streamlit.log")
        app.passwords["wang"] = _users_add(data_dir, "wang", "reviewer")
        app.passwords["li"] = _users_add(data_dir, "li", "reviewer")
        yield app


def _title(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text(timeout=TIMEOUT_MS).strip()


def _nav(page) -> list[str]:
    """The navigation's page titles (each link also holds its icon's name, on a line of its own)."""
    return [t.strip().splitlines()[-1].strip() for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def _open(page, title: str) -> None:
    """Click ``title`` in the navigation and wait for that page's heading."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title).click()
    page.locator("[data-testid='stMain'] h1").filter(has_text=title).first.wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)


def _sign_in(page, name: str, password: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    expander = sidebar.get_by_text("登录（审查人员、管理员）")
    if not sidebar.get_by_label("账户").is_visible():
        expander.click()
    sidebar.get_by_label("账户").fill(name)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()
    # The sign-in callback empties the password field: once the browser shows it empty (or the
    # form gone, signed in), this try was heard. Without the wait, the next try's typing could
    # land before that rerun and be wiped by it, sending an empty password (seen under load).
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stSidebar] input[type=password]')].every(i => i.value === '')",
        timeout=TIMEOUT_MS,
    )
    wait_ready(page)


def test_the_first_run_prints_how_to_sign_in_as_admin(bureau: Bureau, page) -> None:
    text = bureau.log.read_text(encoding="utf-8")
    assert text.count("首次运行：已创建管理员账户") == 1
    password = re.search(r"密码 password: (\S+)", text).group(1)
    assert password not in (bureau.data_dir / "bureau.sqlite3").read_bytes().decode("latin-1")  # only its hash
    page.goto(bureau.url)
    wait_ready(page)
    assert _title(page) == "公众查询"  # a fresh machine opens on the public map
    _sign_in(page, "admin", password)
    page.get_by_text("已登录：admin（管理员）").wait_for(timeout=TIMEOUT_MS)
    assert {"图层管理", "用户管理", "项目筛查"} <= set(_nav(page))
    bureau.passwords["admin"] = password


@pytest.mark.parametrize("path", list(RESTRICTED))
def test_the_public_cannot_open_a_restricted_page_by_url(bureau: Bureau, page, path: str) -> None:
    page.goto(f"{bureau.url}/{path}")
    wait_ready(page)
    assert _title(page) == "公众查询"  # the public map, never the page asked for
    assert page.get_by_text(RESTRICTED[path], exact=True).count() == 0 or _nav(page) == ["公众查询", "关于与数据"]
    assert _nav(page) == ["公众查询", "关于与数据"]
    assert page.locator("[data-testid='stDownloadButton']").count() == 0  # no download for the public


def test_the_public_cannot_open_a_restricted_page_by_the_websocket(bureau: Bureau, page) -> None:
    """The browser's own websocket messages rewritten on their way to the server: every
    "run a page" request names the screen page (as a crafted client would). The server
    still runs the public map: st.navigation only knows the public's pages."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.util import calc_hash

    rewritten: list[str] = []

    def handler(ws) -> None:
        server = ws.connect_to_server()

        def to_server(message) -> None:
            if isinstance(message, bytes | bytearray):
                msg = BackMsg()
                msg.ParseFromString(bytes(message))
                if msg.WhichOneof("type") == "rerun_script":
                    msg.rerun_script.page_script_hash = calc_hash("screen")
                    msg.rerun_script.page_name = "screen"
                    rewritten.append("screen")
                    message = msg.SerializeToString()
            server.send(message)

        ws.on_message(to_server)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r".*/_stcore/stream.*"), handler)
    page.goto(bureau.url)
    wait_ready(page)
    page.get_by_text("数据更新于").first.wait_for(timeout=TIMEOUT_MS)
    assert rewritten, "the page's run request went through the rewriting route"
    assert _title(page) == "公众查询"
    assert page.get_by_role("heading", name="项目筛查").count() == 0


#: A 200 m x 100 m plot across the edge of the test store's 一级 water source (x 0..1000).
_ACROSS_GRADE_1 = [(900, 100), (1100, 100), (1100, 200), (900, 200)]
#: A 200 m x 100 m plot inside the 二级 water source of the store's first version (x -3000..-2000),
#: which the imported second version no longer has.
_IN_OLD_GRADE_2 = [(-2900, 100), (-2700, 100), (-2700, 200), (-2900, 200)]


def _screen_typed(page, offsets=_ACROSS_GRADE_1, verdict: str = "prohibited") -> None:
    """On the screen page: type the plot's corners, a polygon of 20,000 m², 一般工业项目."""
    page.get_by_text("输入坐标", exact=True).click()
    area = page.locator("[data-testid='stTextArea'] textarea").first
    area.fill(coords_text(offsets))
    area.press("Control+Enter")
    page.get_by_text("面", exact=True).click()
    page.get_by_text("20,000 m²").wait_for(timeout=TIMEOUT_MS)
    choose_option(page, page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型"), "一般工业项目")
    page.locator(f".ez-verdict[data-verdict='{verdict}']").wait_for(timeout=TIMEOUT_MS)


def _switch_on(page, label: str) -> None:
    """Turn the switch ``label`` on by clicking its track (its input is visually hidden, and a
    click on the label's middle misses it); a click that lands while the page is being redrawn
    can be lost, so it is tried again, at most three times."""
    switch = page.get_by_role("switch", name=label, exact=True)
    track = page.locator("[data-testid='stCheckbox']").filter(has_text=label).locator("label > div").first
    for _attempt in range(3):
        wait_ready(page)
        if not switch.is_checked():
            track.click()
        try:
            page.wait_for_function("l => document.querySelector(`input[role=switch][aria-label='${l}']`)?.checked",
                                   arg=label, timeout=10_000)  # fmt: skip
            wait_ready(page)
            return
        except PlaywrightError:
            continue
    msg = f"the switch {label!r} did not turn on"
    raise AssertionError(msg)


def _screen_as_of_before_the_import(page) -> None:
    """Today (version 2) the plot is clear; as of 2025-01-01 (version 1 in force: the import is
    effective from 2025-03-01) it lies in the 二级 zone: prohibited, with the versions named."""
    _open(page, "项目筛查")
    _screen_typed(page, _IN_OLD_GRADE_2, verdict="clear")
    _switch_on(page, "按历史日期筛查")
    page.get_by_role("spinbutton", name="year, 日期", exact=True).click()
    page.keyboard.type("20250101")  # year, month, day: the segments advance by themselves
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")  # the calendar, if it opened
    page.locator("[data-testid='stMain'] h1").first.click()  # leaving the field commits the date
    page.get_by_text(re.compile(r"按 2025-01-01 有效的图层版本筛查：.*v1")).first.wait_for(timeout=TIMEOUT_MS)
    page.locator(".ez-verdict[data-verdict='prohibited']").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".ez-verdict[data-verdict='clear']").count() == 0


def _save(page) -> str:
    page.get_by_role("button", name="保存筛查结果").click()
    saved = page.get_by_text(re.compile(r"已保存，报告编号：EZS-")).first
    saved.wait_for(timeout=TIMEOUT_MS)
    return re.search(r"EZS-\d{8}-[0-9A-F]+", saved.inner_text()).group(0)


def _find(page, url: str, number: str) -> None:
    page.goto(f"{url}/history")
    wait_ready(page)
    assert _title(page) == "筛查档案"
    field = page.get_by_label("报告编号").first
    field.fill(number)
    field.press("Enter")
    wait_ready(page)
    page.get_by_text(f"筛查记录 {number}").wait_for(timeout=TIMEOUT_MS)


def test_a_reviewer_screens_saves_finds_by_number_and_reruns(bureau: Bureau, page) -> None:
    page.goto(bureau.url)
    wait_ready(page)
    _sign_in(page, "wang", bureau.passwords["wang"])
    page.get_by_text("已登录：wang（审查人员）").wait_for(timeout=TIMEOUT_MS)
    nav = _nav(page)
    assert {"项目筛查", "批量审查", "选址建议", "筛查档案"} <= set(nav) and not {"图层管理", "用户管理"} & set(nav)
    page.goto(f"{bureau.url}/screen")  # a new page load is a new session: signed out again
    wait_ready(page)
    assert _title(page) == "公众查询"
    page.keyboard.press("Escape")  # Streamlit's "page not found" notice for the public
    _sign_in(page, "wang", bureau.passwords["wang"])
    _open(page, "项目筛查")
    _screen_typed(page)
    number = _save(page)
    page.locator("[data-testid='stDownloadButton']").first.wait_for(timeout=TIMEOUT_MS)  # downloads: for the reviewer
    _open(page, "筛查档案")
    field = page.get_by_label("报告编号").first
    field.fill(number)
    field.press("Enter")
    page.get_by_text(f"筛查记录 {number}").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("以下为保存时的结果原样展示").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="重新筛查").click()
    page.get_by_text("按今日数据筛查，结果无变化。").wait_for(timeout=TIMEOUT_MS)


def _upload_layer(tmp_path: Path) -> Path:
    """A county's water-source layer with its own field names and value codes: 名称, 级别 with
    一级保护区 (a catalogue alias) and Z (a code only the admin can map: 准保护区)."""
    src = tmp_path / "县水源.gpkg"
    frame = gpd.GeoDataFrame({"名称": ["县一水厂水源", "县一水厂水源"], "级别": ["一级保护区", "Z"]},
                             geometry=[_square(0, 0, 1000, 1000), _square(0, 1000, 1000, 2000)], crs=GK)  # fmt: skip
    pyogrio.write_dataframe(frame, src, layer="水源", driver="GPKG")
    return src


def test_an_admin_imports_with_a_field_mapping_sees_the_version_and_rolls_back(bureau: Bureau, page, tmp_path: Path) -> None:
    if "admin" not in bureau.passwords:
        bureau.passwords["admin"] = re.search(r"密码 password: (\S+)", bureau.log.read_text(encoding="utf-8")).group(1)
    page.goto(bureau.url)
    wait_ready(page)
    _sign_in(page, "admin", bureau.passwords["admin"])
    _open(page, "图层管理")
    choose_layer = page.locator("[data-testid='stSelectbox']").filter(has_text="图层").first
    choose_layer.click()
    page.get_by_role("option").filter(has_text="water_source").first.click()
    wait_ready(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(_upload_layer(tmp_path)))
    page.get_by_text("已读取 2 条要素").wait_for(timeout=TIMEOUT_MS)
    # 级别 -> grade proposed by its Chinese title, 一级保护区 -> 一级 by alias; 名称 is not the
    # catalogue's title of name (水源地名称): first the check lists what is missing.
    page.get_by_text("级别（grade） * 的取值").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="检查（不写入）").click()
    page.get_by_text("发现以下问题，未写入任何内容：").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(re.compile(r"required field 'name'")).first.wait_for(timeout=TIMEOUT_MS)
    name_box = page.locator("[data-testid='stSelectbox']").filter(has_text="水源地名称（name）").first
    name_box.click()
    page.get_by_role("option", name="名称", exact=True).click()
    wait_ready(page)
    z_box = page.locator("[data-testid='stSelectbox']").filter(has_text=re.compile(r"^Z")).first
    z_box.click()
    page.get_by_role("option", name="准保护区").click()
    wait_ready(page)
    page.get_by_role("spinbutton", name="year, 生效日期").click()
    page.keyboard.type("20250301")  # year, month, day: the segments advance by themselves
    page.keyboard.press("Tab")
    source = page.get_by_role("textbox", name="批复文件", exact=True)
    source.fill("测试县政函〔2025〕1号")
    source.press("Enter")
    wait_ready(page)
    page.get_by_role("button", name="检查（不写入）").click()
    page.get_by_text(re.compile(r"检查通过：将导入为 v2（2 个要素")).wait_for(timeout=TIMEOUT_MS)
    before = bureau.store.read_bytes()
    assert bureau.store.read_bytes() == before  # the check wrote nothing
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_text(re.compile(r"已导入 v2（2 个要素）")).wait_for(timeout=TIMEOUT_MS)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=TIMEOUT_MS)
    versions = pyogrio.read_dataframe(bureau.store, layer="store_history")
    assert list(versions["version"])[-1] == 2 and list(versions["effective_date"])[-1] == "2025-03-01"
    assert list(versions["recorded_by"])[-1] == "admin"
    grades = sorted(pyogrio.read_dataframe(bureau.store, layer="water_source")["grade"])
    assert grades == ["一级", "准保护区"]
    _screen_as_of_before_the_import(page)
    _open(page, "图层管理")
    choose_layer = page.locator("[data-testid='stSelectbox']").filter(has_text="图层").first
    choose_layer.click()
    page.get_by_role("option").filter(has_text="water_source").first.click()
    wait_ready(page)
    page.get_by_text("回退到早先版本").click()
    page.get_by_role("button", name="回退到 v1").click()
    page.get_by_text(re.compile(r"已回退到 v1；v2 已保留")).wait_for(timeout=TIMEOUT_MS)
    assert sorted(pyogrio.read_dataframe(bureau.store, layer="water_source")["name"]) == ["测试一级水源", "测试二级水源"]


def test_the_fifth_wrong_password_in_a_row_is_slowed_down(bureau: Bureau, page) -> None:
    page.goto(bureau.url)
    wait_ready(page)
    for _ in range(3):
        _sign_in(page, "li", "wrong-password")
        page.get_by_text("账户或密码不正确。", exact=True).wait_for(timeout=TIMEOUT_MS)
    _sign_in(page, "li", "wrong-password")
    fourth = time.monotonic()
    page.get_by_text(re.compile(r"连续输错次数过多，请 \d+ 秒后再试")).first.wait_for(timeout=TIMEOUT_MS)
    _sign_in(page, "li", bureau.passwords["li"])  # the 5th try, at once: not heard, though right
    page.get_by_text(re.compile(r"本次未核对密码")).wait_for(timeout=TIMEOUT_MS)
    while True:  # the same right password, again and again, until it is heard
        _sign_in(page, "li", bureau.passwords["li"])
        try:
            page.get_by_text("已登录：li（审查人员）").wait_for(timeout=1_000)
            break
        except PlaywrightError:
            assert time.monotonic() - fourth < 60
    delay = time.monotonic() - fourth
    assert delay >= 2.0  # ZONING_SIGNIN_DELAY_S: the first wait is 2 s


def test_saved_screenings_survive_a_restart(tmp_path_factory: pytest.TempPathFactory, browser) -> None:
    folder = tmp_path_factory.mktemp("restart")
    data_dir, store, logs = folder / "data", build_store(folder / "county.gpkg"), folder / "log"
    logs.mkdir()
    password = _users_add(data_dir, "zhou", "reviewer")

    def session(url: str):
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        pg = context.new_page()
        pg.goto(url)
        wait_ready(pg)
        _sign_in(pg, "zhou", password)
        pg.get_by_text("已登录：zhou（审查人员）").wait_for(timeout=TIMEOUT_MS)
        return context, pg

    with running_app(store, logs, ZONING_DATA_DIR=str(data_dir)) as url:
        context, pg = session(url)
        _open(pg, "项目筛查")
        _screen_typed(pg)
        number = _save(pg)
        context.close()
    shutil.copy2(logs / "streamlit.log", logs / "first.log")
    with running_app(store, logs, ZONING_DATA_DIR=str(data_dir)) as url:
        context, pg = session(url)
        _open(pg, "筛查档案")
        field = pg.get_by_label("报告编号").first
        field.fill(number)
        field.press("Enter")
        pg.get_by_text(f"筛查记录 {number}").wait_for(timeout=TIMEOUT_MS)
        context.close()
    assert "首次运行" not in (logs / "streamlit.log").read_text(encoding="utf-8")  # printed once, on the first run only
