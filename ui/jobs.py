"""The queue for heavy work (screening, reports): a few at a time on the server, one per visitor.

Every Streamlit session runs in its own thread, so twenty visitors screening at once would
be twenty screenings competing for two cores and the server's memory. Heavy steps run
inside :func:`heavy_job` instead: at most ``ZONING_APP_JOBS`` run at once on the server
and ``ZONING_APP_JOBS_PER_VISITOR`` per visitor (``ui.limits``); the others wait in
first-come order, their page saying "排队中 / queued" and how many are ahead, and start by
themselves. A job that has waited ``ZONING_APP_JOB_WAIT_S`` gives up with a message asking
to retry later (:class:`ServerBusy`) — never a crash, never an unbounded pile of work.

A visitor is the browser session (Streamlit's session id): behind a reverse proxy every
visitor has the proxy's address, so addresses would make the whole public one visitor.

:class:`JobQueue` is plain threading (tested without Streamlit); :func:`heavy_job` is the
page-side wrapper with the queued message.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gis.errors import PlanningError
from ui.limits import ENV_PREFIX, app_limits

__all__ = ["JobQueue", "ServerBusy", "Ticket", "heavy_job", "server_queue"]


class ServerBusy(PlanningError):
    """A job waited longer than the limit for its turn."""


@dataclass(frozen=True)
class Ticket:
    """One job's place: who asked, and its number in arrival order."""

    visitor: str
    number: int


class JobQueue:
    """First-come queue with a limit in total and per visitor.

    Parameters
    ----------
    total
        Jobs running at once, over all visitors.
    per_visitor
        Jobs of one visitor running at once.
    """

    def __init__(self, total: int, per_visitor: int) -> None:
        self.total = max(int(total), 1)
        self.per_visitor = max(int(per_visitor), 1)
        self._cond = threading.Condition()
        self._running: Counter[str] = Counter()
        self._waiting: list[Ticket] = []
        self._numbers = itertools.count()

    @property
    def running(self) -> int:
        with self._cond:
            return sum(self._running.values())

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _may_start(self, ticket: Ticket) -> bool:
        """Whether ``ticket`` may start now: room in total and for its visitor, and no
        earlier waiter that could start in its place (first come, first served)."""
        if sum(self._running.values()) >= self.total:
            return False
        for earlier in self._waiting:
            if earlier == ticket:
                break
            if self._running[earlier.visitor] < self.per_visitor:
                return False  # an earlier job that can run goes first
        return self._running[ticket.visitor] < self.per_visitor

    def _ahead(self, ticket: Ticket) -> int:
        return self._waiting.index(ticket) + sum(self._running.values()) - self.total + 1

    def acquire(self, visitor: str, *, timeout_s: float, on_wait: Callable[[int, bool], object] | None = None) -> Ticket:
        """Wait for a place; returns the ticket to :meth:`release`.

        ``on_wait(ahead, own)`` is called (in this thread) while waiting, when the number of
        jobs ahead changes: ``own`` says the visitor's own jobs are what it waits for.

        Raises
        ------
        ServerBusy
            If no place came within ``timeout_s`` seconds.
        """
        deadline = time.monotonic() + timeout_s
        with self._cond:
            ticket = Ticket(visitor, next(self._numbers))
            self._waiting.append(ticket)
            shown: tuple[int, bool] | None = None
            try:
                while not self._may_start(ticket):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise _busy(timeout_s)
                    state = (max(self._ahead(ticket), 0), self._running[visitor] >= self.per_visitor)
                    if on_wait is not None and state != shown:
                        shown = state
                        self._cond.release()  # a page update must not hold the queue
                        try:
                            on_wait(*state)
                        finally:
                            self._cond.acquire()
                        continue
                    self._cond.wait(timeout=min(left, 1.0))
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()
            self._running[visitor] += 1
            return ticket

    def release(self, ticket: Ticket) -> None:
        """Give the place of ``ticket`` back (the next waiter starts)."""
        with self._cond:
            self._running[ticket.visitor] -= 1
            if self._running[ticket.visitor] <= 0:
                del self._running[ticket.visitor]
            self._cond.notify_all()

    @contextmanager
    def slot(self, visitor: str, *, timeout_s: float, on_wait: Callable[[int, bool], object] | None = None) -> Iterator[None]:
        """``with queue.slot(visitor, timeout_s=...):`` — run the block in a place of the queue."""
        ticket = self.acquire(visitor, timeout_s=timeout_s, on_wait=on_wait)
        try:
            yield
        finally:
            self.release(ticket)


def _busy(timeout_s: float) -> ServerBusy:
    seconds = f"{timeout_s:.0f}"
    msg = (
        f"the server is busy: this step did not get its turn within {seconds} s (limit job_wait_s, "
        f"{ENV_PREFIX}JOB_WAIT_S); please try again later"
    )
    zh = f"服务器繁忙：等待 {seconds} 秒后仍未轮到本次处理（限制项 job_wait_s，环境变量 {ENV_PREFIX}JOB_WAIT_S），请稍后重试"
    return ServerBusy(msg, zh=zh)


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()


def server_queue() -> JobQueue:
    """The server's one queue, sized by the limits in force when first used."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            limits = app_limits()
            _QUEUE = JobQueue(limits.jobs, limits.jobs_per_visitor)
        return _QUEUE


def _visitor() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


@contextmanager
def heavy_job() -> Iterator[None]:
    """Run the block as a heavy job of this visitor: at once if there is room, else after a
    "排队中 / queued" message on the page that says how many are ahead.

    Raises
    ------
    ServerBusy
        If the job's turn did not come within ``ZONING_APP_JOB_WAIT_S`` (the page shows it).
    """
    import streamlit as st

    from ui.i18n import t

    notice = st.empty()

    def waiting(ahead: int, own: bool) -> None:
        text = t("common.own_job_running", n=server_queue().per_visitor) if own else t("common.queued", ahead=ahead)
        notice.info(text, icon=":material/hourglass_top:")

    try:
        with server_queue().slot(_visitor(), timeout_s=app_limits().job_wait_s, on_wait=waiting):
            notice.empty()
            yield
    finally:
        notice.empty()
