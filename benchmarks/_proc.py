"""Stopping the servers the benchmarks start."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen, *, timeout_s: float) -> None:
    """Ask ``proc`` to end (SIGTERM); kill it if it has not within ``timeout_s``, and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
