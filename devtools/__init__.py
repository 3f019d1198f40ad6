"""Tools for developing and checking the app from outside: serve it in a child process, watch
its memory, drive it in headless Chromium.

Used by the tests, ``bench/load.py`` and ``scripts/screenshots.py``; nothing in ``restore/``,
``train/`` or ``webui/`` imports it.

* `processes.start_process`: a child process that a signal really stops.
* `appserver.serve_app`: ``python app.py`` on a free localhost port, stopped afterwards.
* `memory.RssSampler`: a process's resident memory, sampled from ``/proc``.
* `browser`: headless system Chromium through Playwright, and what a user does on each tab.
"""
