"""Serving the app (``python app.py``): launch until Ctrl-C or SIGTERM, then remove every file
(`serve`).

Gradio is imported only inside `serve`, after `webui.workdir.prepare` has pointed
``$GRADIO_TEMP_DIR`` at the work folder: some Gradio modules read it once, when they are
imported, and would otherwise keep files in the system temporary folder. So this module
imports nothing of Gradio, and neither does ``app.py``.
"""

from __future__ import annotations

import contextlib
import signal

from webui import workdir
from webui.limits import LAUNCH_OPTIONS


def _launch(app_demo, options: dict, stop) -> None:
    """Run the server until it is closed or interrupted, then close it whatever happened."""
    try:
        app_demo.launch(**{**LAUNCH_OPTIONS, **options})
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the clean-up short
            if signal.getsignal(signum) is stop:
                signal.signal(signum, signal.SIG_IGN)
        with contextlib.suppress(Exception):  # closing a server that never started
            app_demo.close()
        workdir.remove_work_dir()


def serve(app_demo=None, **options) -> int:
    """Launch the app (``python app.py``) until Ctrl-C or SIGTERM; returns the exit status.

    ``app_demo``: a `gr.Blocks` to serve (default: `webui.demo.build_demo`); ``options`` go to
    its ``launch`` (``$GRADIO_SERVER_NAME`` and ``$GRADIO_SERVER_PORT`` are Gradio's own).
    SIGTERM (how a Space, systemd or Docker stops a process) is handled as Ctrl-C: Gradio closes
    the server and deletes its files, then the work folder goes. Python's default SIGTERM would
    end the process at once and leave every upload and result on disk. An inherited ignored
    SIGINT or SIGTERM (a background job) stays ignored. Exit status 0 after a normal close,
    128 + the signal number after a signal (130 for SIGINT, 143 for SIGTERM).
    """
    folder = workdir.prepare()
    from webui.demo import build_demo  # imports Gradio: only now (see the module notes)
    from webui.guard import log_to_stderr

    app_demo = app_demo or build_demo()
    received: list[int] = []

    def stop(signum, _frame):
        received.append(signum)
        raise KeyboardInterrupt  # Gradio's launch() closes the server on it

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, stop)
    log_to_stderr()
    _launch(app_demo, options, stop)
    if received:
        print(f"Stopped by {signal.Signals(received[0]).name}; removed the work folder {folder}", flush=True)
        return 128 + received[0]
    return 0
