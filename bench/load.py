"""Load and soak test of the web app: bursts of concurrent requests, then a mixed soak.

    python bench/load.py [--soak-minutes 10] [--model SRC] [--only restore,degrade,compare,soak]

Starts ``python app.py`` in a subprocess on a free port of 127.0.0.1 (its own
``$GRADIO_TEMP_DIR``, removed afterwards; the Hub offline) and drives it with
``gradio_client`` like any API caller, talking to 127.0.0.1 only:

* ``restore``: 20 concurrent ``/restore`` of a damaged 720×576 PAL frame;
* ``degrade``: 50 concurrent ``/degrade`` of a clean 720×576 frame (the default preset);
* ``compare``: 5 concurrent ``/compare`` of a 4000×3000 (12-megapixel) pair;
* ``soak``: ``--soak-minutes`` (default 10) of mixed requests from 3 callers in a loop
  (restore at four sizes, degrade, compare at 720×576 and 12 MP, study, a 3-image batch,
  a 10-frame clip).

For each it prints the successes, the p50 and p95 latency (submit to result, queueing
included), the wall time, and the server's RSS before, at its peak during, and after
(sampled from ``/proc`` every 0.2 s). The soak also prints the RSS timeline each minute and
the growth after its first 2 minutes (after its first half when it is shorter than 4 minutes,
which is too short to judge the target). Targets (issue 14):
every burst request succeeds, peak RSS during the compare burst under 2.5 GB, and RSS grows
less than 100 MB over the soak after the first 2 minutes.

Every loop is bounded twice, by a count and by a deadline: each burst waits at most
``BURST_TIMEOUT_S``; each soak caller stops at the soak's end or after ``SOAK_MAX_REQUESTS``
requests, whichever comes first; the server start waits at most ``START_TIMEOUT_S``.
Figures are wall-clock on whatever else the machine does (the load average is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.load_inputs import burst_calls, make_inputs, soak_calls
from devtools.appserver import APP_PATH, HOST, ServedApp, serve_app
from devtools.memory import RssSampler, rss_mb

START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 60
BURST_TIMEOUT_S = 900
SOAK_CALLERS = 3
SOAK_MAX_REQUESTS = 20_000  # per caller: a bound on the loop besides the clock
TARGET_COMPARE_PEAK_MB = 2500
TARGET_SOAK_GROWTH_MB = 100
TESTS = ("restore", "degrade", "compare", "soak")


# ------------------------------------------------------------------------------ the server
@contextlib.contextmanager
def running_app(model: str | None, workdir: Path, extra_env: dict[str, str] | None = None,
                app_path: Path = APP_PATH) -> Iterator[ServedApp]:
    """``python app.py`` on a free port of 127.0.0.1, its own ``$GRADIO_TEMP_DIR`` in
    ``workdir`` and the caller's Gradio and Hub settings left out. Stopped with SIGTERM
    afterwards (the app then removes its files), killed if it does not stop."""
    temp = workdir / "server-temp"
    temp.mkdir()
    try:
        with serve_app(model or None, app=app_path, env=extra_env, drop_env=("GRADIO_", "HF_"), temp_dir=temp,
                       log_path=workdir / "server.log", start_timeout=START_TIMEOUT_S,
                       stop_timeout=STOP_TIMEOUT_S) as app:
            yield app
    finally:
        left = [path for path in temp.rglob("*")]
        if left:
            print(f"warning: the app left {len(left)} entries in its temporary folder", file=sys.stderr)


# ------------------------------------------------------------------------------ requests
@dataclass
class Result:
    name: str
    total: int
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    rss_before: float = 0.0
    rss_peak: float = 0.0
    rss_after: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        def pct(q: float) -> str:
            if not self.latencies:
                return "-"
            ordered = sorted(self.latencies)
            return f"{ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]:.2f}"

        return (f"{self.name:<28} {len(self.latencies):>4}/{self.total:<4} {pct(0.5):>8} {pct(0.95):>8} "
                f"{self.wall:>8.1f} {self.rss_before:>8.0f} {self.rss_peak:>8.0f} {self.rss_after:>8.0f}")


HEADER = (f"{'test':<28} {'ok/total':>9} {'p50 s':>8} {'p95 s':>8} {'wall s':>8} "
          f"{'RSS MB':>8} {'peak MB':>8} {'after MB':>8}")


def new_client(url: str, workers: int, downloads: Path):
    from gradio_client import Client

    assert url.startswith(f"http://{HOST}:"), url
    # httpx's default 5 s per upload or POST is too short when dozens arrive at once on a
    # busy machine: wait as a browser would (each burst has its own overall limit).
    return Client(url, verbose=False, max_workers=workers, download_files=str(downloads),
                  httpx_kwargs={"timeout": 120})


def burst(name: str, url: str, sampler: RssSampler, calls: list[tuple[tuple, dict]], downloads: Path) -> Result:
    """Submit every call at once (one client, a worker each) and wait for all of them,
    at most `BURST_TIMEOUT_S` in total."""
    result = Result(name, len(calls))
    client = new_client(url, len(calls), downloads)
    try:
        result.rss_before = sampler.reset()
        started = time.monotonic()
        jobs = [(time.monotonic(), client.submit(*args, **kwargs)) for args, kwargs in calls]
        finished = {}

        def wait(index: int, submitted: float, job) -> None:
            try:
                job.result(timeout=max(1.0, BURST_TIMEOUT_S - (time.monotonic() - started)))
                finished[index] = time.monotonic() - submitted
            except Exception as exc:  # noqa: BLE001 - counted as a failure
                finished[index] = f"{type(exc).__name__}: {exc}"

        waiters = [threading.Thread(target=wait, args=(i, t, job), daemon=True) for i, (t, job) in enumerate(jobs)]
        for waiter in waiters:
            waiter.start()
        for waiter in waiters:
            waiter.join(timeout=max(0.0, BURST_TIMEOUT_S + 5 - (time.monotonic() - started)))
        result.wall = time.monotonic() - started
        result.rss_peak = sampler.peak
        for index in range(len(calls)):
            outcome = finished.get(index, "no answer within the time limit")
            if isinstance(outcome, float):
                result.latencies.append(outcome)
            else:
                result.failures.append(outcome)
    finally:
        client.close()
    time.sleep(1.0)
    result.rss_after = rss_mb(sampler.pid) or 0.0
    return result


@dataclass
class SoakTally:
    """What the soak's callers have measured so far; `add` from any caller's thread."""

    result: Result
    per_kind: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, outcome: float | str) -> None:
        with self.lock:
            self.result.total += 1
            if isinstance(outcome, float):
                self.result.latencies.append(outcome)
                self.per_kind.setdefault(kind, []).append(outcome)
            else:
                self.result.failures.append(outcome)


def soak_request(client, calls: list, offset: int, count: int) -> tuple[str, float | str]:
    """Caller ``offset``'s request number ``count``: its kind and latency in s (or the failure)."""
    kind, args, kwargs = calls[(offset * 4 + count) % len(calls)]  # callers out of step
    kwargs = dict(kwargs)
    if "seed" in kwargs:
        kwargs["seed"] = count  # new damage each time
    if kind == "study":
        args = (*args[:2], count)
    begun = time.monotonic()
    try:
        client.predict(*args, **kwargs)
        return kind, time.monotonic() - begun
    except Exception as exc:  # noqa: BLE001
        return kind, f"{kind}: {type(exc).__name__}: {exc}"


def soak_caller(client, calls: list, offset: int, deadline: float, tally: SoakTally) -> None:
    for count in range(SOAK_MAX_REQUESTS):
        if time.monotonic() >= deadline:
            return
        tally.add(*soak_request(client, calls, offset, count))


def watch_soak(threads: list[threading.Thread], started: float, deadline: float, pid: int, result: Result) -> None:
    """Wait for the callers (at most `BURST_TIMEOUT_S` past the deadline), printing RSS each minute."""
    next_report = started + 60
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline + BURST_TIMEOUT_S:
        time.sleep(0.5)
        if time.monotonic() >= next_report:
            next_report += 60
            print(f"  soak {(time.monotonic() - started) / 60:4.1f} min: RSS {rss_mb(pid) or 0:.0f} MB, "
                  f"{result.total} requests, {len(result.failures)} failed", flush=True)
    for thread in threads:
        thread.join(timeout=5)


def soak_notes(samples: list[tuple[float, float]], minutes: float, per_kind: dict[str, list[float]]) -> list[str]:
    """The soak's RSS growth, RSS by minute and per-kind latency; ``samples`` are
    (seconds since the start, MB)."""
    notes = []
    # Growth after the warm-up (the first 2 minutes; half of a soak shorter than 4 minutes,
    # too short to judge the target). RSS swings with the requests in flight, so each end is
    # the median of 15 s of samples.
    warm_up = 120.0 if minutes >= 4 else minutes * 30.0
    warm = [mb for t, mb in samples if warm_up - 15 <= t <= warm_up]
    late = [mb for t, mb in samples if minutes * 60 - 15 <= t <= minutes * 60]
    if warm and late:
        growth = statistics.median(late) - statistics.median(warm)
        verdict = (f"target < {TARGET_SOAK_GROWTH_MB} MB: {'met' if growth < TARGET_SOAK_GROWTH_MB else 'NOT met'}"
                   if minutes >= 4 else "too short a soak to judge the target (needs --soak-minutes >= 4)")
        notes.append(f"RSS {statistics.median(warm):.0f} MB at {warm_up / 60:g} min, {statistics.median(late):.0f} MB "
                     f"at the end (medians of 15 s): growth {growth:+.0f} MB after the warm-up; {verdict}")
    minute_marks = []
    for mark in range(int(minutes) + 1):
        near = [mb for t, mb in samples if abs(t - 60 * mark) < 1.0]
        if near:
            minute_marks.append(f"{mark}:{near[0]:.0f}")
    if minute_marks:
        notes.append("RSS by minute (min:MB): " + " ".join(minute_marks))
    for kind, values in per_kind.items():
        notes.append(f"  {kind:<26} {len(values):>5} ok, p50 {statistics.median(values):6.2f} s")
    return notes


def soak(url: str, sampler: RssSampler, paths: dict[str, Path], minutes: float, downloads: Path) -> Result:
    """``SOAK_CALLERS`` callers, each cycling through `soak_calls` until the soak ends."""
    calls = soak_calls(paths)
    tally = SoakTally(Result(f"soak {minutes:g} min, {SOAK_CALLERS} callers", 0))
    result = tally.result
    # A client each: gradio_client's shared event stream can drop a job when one caller's
    # last event ends just as another's starts (a CancelledError on the client side only).
    clients = [new_client(url, 1, downloads) for _ in range(SOAK_CALLERS)]
    result.rss_before = sampler.reset()
    started = time.monotonic()
    deadline = started + minutes * 60
    threads = [threading.Thread(target=soak_caller, args=(clients[i], calls, i, deadline, tally), daemon=True)
               for i in range(SOAK_CALLERS)]
    for thread in threads:
        thread.start()
    watch_soak(threads, started, deadline, sampler.pid, result)
    result.wall = time.monotonic() - started
    result.rss_peak = sampler.peak
    for client in clients:
        client.close()
    time.sleep(1.0)
    result.rss_after = rss_mb(sampler.pid) or 0.0
    samples = [(t - started, mb) for t, mb in sampler.timeline if t >= started]
    result.notes += soak_notes(samples, minutes, tally.per_kind)
    return result


# ------------------------------------------------------------------------------ main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, with ``wanted`` (the set of tests to run) and ``extra_env`` (a dict) added."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak-minutes", type=float, default=10.0, help="length of the mixed soak (default 10)")
    parser.add_argument("--model", default=None, help="VHS_RESTORE_MODEL for the server (default: the bundled one)")
    parser.add_argument("--only", default=",".join(TESTS),
                        help=f"comma-separated tests to run ({', '.join(TESTS)})")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    parser.add_argument("--app", type=Path, default=APP_PATH,
                        help="the app.py to serve (default: this checkout's; another checkout's to compare)")
    args = parser.parse_args(argv)
    if args.soak_minutes <= 0:
        parser.error("--soak-minutes must be > 0")
    args.wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = args.wanted - set(TESTS)
    if unknown:
        parser.error(f"unknown tests: {', '.join(sorted(unknown))}")
    args.extra_env = dict(item.split("=", 1) for item in args.env)
    return args


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def warm_up(app: ServedApp, paths: dict[str, Path], downloads: Path) -> None:
    """One restore (loads the model) so that the bursts measure serving, not loading."""
    from gradio_client import handle_file

    warm = new_client(app.url, 1, downloads)
    try:
        begun = time.monotonic()
        warm.predict(handle_file(str(paths["damaged"])), False, api_name="/restore")
        print(f"warm-up /restore (model load) {time.monotonic() - begun:.1f} s, "
              f"RSS {rss_mb(app.process.pid):.0f} MB", flush=True)
    finally:
        warm.close()


# A note on a burst's result, by test name.
BURST_NOTES = {"compare": lambda result: f"peak RSS {result.rss_peak:.0f} MB (target < {TARGET_COMPARE_PEAK_MB} MB)"}


def run_tests(args: argparse.Namespace, app: ServedApp, paths: dict[str, Path], downloads: Path) -> list[Result]:
    """The wanted bursts, then the soak, each row printed as it ends; the sampler stopped after."""
    sampler = RssSampler(app.process.pid)
    results: list[Result] = []
    for test, (name, calls) in burst_calls(paths).items():
        if test in args.wanted:
            results.append(burst(name, app.url, sampler, calls, downloads))
            if test in BURST_NOTES:
                results[-1].notes.append(BURST_NOTES[test](results[-1]))
            print(results[-1].row(), flush=True)
    if "soak" in args.wanted:
        results.append(soak(app.url, sampler, paths, args.soak_minutes, downloads))
        print(results[-1].row(), flush=True)
    sampler.stop()
    return results


def print_summary(results: list[Result], server_log: str) -> None:
    refused = [line for line in server_log.splitlines() if line.startswith("refused /")]
    print()
    print(HEADER)
    for result in results:
        print(result.row())
    for result in results:
        for note in result.notes:
            print(f"{result.name}: {note}" if not note.startswith("  ") else note)
        for failure in result.failures[:5]:
            print(f"{result.name}: FAILED {failure[:300]}")
    print(f"server log: {len(refused)} refused requests, {server_log.count('Traceback')} tracebacks")
    print(f"load average {load_average()} at the end")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="vhs-load-"))
    try:
        print(f"load average {load_average()} on {os.cpu_count()} CPUs; making inputs…", flush=True)
        paths = make_inputs(workdir)
        downloads = workdir / "downloads"
        with running_app(args.model, workdir, args.extra_env, args.app.resolve()) as app:
            print(f"server pid {app.process.pid} at {app.url}: RSS {rss_mb(app.process.pid):.0f} MB after start",
                  flush=True)
            warm_up(app, paths, downloads)
            results = run_tests(args, app, paths, downloads)
            server_log = app.log()
        print_summary(results, server_log)
        bursts_ok = all(not r.failures for r in results if not r.name.startswith("soak"))
        return 0 if bursts_ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
