"""What a screening covered, in words: "a `clear` is only as wide as the data" (RULES.md).

``coverage_statement`` turns a result's ``CoverageInfo`` (which layers were checked where the
project lies, which have no data there, which the store lacks) into the sentence reports and
pages print next to the verdict — a ``clear`` says which layers it is clear of. The engine
fills ``CoverageInfo.statement_zh`` / ``statement_en`` with it; a report in one language
calls it again with its own layer titles if it wants.

Examples
--------
>>> from zoning.model import CoverageInfo
>>> info = CoverageInfo(missing=("wetland",), outside=("shoreline",), checked=("eco_redline",))
>>> coverage_statement(info, verdict="clear", titles={"eco_redline": ("生态保护红线", "red line"),
...     "shoreline": ("河流岸线", "shoreline"), "wetland": ("湿地", "wetland")})
'“不涉及”仅就在项目所在地有数据的图层而言：生态保护红线。在项目所在地无数据、未能筛查：河流岸线。图层库未包含：湿地。'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zoning.model import CoverageInfo

__all__ = ["coverage_statement", "layer_title"]


def layer_title(layer: str, titles: Mapping[str, tuple[str, str]] | None, lang: str) -> str:
    """A layer's title in ``lang`` from ``titles`` (layer -> (zh, en)), else its id."""
    pair = (titles or {}).get(layer)
    if pair is None:
        return layer
    return pair[1] if lang == "en" else pair[0]


def _join(layers: Sequence[str], titles: Mapping[str, tuple[str, str]] | None, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(layer_title(lid, titles, lang) for lid in layers)


def coverage_statement(
    coverage: CoverageInfo, *, verdict: str, titles: Mapping[str, tuple[str, str]] | None = None, lang: str = "zh"
) -> str:
    """The sentence saying which layers a result rests on (zh or en).

    Parameters
    ----------
    coverage
        The result's ``CoverageInfo``.
    verdict
        The result's overall verdict: a ``clear`` is worded as "clear of these layers only".
    titles
        Layer id -> (Chinese, English) title; ids are printed where a title is missing.
    """
    zh = lang != "en"
    parts: list[str] = []
    if not coverage.inside_store:
        parts.append(
            "项目位于图层库覆盖范围之外，各图层均未能筛查。" if zh else "The project lies outside the zone store's coverage: no layer could be checked."
        )
    elif coverage.checked:
        listed = _join(coverage.checked, titles, lang)
        if verdict == "clear":
            parts.append(
                f"“不涉及”仅就在项目所在地有数据的图层而言：{listed}。"
                if zh
                else f"'Not affected' holds only for the layers with data where the project lies: {listed}."
            )
        else:
            parts.append(f"已筛查（在项目所在地有数据）：{listed}。" if zh else f"Checked (data where the project lies): {listed}.")
    if coverage.outside and coverage.inside_store:
        listed = _join(coverage.outside, titles, lang)
        parts.append(f"在项目所在地无数据、未能筛查：{listed}。" if zh else f"No data where the project lies, not checked: {listed}.")
    if coverage.missing:
        listed = _join(coverage.missing, titles, lang)
        parts.append(f"图层库未包含：{listed}。" if zh else f"Not in the zone store: {listed}.")
    return ("" if zh else " ").join(parts)
