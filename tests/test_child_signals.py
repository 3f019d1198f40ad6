"""The helper for child processes stopped with a signal (`devtools.processes.start_process`).

A shell starts a background job (``python -m pytest &``) with SIGINT ignored, and a child
inherits ignored signals and the signal mask across fork and exec; a Python child then never
raises KeyboardInterrupt, so a Ctrl-C test run in the background fails (issue 16). Here the
test itself ignores (and blocks) SIGINT and SIGTERM, as such a job would, and checks that a
child started with `start_process` still has them at their defaults and is still stopped by
them, that a plain `subprocess` child does inherit the ignored signals (so the set-up really
reproduces the background job), and that no test, dev tool, bench or script starts a child
process without the helper.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.processes import STOP_SIGNALS, start_process

REPOSITORY = Path(__file__).resolve().parent.parent
# The code that starts child processes and stops them: the tests and what they drive the app
# with (devtools), and the bench and scripts that serve the app the same way.
SCANNED = ("tests", "devtools", "bench", "scripts")
# The helper itself, and this file (whose pattern below names what it looks for).
EXEMPT = {REPOSITORY / "devtools" / "processes.py", Path(__file__).resolve()}
CHILD_PROCESS = re.compile(r"\bPopen\s*\(|\bpreexec_fn\b|os\.fork\b|os\.spawn|create_subprocess_exec")

# The child reports how it found SIGINT and SIGTERM. Python replaces SIGINT's handler with
# `default_int_handler` (KeyboardInterrupt) at start-up only when SIGINT was SIG_DFL; an
# inherited SIG_IGN is left as it is. SIGTERM is reported as found.
REPORT_SIGNALS = r"""
import json, signal

def name(handler):
    if handler is signal.default_int_handler:
        return "default_int_handler"
    return signal.Handlers(handler).name

blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
print(json.dumps({
    "SIGINT": name(signal.getsignal(signal.SIGINT)),
    "SIGTERM": name(signal.getsignal(signal.SIGTERM)),
    "blocked": sorted(s.name for s in blocked if s in (signal.SIGINT, signal.SIGTERM)),
}))
"""

# Says it is ready, then waits to be stopped.
WAIT = "import sys, time\nprint('ready', flush=True)\ntime.sleep(30)\nsys.exit(3)"


@contextlib.contextmanager
def stop_signals_ignored_and_blocked(block: bool = True):
    """This process as a background job sees it: SIGINT and SIGTERM ignored (and blocked)."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if block else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_without_the_helper_a_child_inherits_the_ignored_signals():
    # The control: without start_process the set-up reproduces the background job's child.
    with stop_signals_ignored_and_blocked():
        result = subprocess.run([sys.executable, "-c", REPORT_SIGNALS], capture_output=True, text=True, timeout=60,
                                check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"SIGINT": "SIG_IGN", "SIGTERM": "SIG_IGN", "blocked": ["SIGINT", "SIGTERM"]}


def test_start_process_gives_the_child_sigint_and_sigterm_at_their_defaults():
    with stop_signals_ignored_and_blocked():
        process = start_process([sys.executable, "-c", REPORT_SIGNALS], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        stdout, stderr = process.communicate(timeout=60)
        # The helper changed the child only: this process still ignores and blocks them.
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        assert set(STOP_SIGNALS) <= signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert process.returncode == 0, stderr
    # default_int_handler: SIGINT was SIG_DFL when the child started.
    assert json.loads(stdout) == {"SIGINT": "default_int_handler", "SIGTERM": "SIG_DFL", "blocked": []}


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda signum: signal.Signals(signum).name)
def test_a_child_started_from_a_background_job_is_still_stopped_by_the_signal(signum):
    # Only ignored, not blocked: the SIGINT of a background job exactly.
    with stop_signals_ignored_and_blocked(block=False):
        process = start_process([sys.executable, "-c", WAIT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # A Python child that dies of an uncaught KeyboardInterrupt re-raises SIGINT on itself.
    assert process.returncode == -signum, stderr
    if signum == signal.SIGINT:
        assert "KeyboardInterrupt" in stderr


def test_every_child_process_in_the_tests_is_started_with_the_helper():
    # A test that starts a child with plain Popen and then stops it with a signal fails only
    # when the suite runs in the background; catch a new one here instead.
    paths = sorted(path for folder in SCANNED for path in (REPOSITORY / folder).rglob("*.py") if path not in EXEMPT)
    assert REPOSITORY / "tests" / "conftest.py" in paths and REPOSITORY / "devtools" / "appserver.py" in paths
    offenders = [f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
                 for path in paths
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if CHILD_PROCESS.search(line)]
    assert not offenders, "start child processes with devtools.processes.start_process:\n" + "\n".join(offenders)
