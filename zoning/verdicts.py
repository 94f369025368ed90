"""The four verdict codes and their order (RULES.md "Verdicts"): the one thing both the result
types (``zoning.model``) and the palette (``zoning.styles``, which gives the codes their words
and colours) need, kept apart so neither imports the other."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

__all__ = ["Verdict", "VERDICTS", "VERDICT_RANK", "worst_verdict"]

Verdict = Literal["prohibited", "conditional", "review", "clear"]

#: Verdict codes from best to worst (RULES.md "Verdicts", precedence 1..4).
VERDICTS: tuple[Verdict, ...] = ("clear", "review", "conditional", "prohibited")
VERDICT_RANK: dict[str, int] = {v: i + 1 for i, v in enumerate(VERDICTS)}


def worst_verdict(verdicts: Iterable[str]) -> Verdict:
    """The worst of ``verdicts`` by RULES.md precedence; ``clear`` when there are none."""
    worst: Verdict = "clear"
    for v in verdicts:
        if VERDICT_RANK[v] > VERDICT_RANK[worst]:
            worst = v  # type: ignore[assignment]
    return worst
