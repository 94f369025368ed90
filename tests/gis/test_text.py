"""gis.text.Text: a (Chinese, English) pair that reads as the "中文 / English" string it replaces."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from gis.errors import InputError, Label
from gis.io import read_features
from gis.text import Text, joined, text_of, texts_of


def test_a_pair_reads_as_its_joined_string_and_keeps_both_halves() -> None:
    note = Text("CSV 编码 GBK", "CSV encoding GBK")
    assert note == "CSV 编码 GBK / CSV encoding GBK" and isinstance(note, str)
    assert (note.zh, note.en, note.pick("zh"), note.pick("en")) == ("CSV 编码 GBK", "CSV encoding GBK") * 2
    assert note.as_dict() == {"zh": "CSV 编码 GBK", "en": "CSV encoding GBK"}
    assert json.dumps([note], ensure_ascii=False) == '["CSV 编码 GBK / CSV encoding GBK"]'
    assert "GBK" in note and note.startswith("CSV 编码")


@pytest.mark.parametrize("zh,en,expected", [
    ("甲", "A", "甲 / A"),
    ("a.csv", None, "a.csv"),  # reads the same in both languages
    ("a.csv", "a.csv", "a.csv"),
    ("", "only English", "only English"),
])  # fmt: skip
def test_joined_form(zh: str, en: str | None, expected: str) -> None:
    text = Text(zh, en)
    assert str(text) == expected == joined(text.zh, text.en)
    assert text.zh and text.en  # a missing half is the other one


def test_pickle_and_copy_keep_the_pair() -> None:
    for value in (Text("甲", "A"), Label("typed coordinates", "输入的坐标")):
        for back in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value)):
            assert (type(back), str(back), back.zh, back.en) == (type(value), str(value), value.zh, value.en)


def test_fill_formats_both_halves() -> None:
    assert Text("{n} 个点", "{n} points").fill(n=3).as_dict() == {"zh": "3 个点", "en": "3 points"}


def test_text_of_never_splits_a_joined_string() -> None:
    assert text_of("坐标列：X、Y / coordinate columns: X, Y").pick("en") == "坐标列：X、Y / coordinate columns: X, Y"
    label = text_of(Label("typed coordinates", "输入的坐标"))
    assert type(label) is Text and label == "输入的坐标 / typed coordinates"
    assert texts_of(["a", Text("甲", "A"), "a"]) == ("a", "甲 / A")


def test_an_errors_message_is_a_pair() -> None:
    err = InputError("value 'x' is not a number", zh="值“x”不是数字")
    assert err.text.as_dict() == {"zh": "值“x”不是数字", "en": "value 'x' is not a number"}
    assert InputError("only English").text.pick("zh") == "only English"


def test_reader_notes_are_pairs() -> None:
    """What gis.io tells about a read comes as structured pairs (no one splits them again)."""
    fs = read_features("经度,纬度\n112.9,27.8\n".encode(), filename="a.csv")
    assert fs.notes and all(isinstance(n, Text) for n in fs.notes)
    assert "CSV encoding UTF-8" in [n.en for n in fs.notes]
    assert "CSV 编码 UTF-8" in [n.zh for n in fs.notes]
