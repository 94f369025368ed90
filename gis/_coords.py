"""Coordinate text: degrees-minutes-seconds values and pasted coordinate pairs.

Private helpers of ``gis.io``; the public entry points are ``gis.io.parse_dms`` and
``gis.io.parse_coordinates``.

Chinese documents write angles in many styles: ``113°10′13″``, ``28º25'33＂`` (ordinal
sign and full-width quote), ``113度10分13秒``, ``E113°10'13.5"``, ``北纬28°25′33″``. They
are normalised to one notation before a strict parse, so a typo is reported, not guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gis.errors import InputError
from gis.text import Text

Axis = Literal["lon", "lat"] | None

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, and the ideographic space.
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# Order matters: two apostrophes mean seconds and must be replaced before one.
# Chinese texts and other parsers' inputs use look-alikes: the modifier letters ˊ (U+02CA,
# the pinyin second-tone mark typed by Chinese IMEs as a minute mark), ʹ ʺ (U+02B9/02BA),
# ˝ (U+02DD), the reversed primes ‵ ‶, and ⁰ or ˚ for degrees.
_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("''", "″"),
    ("′′", "″"),
    ("’’", "″"),
    ("ˊˊ", "″"),
    ("‵‵", "″"),
    ("°", "°"),
    ("º", "°"),
    ("˚", "°"),
    ("⁰", "°"),
    ("度", "°"),
    ("ˊ", "′"),
    ("ʹ", "′"),
    ("‵", "′"),
    ("ʺ", "″"),
    ("˝", "″"),
    ("‶", "″"),
    ("'", "′"),
    ("’", "′"),
    ("‘", "′"),
    ("´", "′"),
    ("`", "′"),
    ("分", "′"),
    ('"', "″"),
    ("”", "″"),
    ("“", "″"),
    ("〃", "″"),
    ("秒", "″"),
)
_PREFIX_RE = re.compile(r"^(东经|西经|北纬|南纬|东|西|北|南|[NSEWnsew])")
_SUFFIX_RE = re.compile(r"(东经|西经|北纬|南纬|东|西|北|南|[NSEWnsew])$")
_HEMISPHERE: dict[str, tuple[Axis, int]] = {
    "东经": ("lon", 1),
    "东": ("lon", 1),
    "e": ("lon", 1),
    "西经": ("lon", -1),
    "西": ("lon", -1),
    "w": ("lon", -1),
    "北纬": ("lat", 1),
    "北": ("lat", 1),
    "n": ("lat", 1),
    "南纬": ("lat", -1),
    "南": ("lat", -1),
    "s": ("lat", -1),
}
_PART_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)([°′″]?)")
_UNIT_ORDER = {"°": 0, "′": 1, "″": 2}

EXPECTED_ANGLE = (
    "expected decimal degrees such as 113.1702 or degrees-minutes-seconds such as "
    "113°10′13″, 28º25'33＂, 113度10分13秒 or E113°10'13.5\""
)
EXPECTED_ANGLE_ZH = "应为十进制度（如 113.1702）或度分秒（如 113°10′13″、28º25'33＂、113度10分13秒、E113°10'13.5\"）"


def normalise_text(text: str) -> str:
    """Full-width characters to ASCII (so ``，`` ``；`` ``＂`` ``１`` work like their ASCII twins)."""
    return text.translate(_FULLWIDTH)


_THOUSANDS_RE = re.compile(r"\D*\d{1,3}(?:\s\d{3})+(?:\.\d+)?\D*")
_SPACED_DMS_RE = re.compile(r"(\D*?)\s*(\d{1,3})\s+(\d{1,2}(?:\.\d+)?)(?:\s+(\d{1,2}(?:\.\d+)?))?\s*(\D*)")


def _normalise_angle(text: str) -> str:
    s = normalise_text(text).strip()
    for old, new in _SYMBOLS:
        s = s.replace(old, new)
    s = s.replace(":", "§")  # 113:10:13 -> the colon separates d, m, s
    # "113 10 13" (degrees, minutes, seconds apart by spaces, as surveyors write them): the
    # minutes and seconds have one or two digits, which tells them from thousands groups
    # ("38 500 000" stays one number).
    spaced = _SPACED_DMS_RE.fullmatch(s)
    if spaced:
        head, deg, minutes, seconds, tail = spaced.groups()
        s = head + "§".join(p for p in (deg, minutes, seconds) if p) + tail
    elif re.search(r"\d\s+[\d.]", s) and not _THOUSANDS_RE.fullmatch(s):
        # "0 1 2 3" is not 123 (nor 0°1′2″ and a stray 3): numbers apart by spaces that are
        # neither d m s nor thousands groups are refused rather than glued together.
        msg = f"coordinate value {text!r} has numbers separated by spaces that are not degrees minutes seconds; {EXPECTED_ANGLE}"
        zh = f"坐标值“{text}”中有以空格分隔的数字，但不是“度 分 秒”；{EXPECTED_ANGLE_ZH}"
        raise InputError(msg, zh=zh)
    return re.sub(r"\s+", "", s)


def _split_hemisphere(s: str, original: str) -> tuple[str, Axis, int]:
    """Strip a hemisphere prefix or suffix; return the rest, the axis it names and the sign."""
    pre = _PREFIX_RE.match(s)
    suf = _SUFFIX_RE.search(s)
    if pre and suf and suf.start() > 0:
        msg = f"coordinate value {original!r} has a hemisphere label both before and after the number; {EXPECTED_ANGLE}"
        zh = f"坐标值“{original}”在数字前后都标注了方位（如东经、北纬、E、N），只能保留一处；{EXPECTED_ANGLE_ZH}"
        raise InputError(msg, zh=zh)
    if pre:
        axis, sign = _HEMISPHERE[pre.group(1).lower()]
        return s[pre.end() :], axis, sign
    if suf:
        axis, sign = _HEMISPHERE[suf.group(1).lower()]
        return s[: suf.start()], axis, sign
    return s, None, 1


def _colon_to_symbols(s: str) -> str:
    pieces = s.split("§")
    if len(pieces) == 1:
        return s
    if len(pieces) > 3 or any(re.search(r"[°′″]", p) for p in pieces):
        return "\0"  # forces a parse error with the original text
    return "".join(p + u for p, u in zip(pieces, "°′″", strict=False))


def _dms_value(body: str, original: str) -> float:
    parts = _PART_RE.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        msg = f"coordinate value {original!r} is not a longitude/latitude; {EXPECTED_ANGLE}"
        zh = f"坐标值“{original}”不是经度或纬度；{EXPECTED_ANGLE_ZH}"
        raise InputError(msg, zh=zh)
    if len(parts) == 1 and parts[0][1] in ("", "°"):
        return float(parts[0][0])
    values = [0.0, 0.0, 0.0]
    last = -1
    for i, (num, unit) in enumerate(parts):
        # A missing symbol means "the next unit": 113°10 is 113 degrees 10 minutes.
        pos = _UNIT_ORDER[unit] if unit else last + 1
        fractional_not_last = "." in num and i != len(parts) - 1
        # A value must start with degrees: a lone 33″ is a fragment, not an angle.
        if pos <= last or pos > 2 or fractional_not_last or (i == 0 and pos != 0):
            msg = f"coordinate value {original!r} has degrees, minutes and seconds out of order or malformed; {EXPECTED_ANGLE}"
            zh = f"坐标值“{original}”的度、分、秒顺序有误或格式不正确；{EXPECTED_ANGLE_ZH}"
            raise InputError(msg, zh=zh)
        values[pos] = float(num)
        last = pos
    deg, minutes, seconds = values
    if minutes >= 60 or seconds >= 60:
        msg = (
            f"coordinate value {original!r} has minutes or seconds of 60 or more; minutes and seconds must be below 60"
        )
        zh = f"坐标值“{original}”的分或秒达到或超过 60；分和秒都必须小于 60"
        raise InputError(msg, zh=zh)
    return deg + minutes / 60.0 + seconds / 3600.0


def parse_angle(text: str) -> tuple[float, Axis]:
    """Parse one angle in decimal degrees or DMS; return (signed degrees, axis named by its label).

    Raises
    ------
    InputError
        If the text is not an angle, or is out of range (latitude above 90, longitude above 180).
    """
    original = str(text)
    s = _normalise_angle(original)
    sign = 1
    if s[:1] in "+-" and s:
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    s, axis, hemi_sign = _split_hemisphere(s, original)
    if s[:1] in "+-" and s:
        msg = f"coordinate value {original!r} has a sign after the hemisphere label; {EXPECTED_ANGLE}"
        zh = f"坐标值“{original}”在方位标注之后又带了正负号；{EXPECTED_ANGLE_ZH}"
        raise InputError(msg, zh=zh)
    if sign < 0 and hemi_sign < 0:
        msg = f"coordinate value {original!r} is negative and also labelled S/W; give one or the other"
        zh = f"坐标值“{original}”既带负号又标注了南纬/西经（S/W），两者只能用其一"
        raise InputError(msg, zh=zh)
    value = _dms_value(_colon_to_symbols(s), original) * sign * hemi_sign
    limit = 90.0 if axis == "lat" else 180.0
    if abs(value) > limit:
        what = "latitude" if axis == "lat" else "longitude/latitude"
        msg = f"coordinate value {original!r} = {value:g} degrees is out of range for a {what} (at most {limit:g})"
        what_zh = "纬度" if axis == "lat" else "经纬度"
        zh = f"坐标值“{original}”= {value:g}°，超出{what_zh}的范围（绝对值不超过 {limit:g}°）"
        raise InputError(msg, zh=zh)
    return value, axis


def parse_dms(text: str) -> float:
    """Parse a longitude or latitude given in decimal degrees or degrees-minutes-seconds.

    Parameters
    ----------
    text
        One angle: ``113.1702``, ``113°10′13″``, ``28º25'33＂``, ``113度10分13秒``,
        ``E113°10'13.5"``, ``113°10'13.5"E``, ``北纬28°25′33″``, ``-12°30′``, ``113:10:13``.
        Hemisphere letters N/S/E/W and 东经/西经/北纬/南纬 may precede or follow the value;
        S and W (南纬, 西经) make it negative. Full-width characters are accepted.

    Returns
    -------
    float
        Decimal degrees.

    Raises
    ------
    InputError
        Naming the value, if it is malformed or out of range.

    Examples
    --------
    >>> round(parse_dms("113°10′13″"), 6)
    113.170278
    >>> round(parse_dms("28º25'33＂"), 6)
    28.425833
    >>> parse_dms("S12°30′")
    -12.5
    """
    return parse_angle(text)[0]


# --- coordinate pairs ------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPairs:
    """Coordinate pairs parsed from text, in (x, y) = (lon, lat) order."""

    xy: np.ndarray
    notes: tuple[str, ...]


def _number(token: str) -> tuple[float, Axis]:
    try:
        value = float(token)
    except ValueError:
        return parse_angle(token)
    if not math.isfinite(value):
        msg = f"coordinate value {token!r} is not a finite number; {EXPECTED_ANGLE}"
        zh = f"坐标值“{token}”不是有效的数值；{EXPECTED_ANGLE_ZH}"
        raise InputError(msg, zh=zh)
    return value, None


def _glues_numbers(tokens: list[str]) -> bool:
    """True if joining ``tokens`` would fuse two bare numbers ("28.2" + "5" -> "28.25")."""
    return any(a[-1:].isdigit() and b[:1] in "0123456789.+-" and b for a, b in zip(tokens, tokens[1:], strict=False))


def _split_pair(record: str, line_no: int) -> tuple[str, str]:
    if "," in record or "\t" in record:
        tokens = [t.strip() for t in re.split(r"[,\t]", record) if t.strip()]
    else:
        tokens = record.split()
    if len(tokens) == 2:
        return tokens[0], tokens[1]
    # DMS values may contain spaces ("113° 10′ 13″ 28° 25′ 33″"): accept the one split
    # point at which both halves are valid angles, and refuse to guess between several.
    splits = []
    for k in range(1, len(tokens)):
        if _glues_numbers(tokens[:k]) or _glues_numbers(tokens[k:]):
            continue
        left, right = "".join(tokens[:k]), "".join(tokens[k:])
        try:
            _number(left)
            _number(right)
        except InputError:
            continue
        splits.append((left, right))
    if len(splits) == 1:
        return splits[0]
    msg = (
        f"coordinates line {line_no} {record!r} is not one coordinate pair; expected two values "
        "per line (x y, or longitude, latitude) separated by a comma, tab or space, "
        "such as '113.1702, 28.4258' or '113°10′13″ 28°25′33″'"
    )
    zh = (
        f"坐标第 {line_no} 行“{record}”不是一对坐标；每行应有两个数值（x y，或经度、纬度），"
        "以逗号、制表符或空格分隔，如“113.1702, 28.4258”或“113°10′13″ 28°25′33″”"
    )
    raise InputError(msg, zh=zh)


def parse_pairs(text: str) -> ParsedPairs:
    """Split pasted text into coordinate pairs: one pair per line or separated by ``;``.

    A first line without digits is taken as a header and skipped; lines starting with
    ``#`` are comments. Pairs labelled latitude first (``北纬28° 东经113°``) are put in
    longitude, latitude order.

    Raises
    ------
    InputError
        Naming the line and value that cannot be read.
    """
    records = [r.strip() for r in re.split(r"[;\n\r]+", normalise_text(text))]
    records = [r for r in records if r and not r.startswith("#")]
    if records and not re.search(r"\d", records[0]):
        records = records[1:]
    if not records:
        msg = "no coordinates were given; expected at least one pair such as '113.1702, 28.4258'"
        raise InputError(msg, zh=_no_coordinates_zh(text))
    xy = np.empty((len(records), 2), dtype="float64")
    reordered = 0
    for i, record in enumerate(records):
        a_text, b_text = _split_pair(record, i + 1)
        (a, a_axis), (b, b_axis) = _number(a_text), _number(b_text)
        if a_axis is not None and a_axis == b_axis:
            msg = f"coordinates line {i + 1} {record!r} labels both values as {'longitude' if a_axis == 'lon' else 'latitude'}; expected one longitude (E) and one latitude (N)"
            zh = f"坐标第 {i + 1} 行“{record}”的两个值都标注为{'经度' if a_axis == 'lon' else '纬度'}；应为一个经度（东经/E）和一个纬度（北纬/N）"
            raise InputError(msg, zh=zh)
        if a_axis == "lat" and b_axis in ("lon", None) or b_axis == "lon" and a_axis is None:
            a, b = b, a
            reordered += 1
        xy[i] = (a, b)
    notes: tuple[str, ...] = ()
    if reordered:
        notes = (
            Text(
                f"按标注将 {reordered} 组“纬度在前”的坐标调整为经度、纬度顺序",
                f"reordered {reordered} pair(s) labelled latitude first to longitude, latitude",
            ),
        )
    return ParsedPairs(xy, notes)


def _no_coordinates_zh(text: str) -> str:
    """The Chinese 'no coordinates' message; text without digits is most often a place name."""
    given = " ".join(normalise_text(text).split())
    example = "请至少输入一对坐标，如“113.1702, 28.4258”（经度在前，纬度在后）"
    if not given:
        return f"未输入坐标；{example}"
    shown = given if len(given) <= 30 else given[:30] + "……"
    return f"“{shown}”中没有坐标；{example}。地名、地址不能代替坐标"


def looks_like_survey_xy(xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray) -> bool:
    """True if projected (x, y) follow the Chinese surveying habit X = northing, Y = easting.

    In Gauss-Kruger coordinates over China northings lie between about 1.5e6 and 6.1e6 m,
    eastings below 1e6 m (no zone prefix) or above 1.2e7 m (with the zone number), so a
    column of northing-sized x values next to easting-sized y values is unambiguous.
    """
    x = np.asarray(xs, dtype="float64")
    y = np.asarray(ys, dtype="float64")
    if x.size == 0:
        return False
    x_is_northing = bool(np.all((x >= 1.5e6) & (x <= 6.1e6)))
    y_is_easting = bool(np.all((y < 1e6) & (y > 1e4)) or np.all((y > 1.2e7) & (y < 4.6e7)))
    return x_is_northing and y_is_easting


SURVEY_SWAP_NOTE = Text(
    "按测量习惯 X 为北坐标、Y 为东坐标，已对调为东、北顺序",
    "the values follow the surveying convention X = northing, Y = easting; swapped to easting, northing",
)
