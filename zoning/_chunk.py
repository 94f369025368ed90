"""One chunk of a batch screened where it runs (``zoning.batch``: this process, a worker
process, or a dask worker through ``zoning._dask``): its results, or its items rendered by
the caller's part writer, with their positions in the input.

Kept apart from ``zoning.batch`` so that the dask side imports this and not the batch
driver that calls it (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zoning.engine import PreparedProject, screen_prepared
from zoning.model import ScreeningResult

__all__ = ["ChunkOptions", "ChunkDone", "screen_chunk"]


@dataclass(frozen=True)
class ChunkOptions:
    """What every chunk of one batch is screened and rendered with."""

    tolerance_m: float
    near_m: float
    generated_at: str
    item: Callable[..., bytes] | None  # renders one result (workers render), or None: results gathered
    lang: str
    within_m: float | None = None  # list every zone within this radius too (a buffer report)


@dataclass
class ChunkDone:
    """What a chunk (or a lane of chunks) gives back: input positions, verdicts, and either
    the rendered items (``blob``, ``lengths`` of each) or the results."""

    indices: np.ndarray
    verdicts: list[str]
    lengths: np.ndarray | None = None
    blob: bytes = b""
    results: list[ScreeningResult] | None = None


def screen_chunk(items: Sequence[PreparedProject], store: Any, rules: Any, opts: ChunkOptions) -> ChunkDone:
    """Screen ``items`` against ``store.open()`` with ``rules.load()`` (references, opened once
    per process: ``batch.StoreRef``, ``batch.RulesRef``)."""
    results = screen_prepared(
        items, store.open(), rules=rules.load(), tolerance_m=opts.tolerance_m, near_m=opts.near_m,
        generated_at=opts.generated_at, within_m=opts.within_m,
    )  # fmt: skip
    indices = np.array([it.index for it in items], dtype=np.int64)
    verdicts: list[str] = [r.verdict for r in results]
    if opts.item is None:
        return ChunkDone(indices, verdicts, results=results)
    rendered = [opts.item(r, int(i), opts.lang) for r, i in zip(results, indices, strict=True)]
    lengths = np.fromiter((len(b) for b in rendered), dtype=np.int64, count=len(rendered))
    return ChunkDone(indices, verdicts, lengths, b"".join(rendered))
