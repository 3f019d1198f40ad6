"""A process's resident memory (RSS), read from ``/proc``: once, or sampled in a thread."""

from __future__ import annotations

import threading
import time

SAMPLE_EVERY_S = 0.2


def rss_mb(pid: int) -> float | None:
    """The process's resident set size in MB (10^6 bytes), from /proc; None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


class RssSampler:
    """Samples a process's RSS every ``every`` seconds in a thread; `peak` since `reset`."""

    def __init__(self, pid: int, every: float = SAMPLE_EVERY_S):
        self.pid = pid
        self.every = every
        self.timeline: list[tuple[float, float]] = []  # (monotonic time, MB)
        self._peak = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            value = rss_mb(self.pid)
            if value is None:
                return
            with self._lock:
                self.timeline.append((time.monotonic(), value))
                self._peak = max(self._peak, value)

    def reset(self) -> float:
        value = rss_mb(self.pid) or 0.0
        with self._lock:
            self._peak = value
        return value

    @property
    def peak(self) -> float:
        with self._lock:
            return max(self._peak, rss_mb(self.pid) or 0.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
