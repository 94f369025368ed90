"""ui.jobs and ui.limits: heavy work queues (in total and per visitor) instead of piling up;
a batch over the limit is refused before it is screened, the limit named."""

from __future__ import annotations

import threading
import time

import pytest

from gis.errors import InputError, LimitError
from gis.limits import Limits
from ui.jobs import JobQueue, ServerBusy
from ui.limits import AppLimits, check_batch, reader_limits


def _run_jobs(queue: JobQueue, visitors: list[str], hold_s: float = 0.15) -> tuple[int, dict[str, int], list[str]]:
    """Run one job per entry of ``visitors`` at once; the most running at once (in total and
    per visitor) and the order they started in."""
    lock = threading.Lock()
    running: dict[str, int] = {}
    most = {"total": 0}
    most_each: dict[str, int] = {}
    started: list[str] = []

    def job(visitor: str, i: int) -> None:
        with queue.slot(visitor, timeout_s=30):
            with lock:
                running[visitor] = running.get(visitor, 0) + 1
                most["total"] = max(most["total"], sum(running.values()))
                most_each[visitor] = max(most_each.get(visitor, 0), running[visitor])
                started.append(f"{visitor}{i}")
            time.sleep(hold_s)
            with lock:
                running[visitor] -= 1

    threads = []
    for i, v in enumerate(visitors):
        th = threading.Thread(target=job, args=(v, i))
        th.start()
        threads.append(th)
        time.sleep(0.01)  # arrival order
    for th in threads:
        th.join(30)
    return most["total"], most_each, started


def test_no_more_than_the_total_run_at_once() -> None:
    total, _each, started = _run_jobs(JobQueue(total=2, per_visitor=5), [f"v{i}" for i in range(8)])
    assert total == 2 and len(started) == 8


def test_one_visitor_runs_one_job_at_a_time_and_others_go_past_it() -> None:
    queue = JobQueue(total=3, per_visitor=1)
    total, each, started = _run_jobs(queue, ["a", "a", "a", "b", "c"])
    assert each["a"] == 1 and total <= 3
    # b and c arrived after a's second and third job but do not wait behind them
    assert started.index("b3") < started.index("a2") and started.index("c4") < started.index("a2")
    assert queue.running == 0 and queue.waiting == 0


def test_waiting_is_reported_and_a_job_that_waits_too_long_is_refused() -> None:
    queue = JobQueue(total=1, per_visitor=1)
    first = queue.acquire("a", timeout_s=1)
    seen: list[tuple[int, bool]] = []
    t0 = time.monotonic()
    with pytest.raises(ServerBusy) as info:
        queue.acquire("b", timeout_s=0.5, on_wait=lambda ahead, own: seen.append((ahead, own)))
    assert 0.4 < time.monotonic() - t0 < 3
    assert seen == [(1, False)]
    assert "job_wait_s" in str(info.value) and "ZONING_APP_JOB_WAIT_S" in info.value.message("zh")
    assert queue.waiting == 0  # the refused job left the queue
    queue.release(first)
    with queue.slot("b", timeout_s=0.5):
        assert queue.running == 1


def test_a_visitors_own_running_job_is_named_as_the_reason() -> None:
    queue = JobQueue(total=4, per_visitor=1)
    first = queue.acquire("a", timeout_s=1)
    seen: list[tuple[int, bool]] = []
    releaser = threading.Timer(0.3, queue.release, args=(first,))
    releaser.start()
    with queue.slot("a", timeout_s=5, on_wait=lambda ahead, own: seen.append((ahead, own))):
        pass
    assert seen and seen[0][1] is True


def test_limits_from_the_environment() -> None:
    assert AppLimits.from_env({}) == AppLimits()
    lim = AppLimits.from_env({"ZONING_APP_JOBS": "4", "ZONING_APP_JOB_WAIT_S": "2.5"})
    assert (lim.jobs, lim.jobs_per_visitor, lim.job_wait_s) == (4, 1, 2.5)
    with pytest.raises(InputError, match="ZONING_APP_JOBS='many'"):
        AppLimits.from_env({"ZONING_APP_JOBS": "many"})
    with pytest.raises(InputError, match="ZONING_APP_JOBS_PER_VISITOR='0'"):
        AppLimits.from_env({"ZONING_APP_JOBS_PER_VISITOR": "0"})


def test_the_apps_reader_limits_are_stricter_than_the_command_lines_and_raisable() -> None:
    cli, app = Limits(), reader_limits({})
    for name in ("unzipped_bytes", "text_bytes", "file_bytes", "features", "vertices", "batch"):
        assert getattr(app, name) < getattr(cli, name), name
    assert app.zip_ratio == cli.zip_ratio and app.config_bytes == cli.config_bytes
    raised = reader_limits({"ZONING_MAX_BATCH": "5000", "ZONING_MAX_UNZIPPED_BYTES": "1G"})
    assert (raised.batch, raised.unzipped_bytes) == (5000, 2**30)


def test_a_batch_over_the_limit_is_refused_naming_file_count_limit_and_setting() -> None:
    check_batch(2000, "projects.csv")
    with pytest.raises(LimitError) as info:
        check_batch(100_000, "projects.csv")
    en, zh = str(info.value), info.value.message("zh")
    for text in (en, zh):
        assert "projects.csv" in text and "100,000" in text and "2,000" in text and "ZONING_MAX_BATCH" in text
    assert info.value.limit_name == "batch"
