"""Warm a freshly started app: ``python -m ui.readiness PORT`` (``make run`` starts it beside
the server).

Waits until the server answers, then calls its script health check
(``/_stcore/script-health-check``, enabled in .streamlit/config.toml), which runs the app once
in a bare session: the zone store, the rules and the modules are then in the server's
caches before the first visitor arrives — what a deployment's readiness probe does.
Exits 0 once the check passed, 1 if the app did not answer within the time given.
"""

from __future__ import annotations

import sys
import time
import urllib.request


def wait_ready(port: int, *, timeout_s: float = 120.0, host: str = "localhost") -> bool:
    """True once ``http://host:port/_stcore/script-health-check`` answered 200 in time."""
    deadline = time.monotonic() + timeout_s
    url = f"http://{host}:{port}/_stcore/script-health-check"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=max(deadline - time.monotonic(), 1.0)) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1.0)  # the server is still starting
    return False


if __name__ == "__main__":
    sys.exit(0 if wait_ready(int(sys.argv[1]) if len(sys.argv) > 1 else 8501) else 1)
