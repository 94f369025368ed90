"""ui.escape: names reach the reader as the characters they are, in Markdown and in HTML.

The Markdown check renders with markdown-it-py (CommonMark, with GFM's tables and
strikethrough), a renderer the app does not use; the HTML check parses with Python's
html.parser. Streamlit's own renderer is checked in the browser (tests/e2e/test_hostile.py).
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from tests.hostile import HOSTILE
from ui.escape import html_text, md_fill, md_text, safe_filename

MORE = (
    "# 标题",
    "- 列表",
    "1. 编号",
    "> 引用",
    "`代码`",
    "a | b\n--|--\n1 | 2",
    "~~删除~~",
    "行一\n\n# 行二",
    "&lt;已转义&gt; &amp;",
    "<https://example.org/x>",
    "a\\*b",
    "湘江 一级保护区（水域）",
)
CASES = (*HOSTILE, *MORE)


class _Elements(HTMLParser):
    """The start tags and the text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(fragment: str) -> _Elements:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("text", CASES)
def test_md_text_renders_as_the_same_characters_and_no_element(text: str) -> None:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    rendered = md.render(f"名称：{md_text(text)}")
    parsed = _parse(rendered)
    assert parsed.tags == ["p"], rendered  # one paragraph: no image, link, heading, code, HTML
    assert _one_line("".join(parsed.text)) == _one_line(f"名称：{text}")


@pytest.mark.parametrize("text", CASES)
def test_md_text_inside_html_is_text_too(text: str) -> None:
    """The verdict badge puts escaped names into HTML sent with unsafe_allow_html."""
    parsed = _parse(f"<div class='x'>{md_text(text)}</div>")
    assert parsed.tags == ["div"]
    assert _one_line("".join(parsed.text)) == _one_line(text)


def test_md_text_leaves_ordinary_chinese_alone_and_handles_none() -> None:
    assert md_text("湘江株洲段一级保护区") == "湘江株洲段一级保护区"
    assert md_text(None) == ""
    assert "\n" not in md_text("a\nb\r\nc")


@pytest.mark.parametrize("text", CASES)
def test_html_text_is_text_in_an_element_and_in_a_quoted_attribute(text: str) -> None:
    for fragment in (f"<b>{html_text(text)}</b>", f"<i title=\"{html_text(text)}\"></i>", f"<i title='{html_text(text)}'></i>"):
        parsed = _parse(fragment)
        assert parsed.tags == [fragment[1]], fragment
    assert html.unescape(html_text(text)) == text


def test_md_fill_escapes_the_values_not_our_own_markdown() -> None:
    filled = md_fill("**已读取** {file}：{n} 个", file="![t](http://h/x.png)", n=3)
    rendered = MarkdownIt("commonmark").render(filled)
    assert rendered.startswith("<p><strong>已读取</strong>")
    assert "<img" not in rendered and "![t](http://h/x.png)" in html.unescape(rendered)


@pytest.mark.parametrize(
    "stem,expected",
    [
        ("screening-湘江项目", "screening-湘江项目"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ('a"b<c>d|e:f*g?h', "a_b_c_d_e_f_g_h"),
        ("<script>alert(1)</script>", "_script_alert(1)_script_"),
        ("", "download"),
        ("...", "download"),
        ("x" * 200, "x" * 80),
    ],
)
def test_safe_filename(stem: str, expected: str) -> None:
    assert safe_filename(stem) == expected
