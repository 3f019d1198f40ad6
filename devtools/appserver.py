"""Serve the app for a check from outside: ``python app.py`` in a child process.

`serve_app` runs the real entry point, exactly as a user or a Space runs it, on a free port of
127.0.0.1 with the Hub offline, waits until it answers, yields a `ServedApp` (its URL, the
process, its log file) and stops it with SIGTERM afterwards (killed if it does not stop). The
browser tests, the shutdown test, ``bench/load.py`` and ``scripts/screenshots.py`` all use it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from devtools.processes import start_process

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = REPO_ROOT / "app.py"
HOST = "127.0.0.1"  # the only address the app is served on
LOG_TAIL_CHARS = 5000  # how much of the app's output a failed start shows


@dataclass(frozen=True)
class ServedApp:
    """A running ``python app.py``: where it answers, its process, the file its output goes to."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Return once ``url`` answers 200; raise when ``process`` exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def app_env(port: int, model: str | os.PathLike | None, env: Mapping[str, str] | None,
            drop_env: tuple[str, ...], temp_dir: Path | None) -> dict[str, str]:
    """The app's environment: this process's, less the variables starting with ``drop_env``,
    set to serve on ``HOST:port`` offline, then ``model``, ``temp_dir`` and ``env``."""
    result = {key: value for key, value in os.environ.items() if not key.startswith(drop_env)}
    result.update(GRADIO_SERVER_NAME=HOST, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False",
                  HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
    if model is not None:
        result["VHS_RESTORE_MODEL"] = str(model)
    if temp_dir is not None:
        result["GRADIO_TEMP_DIR"] = str(temp_dir)
    result.update(env or {})
    return result


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM (the app then removes its files); SIGKILL if it has not gone after ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serve_app(model: str | os.PathLike | None = None, *, app: Path = APP_PATH, port: int | None = None,
              env: Mapping[str, str] | None = None, drop_env: tuple[str, ...] = (), temp_dir: Path | None = None,
              log_path: Path | None = None, start_timeout: float = 120.0,
              stop_timeout: float = 10.0) -> Iterator[ServedApp]:
    """Run ``python app.py`` (``app``, from its own folder) on ``HOST:port`` and yield a `ServedApp`.

    ``model`` sets ``$VHS_RESTORE_MODEL`` (None keeps the caller's setting, i.e. the bundled
    checkpoint by default); ``temp_dir`` sets ``$GRADIO_TEMP_DIR``; ``env`` adds variables,
    ``drop_env`` leaves out the caller's whose names start so. The output goes to ``log_path``
    (a temporary file, removed afterwards, when None); its tail is printed if the app fails to
    start within ``start_timeout`` seconds.
    """
    port = port or free_port()
    own_log = log_path is None
    if own_log:
        handle, name = tempfile.mkstemp(prefix="vhs-restore-app-", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    with open(log_path, "w") as log:
        # start_process: the app is stopped with SIGTERM below; SIGINT and SIGTERM at their
        # defaults in the app whatever this process inherited (e.g. a background job's SIG_IGN).
        process = start_process([sys.executable, str(app)], cwd=app.parent, stdout=log, stderr=subprocess.STDOUT,
                                env=app_env(port, model, env, drop_env, temp_dir))
    served = ServedApp(f"http://{HOST}:{port}/", process, log_path)
    try:
        try:
            wait_for_http(served.url, start_timeout, process)
        except Exception:
            sys.stderr.write("---- app.py output ----\n" + served.log()[-LOG_TAIL_CHARS:])
            raise
        yield served
    finally:
        stop_process(process, stop_timeout)
        if own_log:
            log_path.unlink(missing_ok=True)
