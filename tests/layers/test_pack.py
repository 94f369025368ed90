"""The store's pack (``layers._pack``): what a fresh open gives, never code from the cache.

Every check of a pack file is tried on a real pack: a damaged pointer, a stale one, a file
changed after it was written (digest), a truncated coordinate array (size), offsets that
would crash the geometry builder (structure), and a pickled object array with a matching
manifest (the strongest case: only ``allow_pickle=False`` stands between it and running
code). Each is refused, logged, and the answers are those of the store itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gis.log import PACKAGES, configure_logging
from layers.paths import REPO_ROOT
from layers.store import ZoneStore
from tests.layers.conftest import probe_projects
from zoning import _spatial as sp
from zoning.engine import screen

LOGGER = "layers._pack"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ZONING_CACHE_DIR", str(folder))
    monkeypatch.delenv("ZONING_CACHE", raising=False)
    sp.clear_index_cache()
    yield folder
    sp.clear_index_cache()


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """configure_logging changes the project's loggers; put them back as they were."""
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in PACKAGES}
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def _pointers(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "stores").glob("*.json"))


def _pack_dir(cache_dir: Path) -> Path:
    (folder,) = [p for p in (cache_dir / "packs").iterdir() if not p.name.startswith(".")]
    return folder


def _answers(store: ZoneStore) -> list[dict]:
    sp.clear_index_cache()
    out = [r.to_dict() for r in screen(probe_projects(), store, generated_at="2026-01-01T00:00:00+08:00")]
    sp.clear_index_cache()
    return out


def _reference(path: Path) -> list[dict]:
    return _answers(ZoneStore.open(path, cache=False))


def _rewrite_record(folder: Path, name: str) -> None:
    """Make the manifest of ``folder`` describe the current bytes of ``name`` (a tamperer who
    also edits the manifest: only the content checks can catch it then)."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = (folder / name).read_bytes()
    digest = hashlib.blake2b(data, digest_size=20).hexdigest()
    old = manifest["files"][name]
    manifest["files"][name] = [len(data), digest if old[1] is not None else None]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


class _Trap:
    """Unpickling this object would create ``marker``: proof that code ran from the cache."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.marker, "code ran from the cache"))


def _plant_pickle(path: Path, marker: Path) -> None:
    np.save(path, np.array([_Trap(marker), 1], dtype=object), allow_pickle=True)


def test_pack_holds_what_a_fresh_open_gives(valid_store: Path, cache_dir: Path) -> None:
    first = ZoneStore.open(valid_store, cache=True)
    assert first.pack is not None and _pointers(cache_dir)
    again = ZoneStore.open(valid_store, cache=True)
    fresh = ZoneStore.open(valid_store, cache=False)
    assert again.pack is not None and fresh.pack is None
    assert again.sha256 == fresh.sha256 == hashlib.sha256(valid_store.read_bytes()).hexdigest()
    assert again.layer_ids == fresh.layer_ids and again.extra_layers == fresh.extra_layers
    assert again.problems == fresh.problems
    assert dict(again.layer_info()) == dict(fresh.layer_info())
    for layer in fresh.layer_ids:
        pd.testing.assert_frame_equal(again.layer(layer), fresh.layer(layer))
        assert again.layer(layer).crs == fresh.layer(layer).crs
        assert again.feature_count(layer) == len(fresh.layer(layer))
    assert _answers(again) == _reference(valid_store)


def test_damaged_pointer_is_logged_and_the_store_read_again(
    valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ZoneStore.open(valid_store, cache=True)
    (pointer,) = _pointers(cache_dir)
    pointer.write_bytes(b"not json")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        again = ZoneStore.open(valid_store, cache=True)
    warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1, caplog.text
    # It names the entry it fell back from and why.
    assert str(pointer) in warnings[0].getMessage() and "cannot be read" in warnings[0].getMessage()
    assert again.sha256 == hashlib.sha256(valid_store.read_bytes()).hexdigest()
    # The entry was written again and is used next time, without a word.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert ZoneStore.open(valid_store, cache=True).pack is not None
    assert not [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.INFO], caplog.text


def test_stale_entry_is_logged_at_info(valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    ZoneStore.open(valid_store, cache=True)
    with valid_store.open("ab") as fh:  # the store changes: the entry no longer describes it
        fh.write(b"\0")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        ZoneStore.open(valid_store, cache=True)
    assert any(r.levelno == logging.INFO and "stale" in r.getMessage() for r in caplog.records), caplog.text


def test_bad_size_threshold_turns_the_cache_off_with_a_warning(
    valid_store: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ZONING_CACHE_MIN_BYTES", "32MB")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        ZoneStore.open(valid_store)
    assert any("ZONING_CACHE_MIN_BYTES='32MB'" in r.getMessage() for r in caplog.records), caplog.text
    assert not _pointers(cache_dir)


def test_pickled_layer_file_is_refused_not_run(
    valid_store: Path, cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ZoneStore.open(valid_store, cache=True)
    pack = _pack_dir(cache_dir)
    marker = tmp_path / "ran.txt"
    name = "frames.water_source.g.kind.npy"
    _plant_pickle(pack / name, marker)
    _rewrite_record(pack, name)
    with caplog.at_level(logging.WARNING):
        store = ZoneStore.open(valid_store, cache=True)
        assert store.pack is not None  # the pack opens: the planted file is read only when needed
        frame = store.layer("water_source")
    assert not marker.exists()
    assert any(name in r.getMessage() and "cannot be read" in r.getMessage() for r in caplog.records), caplog.text
    pd.testing.assert_frame_equal(frame, ZoneStore.open(valid_store, cache=False).layer("water_source"))


def test_pickled_index_file_is_refused_not_run(
    valid_store: Path, cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    want = _reference(valid_store)
    assert _answers(ZoneStore.open(valid_store, cache=True)) == want  # writes the engine's arrays
    derived = _pack_dir(cache_dir) / "derived"
    (index,) = derived.glob("index.water_source@EPSG_4547.*")
    marker = tmp_path / "ran.txt"
    _plant_pickle(index / "pc.owner.npy", marker)
    _rewrite_record(index, "pc.owner.npy")
    with caplog.at_level(logging.WARNING):
        got = _answers(ZoneStore.open(valid_store, cache=True))
    assert not marker.exists()
    assert any("pc.owner.npy" in r.getMessage() for r in caplog.records), caplog.text
    assert got == want


def test_changed_file_is_refused_by_its_digest(
    valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ZoneStore.open(valid_store, cache=True)
    table = _pack_dir(cache_dir) / "frames.eco_redline.arrow"
    data = bytearray(table.read_bytes())
    at = data.index("韶山红线".encode())
    data[at : at + len("韶山红线".encode())] = "某某红线".encode()  # same size, other text
    table.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        frame = ZoneStore.open(valid_store, cache=True).layer("eco_redline")
    assert any("does not match its digest" in r.getMessage() for r in caplog.records), caplog.text
    assert list(frame["name"]) == ["韶山红线", "昭山红线"]


def test_truncated_coordinates_are_refused(valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    want = _reference(valid_store)
    _answers(ZoneStore.open(valid_store, cache=True))
    (coords,) = (_pack_dir(cache_dir) / "derived").glob("index.eco_redline@EPSG_4547.*/g.poly.coords.npy")
    coords.write_bytes(coords.read_bytes()[:-16])
    with caplog.at_level(logging.WARNING):
        got = _answers(ZoneStore.open(valid_store, cache=True))
    assert any("bytes, the manifest says" in r.getMessage() for r in caplog.records), caplog.text
    assert got == want


def test_offsets_that_would_crash_the_builder_are_refused(
    valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A polygon part without a ring makes shapely.from_ragged_array crash the interpreter;
    such offsets, even with a manifest that matches them, never reach it."""
    want = _reference(valid_store)
    _answers(ZoneStore.open(valid_store, cache=True))
    (index,) = (_pack_dir(cache_dir) / "derived").glob("index.eco_redline@EPSG_4547.*")
    parts = np.load(index / "g.poly.po.npy")
    parts[1] = parts[0]  # the first part now has no ring; the offsets still end where they should
    np.save(index / "g.poly.po.npy", parts)
    _rewrite_record(index, "g.poly.po.npy")
    with caplog.at_level(logging.WARNING):
        got = _answers(ZoneStore.open(valid_store, cache=True))
    assert any("unusable" in r.getMessage() and "poly offsets po" in r.getMessage() for r in caplog.records), caplog.text
    assert got == want


@pytest.mark.usefixtures("restore_loggers")
def test_configure_logging_sets_how_much_reaches_stderr(
    valid_store: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ZoneStore.open(valid_store, cache=True)
    (pointer,) = _pointers(cache_dir)

    configure_logging(-1)  # -q: errors only
    pointer.write_bytes(b"damaged")
    ZoneStore.open(valid_store, cache=True)
    assert "layers._pack" not in capsys.readouterr().err

    configure_logging(0)  # default: warnings
    configure_logging(0)  # again: still one handler, one line per record
    pointer.write_bytes(b"damaged")
    ZoneStore.open(valid_store, cache=True)
    err = capsys.readouterr().err
    assert err.count("WARNING layers._pack: store cache entry") == 1, err

    pointer.unlink()  # a plain miss is said only at debug level
    ZoneStore.open(valid_store, cache=True)
    assert "no store cache entry" not in capsys.readouterr().err

    configure_logging(2)  # -vv: debug
    pointer.unlink()
    ZoneStore.open(valid_store, cache=True)
    assert "DEBUG layers._pack: no store cache entry" in capsys.readouterr().err


def test_no_product_code_can_unpickle() -> None:
    """The grep the issue asks for: no module of the product imports a deserialiser that
    runs code, and no array is ever loaded with pickles allowed."""
    pattern = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|marshal|shelve|dill|joblib|cloudpickle)\b", re.M)
    offenders = []
    for folder in ("gis", "layers", "zoning", "ui", "pages"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if pattern.search(text) or "allow_pickle=True" in text or "pickle.load" in text:
                offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []
