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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"  # the only address this script ever talks to
START_TIMEOUT_S = 300
BURST_TIMEOUT_S = 900
SOAK_CALLERS = 3
SOAK_MAX_REQUESTS = 20_000  # per caller: a bound on the loop besides the clock
SAMPLE_EVERY_S = 0.2
TARGET_COMPARE_PEAK_MB = 2500
TARGET_SOAK_GROWTH_MB = 100


# ------------------------------------------------------------------------------ the server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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
    """Samples a process's RSS every `SAMPLE_EVERY_S` seconds in a thread; `peak` since `reset`."""

    def __init__(self, pid: int):
        self.pid = pid
        self.timeline: list[tuple[float, float]] = []  # (monotonic time, MB)
        self._peak = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
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


@contextlib.contextmanager
def running_app(model: str | None, workdir: Path, extra_env: dict[str, str] | None = None,
                app_path: Path = REPO_ROOT / "app.py"):
    """``python app.py`` on a free port of 127.0.0.1; yields (url, process). Stopped with
    SIGTERM afterwards (the app then removes its files), killed if it does not stop."""
    port = free_port()
    temp = workdir / "server-temp"
    temp.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GRADIO_", "HF_"))}
    env.update(GRADIO_SERVER_NAME=HOST, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False",
               GRADIO_TEMP_DIR=str(temp), HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    if model:
        env["VHS_RESTORE_MODEL"] = model
    env.update(extra_env or {})
    log_path = workdir / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, str(app_path)], cwd=app_path.parent, env=env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    url = f"http://{HOST}:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.5)
        yield url, process, log_path
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        left = [path for path in temp.rglob("*")]
        if left:
            print(f"warning: the app left {len(left)} entries in its temporary folder", file=sys.stderr)


# ------------------------------------------------------------------------------ inputs
def make_inputs(folder: Path) -> dict[str, Path]:
    """The pictures the requests send: PAL frames, a 12-megapixel pair, a short clip."""
    import cv2
    import numpy as np
    from skimage import data

    from restore import PRESETS, degrade, video
    from restore.images import write_png

    def pal(picture):
        return cv2.resize(picture, (720, 576), interpolation=cv2.INTER_AREA)

    clean = pal(data.astronaut())
    paths = {
        "clean": write_png(folder / "clean.png", clean),
        "damaged": write_png(folder / "damaged.png", degrade(clean, PRESETS["default"], seed=1)),
        "coffee": write_png(folder / "coffee.png", pal(data.coffee())),
    }
    for name, (width, height) in {"vga": (640, 480), "xga": (1024, 768), "small": (300, 200)}.items():
        picture = cv2.resize(data.chelsea(), (width, height), interpolation=cv2.INTER_AREA)
        paths[name] = write_png(folder / f"{name}.png", degrade(picture, PRESETS["default"], seed=2))
    rng = np.random.default_rng(0)
    big = cv2.resize(data.astronaut(), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    big = np.clip(big + rng.normal(0, 4, big.shape), 0, 255).astype(np.uint8)
    paths["big_a"] = write_png(folder / "big_a.png", big)
    paths["big_b"] = write_png(folder / "big_b.png", degrade(big, PRESETS["light"], seed=3))
    frames = [degrade(np.roll(clean, 6 * i, axis=1)[::4, ::4], PRESETS["light"], seed=i) for i in range(10)]
    paths["clip"] = folder / "clip.mp4"
    height, width = frames[0].shape[:2]
    with video.VideoWriter(paths["clip"], video.OutputFormat.for_file(paths["clip"], "h264", width, height, 25)) as clip:
        for index, frame in enumerate(frames):
            clip.write(frame, index)
    return paths


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


def soak_calls(paths: dict[str, Path]):
    """The soak's request mix, in the order each caller cycles through it."""
    from gradio_client import handle_file

    def image(name):
        return handle_file(str(paths[name]))

    return [
        ("restore 720×576", (image("damaged"), False), {"api_name": "/restore"}),
        ("degrade 720×576", (), {"image": image("clean"), "seed": None, "api_name": "/degrade"}),
        ("restore 640×480", (image("vga"), False), {"api_name": "/restore"}),
        ("compare 720×576", (image("clean"), image("damaged"), False), {"api_name": "/compare"}),
        ("restore 1024×768 (tiled)", (image("xga"), False), {"api_name": "/restore"}),
        ("study", (image("coffee"), "default", None), {"api_name": "/study"}),
        ("restore 300×200 PAL", (image("small"), True), {"api_name": "/restore"}),
        ("batch of 3", ([image("damaged"), image("vga"), image("small")], False), {"api_name": "/restore_batch"}),
        ("degrade 720×576 heavy", (), {"image": image("coffee"), "jitter": 1.0, "grain": 1.0, "seed": None,
                                       "api_name": "/degrade"}),
        ("clip 10 frames", (handle_file(str(paths["clip"])), "frames"), {"api_name": "/restore_video"}),
        ("compare 12 MP", (image("big_a"), image("big_b"), False), {"api_name": "/compare"}),
    ]


def soak(url: str, sampler: RssSampler, paths: dict[str, Path], minutes: float, downloads: Path) -> Result:
    """``SOAK_CALLERS`` callers, each cycling through `soak_calls` until the soak ends."""
    calls = soak_calls(paths)
    result = Result(f"soak {minutes:g} min, {SOAK_CALLERS} callers", 0)
    lock = threading.Lock()
    per_kind: dict[str, list[float]] = {}
    # A client each: gradio_client's shared event stream can drop a job when one caller's
    # last event ends just as another's starts (a CancelledError on the client side only).
    clients = [new_client(url, 1, downloads) for _ in range(SOAK_CALLERS)]
    result.rss_before = sampler.reset()
    started = time.monotonic()
    deadline = started + minutes * 60

    def caller(offset: int) -> None:
        client = clients[offset % SOAK_CALLERS]
        for count in range(SOAK_MAX_REQUESTS):
            if time.monotonic() >= deadline:
                return
            kind, args, kwargs = calls[(offset * 4 + count) % len(calls)]  # callers out of step
            kwargs = dict(kwargs)
            if "seed" in kwargs:
                kwargs["seed"] = count  # new damage each time
            if kind == "study":
                args = (*args[:2], count)
            begun = time.monotonic()
            try:
                client.predict(*args, **kwargs)
                outcome = time.monotonic() - begun
            except Exception as exc:  # noqa: BLE001
                outcome = f"{kind}: {type(exc).__name__}: {exc}"
            with lock:
                result.total += 1
                if isinstance(outcome, float):
                    result.latencies.append(outcome)
                    per_kind.setdefault(kind, []).append(outcome)
                else:
                    result.failures.append(outcome)

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(SOAK_CALLERS)]
    for thread in threads:
        thread.start()
    next_report = started + 60
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline + BURST_TIMEOUT_S:
        time.sleep(0.5)
        if time.monotonic() >= next_report:
            next_report += 60
            print(f"  soak {(time.monotonic() - started) / 60:4.1f} min: RSS {rss_mb(sampler.pid) or 0:.0f} MB, "
                  f"{result.total} requests, {len(result.failures)} failed", flush=True)
    for thread in threads:
        thread.join(timeout=5)
    result.wall = time.monotonic() - started
    result.rss_peak = sampler.peak
    for client in clients:
        client.close()
    time.sleep(1.0)
    result.rss_after = rss_mb(sampler.pid) or 0.0

    # Growth after the warm-up (the first 2 minutes; half of a soak shorter than 4 minutes,
    # too short to judge the target). RSS swings with the requests in flight, so each end is
    # the median of 15 s of samples.
    warm_up = 120.0 if minutes >= 4 else minutes * 30.0
    samples = [(t - started, mb) for t, mb in sampler.timeline if t >= started]
    warm = [mb for t, mb in samples if warm_up - 15 <= t <= warm_up]
    late = [mb for t, mb in samples if minutes * 60 - 15 <= t <= minutes * 60]
    if warm and late:
        growth = statistics.median(late) - statistics.median(warm)
        verdict = (f"target < {TARGET_SOAK_GROWTH_MB} MB: {'met' if growth < TARGET_SOAK_GROWTH_MB else 'NOT met'}"
                   if minutes >= 4 else "too short a soak to judge the target (needs --soak-minutes >= 4)")
        result.notes.append(f"RSS {statistics.median(warm):.0f} MB at {warm_up / 60:g} min, {statistics.median(late):.0f} MB "
                            f"at the end (medians of 15 s): growth {growth:+.0f} MB after the warm-up; {verdict}")
    minute_marks = []
    for mark in range(0, int(minutes) + 1):
        near = [mb for t, mb in samples if abs(t - 60 * mark) < 1.0]
        if near:
            minute_marks.append(f"{mark}:{near[0]:.0f}")
    if minute_marks:
        result.notes.append("RSS by minute (min:MB): " + " ".join(minute_marks))
    for kind, values in per_kind.items():
        result.notes.append(f"  {kind:<26} {len(values):>5} ok, p50 {statistics.median(values):6.2f} s")
    return result


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak-minutes", type=float, default=10.0, help="length of the mixed soak (default 10)")
    parser.add_argument("--model", default=None, help="VHS_RESTORE_MODEL for the server (default: the bundled one)")
    parser.add_argument("--only", default="restore,degrade,compare,soak",
                        help="comma-separated tests to run (restore, degrade, compare, soak)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    parser.add_argument("--app", type=Path, default=REPO_ROOT / "app.py",
                        help="the app.py to serve (default: this checkout's; another checkout's to compare)")
    args = parser.parse_args(argv)
    if args.soak_minutes <= 0:
        parser.error("--soak-minutes must be > 0")
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {"restore", "degrade", "compare", "soak"}
    if unknown:
        parser.error(f"unknown tests: {', '.join(sorted(unknown))}")
    extra_env = dict(item.split("=", 1) for item in args.env)

    from gradio_client import handle_file

    workdir = Path(tempfile.mkdtemp(prefix="vhs-load-"))
    results: list[Result] = []
    try:
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
              f"making inputs…", flush=True)
        paths = make_inputs(workdir)
        downloads = workdir / "downloads"
        with running_app(args.model, workdir, extra_env, args.app.resolve()) as (url, process, log_path):
            sampler = RssSampler(process.pid)
            print(f"server pid {process.pid} at {url}: RSS {rss_mb(process.pid):.0f} MB after start", flush=True)
            # One warm-up restore (loads the model) so that the burst measures serving, not loading.
            warm = new_client(url, 1, downloads)
            try:
                begun = time.monotonic()
                warm.predict(handle_file(str(paths["damaged"])), False, api_name="/restore")
                print(f"warm-up /restore (model load) {time.monotonic() - begun:.1f} s, "
                      f"RSS {rss_mb(process.pid):.0f} MB", flush=True)
            finally:
                warm.close()
            if "restore" in wanted:
                results.append(burst("20 concurrent /restore", url, sampler,
                                     [((handle_file(str(paths["damaged"])), False), {"api_name": "/restore"})] * 20,
                                     downloads))
                print(results[-1].row(), flush=True)
            if "degrade" in wanted:
                results.append(burst("50 concurrent /degrade", url, sampler,
                                     [((), {"image": handle_file(str(paths["clean"])), "seed": seed,
                                            "api_name": "/degrade"}) for seed in range(50)], downloads))
                print(results[-1].row(), flush=True)
            if "compare" in wanted:
                results.append(burst("5 concurrent 12 MP /compare", url, sampler,
                                     [((handle_file(str(paths["big_a"])), handle_file(str(paths["big_b"])), False),
                                       {"api_name": "/compare"})] * 5, downloads))
                result = results[-1]
                result.notes.append(f"peak RSS {result.rss_peak:.0f} MB (target < {TARGET_COMPARE_PEAK_MB} MB)")
                print(result.row(), flush=True)
            if "soak" in wanted:
                results.append(soak(url, sampler, paths, args.soak_minutes, downloads))
                print(results[-1].row(), flush=True)
            sampler.stop()
            refused = [line for line in log_path.read_text().splitlines() if line.startswith("refused /")]
            tracebacks = log_path.read_text().count("Traceback")
        print()
        print(HEADER)
        for result in results:
            print(result.row())
        for result in results:
            for note in result.notes:
                print(f"{result.name}: {note}" if not note.startswith("  ") else note)
            for failure in result.failures[:5]:
                print(f"{result.name}: FAILED {failure[:300]}")
        print(f"server log: {len(refused)} refused requests, {tracebacks} tracebacks")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
        bursts_ok = all(not r.failures for r in results if not r.name.startswith("soak"))
        return 0 if bursts_ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
