"""Child processes that the signal sent to stop them really stops.

A shell starts a background job (``python -m pytest &``) with SIGINT (and SIGQUIT) ignored, a
parent may block signals, and a child inherits both its ignored signals and its signal mask
across fork and exec. Python then leaves an ignored SIGINT ignored instead of raising
KeyboardInterrupt, so a child started by plain `subprocess.Popen` from such a job never sees
the Ctrl-C sent to it (issue 16). `start_process` is the one place that starts such children:
``tests/test_child_signals.py`` checks that nothing else calls Popen.
"""

from __future__ import annotations

import signal
import subprocess

# The signals sent to stop a child process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _default_stop_signals() -> None:
    """Run in the child between fork and exec: `STOP_SIGNALS` at SIG_DFL and unblocked."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def start_process(args, **kwargs) -> subprocess.Popen:
    """`subprocess.Popen(args, **kwargs)` with SIGINT and SIGTERM at their defaults in the child.

    Use it for every child process that is interrupted or terminated: the child then reacts to
    the signal as it would when started from an interactive shell, whatever the caller itself
    inherited (a background job's ignored SIGINT, a blocked signal). Only the child's signals
    are reset; the caller's own are left alone, and what the code under test does with an
    inherited SIG_IGN is its own business (tests that care set it up themselves).
    """
    if "preexec_fn" in kwargs:
        raise TypeError("start_process sets preexec_fn itself")
    # preexec_fn with threads: unsafe when the function needs something another thread may
    # hold locked at the fork (an import, I/O); this one only sets signal dispositions and the mask.
    return subprocess.Popen(args, preexec_fn=_default_stop_signals, **kwargs)  # noqa: PLW1509
