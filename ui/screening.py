"""Screen projects once per distinct input: Streamlit re-runs the page on every click, and a
screening must not be repeated unless the projects, the store or the rules changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import shapely
import streamlit as st

from ui.jobs import heavy_job
from zoning.model import Project, ScreeningResult

__all__ = ["input_signature", "screen_memo", "CHUNK"]

#: Projects screened per step of the batch progress bar (the engine batches internally).
CHUNK = 50


def input_signature(projects: Sequence[Project], *, store_sha256: str, rules_sha256: str, **params: Any) -> str:
    """A hash of everything a screening answer depends on (geometry bytes included)."""
    digest = hashlib.sha256()
    digest.update(f"{store_sha256}|{rules_sha256}|{json.dumps(params, sort_keys=True, default=str)}".encode())
    for p in projects:
        head = json.dumps([p.name, p.type, dict(p.attributes), p.input_crs, list(p.notes)], sort_keys=True, default=str)
        digest.update(head.encode("utf-8"))
        digest.update(shapely.to_wkb(p.geometry))
    return digest.hexdigest()


def screen_memo(
    memo_key: str,
    projects: Sequence[Project],
    *,
    store: Any,
    rules: Any,
    store_sha256: str,
    tolerance_m: float = 5.0,
    near_m: float = 5000.0,
    progress: Callable[[int, int], object] | None = None,
    within_m: float | None = None,
) -> list[ScreeningResult]:
    """``zoning.engine.screen`` with the answer kept in the session under ``memo_key``.

    The same input (same signature) returns the kept answer without screening again.
    ``progress(done, total)`` is called after each chunk of :data:`CHUNK` projects;
    ``within_m`` asks for every zone within that radius (``ScreeningResult.within``).
    """
    from zoning.engine import screen

    signature = input_signature(
        projects, store_sha256=store_sha256, rules_sha256=getattr(rules, "sha256", ""), tolerance_m=tolerance_m, near_m=near_m,
        **({"within_m": within_m} if within_m is not None else {}),
    )
    kept = st.session_state.get(memo_key)
    if kept is not None and kept[0] == signature:
        return list(kept[1])
    results: list[ScreeningResult] = []
    total = len(projects)
    zones = _zones_label(store)
    with heavy_job():  # a few screenings at a time on the server; the others queue
        for start in range(0, total, CHUNK):
            chunk = list(projects[start : start + CHUNK])
            part = screen(chunk, store, rules=rules, tolerance_m=tolerance_m, near_m=near_m, within_m=within_m)
            # The engine numbers projects within its call; keep the batch position.
            results.extend(_shown(r, start, zones) for r in part)
            if progress is not None:
                progress(min(start + CHUNK, total), total)
    st.session_state[memo_key] = (signature, tuple(results))
    return results


def _zones_label(store: Any) -> str:
    """The store as results name it (``data.zones`` of the JSON, the reports): its path
    relative to the app or its file name — DESIGN.md's ``"data/zones.gpkg"`` — never the
    server's absolute path."""
    from ui.cache import shown_path

    # A store seen as of a date (layers.asof) is named by the store its versions come from.
    path = getattr(store, "origin", None) or getattr(store, "path", store)
    return shown_path(path) if path is not None else ""


def _shown(result: ScreeningResult, offset: int, zones: str) -> ScreeningResult:
    """``result`` at its batch position (``offset`` + its place in the engine's call),
    naming the store by ``zones``."""
    from dataclasses import replace

    project = replace(result.project, index=result.project.index + offset) if offset else result.project
    return replace(result, project=project, data=replace(result.data, zones=zones))
