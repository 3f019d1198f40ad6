"""Stopping the real server (``python app.py``) with a real signal leaves no files behind.

Issue 14: SIGTERM, as a Space sends it, left the app's work folder (uploads, results) and
Gradio's cache on disk; SIGINT left the cache. The server here is started with
``$GRADIO_TEMP_DIR`` pointing at an empty test folder, used (an upload, a degraded image,
a comparison: no model needed), then stopped; the folder must be empty again, and the log
must say so without a traceback.
"""

from __future__ import annotations

import signal

import numpy as np
import pytest
from PIL import Image

from devtools.appserver import serve_app


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_and_removes_every_file(tmp_path, signum):
    from gradio_client import Client, handle_file

    temp = tmp_path / "temp"
    temp.mkdir()
    # serve_app starts the server with SIGINT and SIGTERM at their defaults even when this run
    # is a background job (which inherits SIGINT ignored; issue 16).
    with serve_app(drop_env=("HF_", "VHS_", "GRADIO_"), temp_dir=temp, log_path=tmp_path / "app.log",
                   start_timeout=180) as app:
        picture = tmp_path / "frame.png"
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(picture)
        api = Client(app.url, verbose=False, download_files=str(tmp_path / "downloads"))
        try:
            api.predict(image=handle_file(str(picture)), grain=0.8, api_name="/degrade")
            api.predict(handle_file(str(picture)), handle_file(str(picture)), False, api_name="/compare")
        finally:
            api.close()
        [work] = list(temp.iterdir())  # one work folder, Gradio's cache inside it
        assert work.name.startswith("vhs-restore-app-")
        files = [path.relative_to(work).as_posix() for path in work.rglob("*") if path.is_file()]
        assert any(name.startswith("outputs/") and name.endswith("_degraded.png") for name in files), files
        assert any(name.endswith("/frame.png") and not name.startswith("outputs/") for name in files), files  # the upload

        app.process.send_signal(signum)
        app.process.wait(timeout=60)
    output = app.log()
    assert app.process.returncode == 128 + signum, output
    assert list(temp.iterdir()) == [], output
    assert f"Stopped by {signal.Signals(signum).name}; removed the work folder" in output
    assert "Traceback" not in output, output
