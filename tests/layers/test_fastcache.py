"""The store cache falls back to reading the store, and says so in the log (``layers._fastcache``)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis.log import PACKAGES, configure_logging
from layers.store import ZoneStore

LOGGER = "layers._fastcache"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ZONING_CACHE_DIR", str(folder))
    monkeypatch.delenv("ZONING_CACHE", raising=False)
    return folder


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """configure_logging changes the project's loggers; put them back as they were."""
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in PACKAGES}
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def _entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "stores").glob("*.pkl"))


def test_damaged_entry_is_logged_and_the_store_read_again(
    valid_store: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = ZoneStore.open(valid_store, cache=True)
    (entry,) = _entries(cache_dir)
    entry.write_bytes(b"not a pickle")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        again = ZoneStore.open(valid_store, cache=True)
    warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1, caplog.text
    # It names the entry it fell back from and why (the unpickling error).
    assert str(entry) in warnings[0].getMessage()
    assert "cannot be read" in warnings[0].getMessage()
    # ... and the answer is the store itself, not the damaged entry.
    assert again.sha256 == hashlib.sha256(valid_store.read_bytes()).hexdigest()
    assert again.layer_ids == first.layer_ids
    # The entry was written again and is used next time, without a warning.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        ZoneStore.open(valid_store, cache=True)
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
    assert not _entries(cache_dir)


@pytest.mark.usefixtures("restore_loggers")
def test_configure_logging_sets_how_much_reaches_stderr(
    valid_store: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ZoneStore.open(valid_store, cache=True)
    (entry,) = _entries(cache_dir)

    configure_logging(-1)  # -q: errors only
    entry.write_bytes(b"damaged")
    ZoneStore.open(valid_store, cache=True)
    assert "layers._fastcache" not in capsys.readouterr().err

    configure_logging(0)  # default: warnings
    configure_logging(0)  # again: still one handler, one line per record
    entry.write_bytes(b"damaged")
    ZoneStore.open(valid_store, cache=True)
    err = capsys.readouterr().err
    assert err.count("WARNING layers._fastcache: store cache entry") == 1, err

    entry.unlink()  # a plain miss is said only at debug level
    ZoneStore.open(valid_store, cache=True)
    assert "no store cache entry" not in capsys.readouterr().err

    configure_logging(2)  # -vv: debug
    entry.unlink()
    ZoneStore.open(valid_store, cache=True)
    assert "DEBUG layers._fastcache: no store cache entry" in capsys.readouterr().err
