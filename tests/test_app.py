"""The app's entry point and its public contract.

``app.py`` and the `webui` package do no work when imported (no folder, no environment
variable, no model); `webui.serve.serve` sets the process up before Gradio is imported. Then
the running app through gradio_client: it is launched in-process on a free localhost port
with a tiny untrained model, so these tests check the wiring (api names, argument order,
file transport, errors) rather than restoration quality. The handlers' own tests are in
``test_webui_*.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from webui_helpers import (
    ADDED_DEGRADE_PARAMETERS,
    OLD_DEGRADE_PARAMETERS,
    launched,
    make_image,
    read_png,
    save_png,
)

from restore import PRESETS, DegradeSettings, degrade
from restore.degrade import ORIGINAL_STRENGTH_NAMES
from webui import compare_handlers, degrade_handlers, limits, model, workdir
from webui.demo import build_demo

pytest_plugins = ("webui_fixtures",)  # the fixture corrupt

REPO_ROOT = Path(__file__).resolve().parent.parent


def _run_python(code: str, temp: Path) -> dict:
    """Run ``code`` in a fresh interpreter from the repository root, with ``temp`` as its
    temporary folder and no Gradio or app setting inherited; returns the JSON it prints last."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GRADIO_", "VHS_"))}
    env.update(TMPDIR=str(temp), PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the entry point
def test_importing_the_app_does_no_work(tmp_path):
    # Importing app.py used to set $GRADIO_TEMP_DIR, make a work folder and degrade four
    # examples (issue 13).
    temp = tmp_path / "temp"
    temp.mkdir()
    seen = _run_python("""
        import importlib, json, os, pkgutil, sys
        import app, webui
        modules = sorted(info.name for info in pkgutil.iter_modules(webui.__path__, "webui."))
        for name in modules:
            importlib.import_module(name)
        from webui import model, workdir
        print(json.dumps({
            "modules": modules, "env": sorted(k for k in os.environ if k.startswith("GRADIO_")),
            "tensorflow": "tensorflow" in sys.modules or "keras" in sys.modules,
            "model_loaded": model.MODEL.loaded, "work_dir": workdir._FOLDER.path is not None,
        }))
    """, temp)
    assert {"webui.demo", "webui.serve", "webui.workdir", "webui.model", "webui.restore_tab"} <= set(seen["modules"])
    assert seen["env"] == []  # neither GRADIO_TEMP_DIR nor GRADIO_ANALYTICS_ENABLED set
    assert not seen["tensorflow"] and not seen["model_loaded"] and not seen["work_dir"]
    assert list(temp.iterdir()) == []  # no work folder, no examples


def test_serve_sets_gradio_up_before_importing_it_and_removes_the_work_folder(tmp_path):
    # Some Gradio modules read $GRADIO_TEMP_DIR once, when imported: serve() imports Gradio
    # only after pointing it at the work folder. A normal close removes the folder (status 0).
    temp = tmp_path / "temp"
    temp.mkdir()
    seen = _run_python("""
        import json, os, sys
        import app
        from webui import serve

        class Demo:  # stands in for the built demo: launch() returns at once, as after a close
            def launch(self, **options):
                from gradio import route_utils
                self.seen = {"imported": route_utils.DEFAULT_TEMP_DIR, "env": os.environ["GRADIO_TEMP_DIR"],
                             "analytics": os.environ["GRADIO_ANALYTICS_ENABLED"], "options": options,
                             "gradio_first": None}
            def close(self):
                pass

        first = "gradio" in sys.modules
        demo = Demo()
        status = serve.serve(demo, server_port=1)
        print(json.dumps({**demo.seen, "gradio_first": first, "status": status}))
    """, temp)
    assert seen["gradio_first"] is False and seen["status"] == 0
    assert seen["imported"] == seen["env"] and Path(seen["env"]).parent == temp
    assert Path(seen["env"]).name.startswith("vhs-restore-app-")
    assert seen["analytics"] == "False"
    assert seen["options"] == {**limits.LAUNCH_OPTIONS, "server_port": 1}
    assert list(temp.iterdir()) == []  # the work folder (and its examples) removed


# ------------------------------------------------------------------ the running app, via API
@pytest.fixture(scope="module")
def demo():
    return build_demo()


@pytest.fixture(scope="module")
def client(demo, untrained_model_folder):
    from gradio_client import Client

    patch = pytest.MonkeyPatch()
    patch.setenv("VHS_RESTORE_MODEL", str(untrained_model_folder))
    model.MODEL.set(None)
    try:
        with launched(demo) as url:
            api = Client(url, verbose=False)
            try:
                yield api
            finally:
                api.close()
    finally:
        model.MODEL.set(None)
        patch.undo()


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> tuple[Path, np.ndarray]:
    rgb = make_image(72, 120, seed=3)
    return save_png(tmp_path_factory.mktemp("frames") / "frame.png", rgb), rgb


def test_api_lists_the_contract_endpoints(client, demo):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/restore", "/restore_batch", "/degrade", "/compare", "/study"} <= set(endpoints)
    parameters = endpoints["/degrade"]["parameters"]
    degrade_params = [p["parameter_name"] for p in parameters]
    assert degrade_params == OLD_DEGRADE_PARAMETERS + ADDED_DEGRADE_PARAMETERS
    # Everything added after seed has a default, the library's own: old calls still work.
    defaults = DegradeSettings()
    for parameter in parameters[len(OLD_DEGRADE_PARAMETERS):]:
        assert parameter["parameter_has_default"], parameter["parameter_name"]
        assert parameter["parameter_default"] == getattr(defaults, parameter["parameter_name"])
    assert "band_form" in endpoints["/degrade"]["description"]
    assert demo.max_file_size == limits.MAX_UPLOAD_MB * 1024 * 1024


def test_api_restore(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    restored, (before, after), download = client.predict(handle_file(str(path)), False, api_name="/restore")
    assert read_png(restored).shape == rgb.shape
    assert read_png(before).shape == read_png(after).shape == rgb.shape
    np.testing.assert_array_equal(read_png(download), read_png(restored))
    np.testing.assert_array_equal(read_png(before), rgb)
    restored, _, _ = client.predict(handle_file(str(path)), True, api_name="/restore")
    assert read_png(restored).shape == (72, 128, 3)  # 120 anamorphic samples -> 128 square pixels


def test_api_degrade(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    zeros = [0.0] * len(ORIGINAL_STRENGTH_NAMES)
    preview, download = client.predict(handle_file(str(path)), *zeros, 35, 0, api_name="/degrade")
    np.testing.assert_array_equal(read_png(preview), rgb)  # all sliders at 0: unchanged, lossless
    settings = PRESETS["archive"]
    values = degrade_handlers.settings_values(settings)
    everything = [{**values, "seed": 9}[name] for name in degrade_handlers.DEGRADE_API_PARAMETERS[1:]]  # all, in API order
    preview, download = client.predict(handle_file(str(path)), *everything, api_name="/degrade")
    np.testing.assert_array_equal(read_png(preview), degrade(rgb, settings, seed=9))
    np.testing.assert_array_equal(read_png(download), read_png(preview))


def test_api_degrade_old_positional_call_equals_the_keyword_call(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    default = PRESETS["default"]
    strengths = [getattr(default, name) for name in ORIGINAL_STRENGTH_NAMES]
    positional, _ = client.predict(handle_file(str(path)), *strengths, default.tint_hue, 9, api_name="/degrade")
    keywords, _ = client.predict(
        image=handle_file(str(path)), **dict(zip(ORIGINAL_STRENGTH_NAMES, strengths)), tint_hue=default.tint_hue,
        seed=9, api_name="/degrade",
    )
    expected = degrade(rgb, DegradeSettings(**dict(zip(ORIGINAL_STRENGTH_NAMES, strengths)), tint_hue=default.tint_hue),
                       seed=9)
    np.testing.assert_array_equal(read_png(positional), expected)
    np.testing.assert_array_equal(read_png(keywords), expected)


def test_api_degrade_new_strength_and_forms(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    off = {name: 0.0 for name in ORIGINAL_STRENGTH_NAMES}  # the original sliders default to the default preset
    preview, _ = client.predict(
        image=handle_file(str(path)), **off, seed=3, color_band=1.0, band_form="channel_loss", band_position="top",
        api_name="/degrade",
    )
    out = read_png(preview)
    changed = np.abs(out.astype(int) - rgb).max(axis=(1, 2)) > 0
    assert changed[0]  # the band starts at the top row
    assert not changed[rgb.shape[0] // 2 :].any()  # and never reaches the bottom half
    expected = DegradeSettings(color_band=1.0, band_form="channel_loss", band_position="top")
    np.testing.assert_array_equal(out, degrade(rgb, expected, seed=3))
    shuffled, _ = client.predict(
        image=handle_file(str(path)), **off, seed=3, speckle=0.8, posterize=0.7, shuffle_order=True,
        api_name="/degrade",
    )
    expected = DegradeSettings(speckle=0.8, posterize=0.7, shuffle_order=True)
    np.testing.assert_array_equal(read_png(shuffled), degrade(rgb, expected, seed=3))


def test_api_degrade_refuses_bad_options_naming_them(client, frame):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, _ = frame
    with pytest.raises(AppError, match=r"band_form must be one of any, channel_loss, tint, added_colour; got 'nope'"):
        client.predict(image=handle_file(str(path)), color_band=1.0, band_form="nope", api_name="/degrade")
    with pytest.raises(AppError, match=r"shuffle_order must be true or false, got 'false'"):
        client.predict(image=handle_file(str(path)), shuffle_order="false", api_name="/degrade")
    preview, _ = client.predict(image=handle_file(str(path)), shuffle_order=False, api_name="/degrade")
    assert read_png(preview).shape == frame[1].shape  # the app keeps working


def test_api_compare(client, frame, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, rgb = frame
    ssim_value, psnr_value, heatmap, summary = client.predict(
        handle_file(str(path)), handle_file(str(path)), False, api_name="/compare"
    )
    assert ssim_value == 1.0 and psnr_value == limits.PSNR_CAP_DB and "identical" in summary
    assert read_png(heatmap).shape == rgb.shape
    bad = save_png(tmp_path / "bad.png", degrade(rgb, PRESETS["default"], seed=1))
    ssim_value, psnr_value, _, _ = client.predict(handle_file(str(path)), handle_file(str(bad)), False, api_name="/compare")
    assert ssim_value < 0.9 and psnr_value < 40
    small = save_png(tmp_path / "small.png", rgb[:40, :60])
    with pytest.raises(AppError, match="differ in size"):
        client.predict(handle_file(str(path)), handle_file(str(small)), False, api_name="/compare")
    ssim_value, _, heatmap, _ = client.predict(handle_file(str(path)), handle_file(str(small)), True, api_name="/compare")
    assert 0 < ssim_value < 1 and read_png(heatmap).shape == rgb.shape


def test_api_corrupt_upload_is_an_error_and_the_app_keeps_working(client, frame, corrupt):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"broken.png: cannot read the image header"):
        client.predict(handle_file(str(corrupt)), False, api_name="/restore")
    with pytest.raises(AppError, match=r"broken.png"):
        client.predict(handle_file(str(corrupt)), handle_file(str(corrupt)), False, api_name="/compare")
    path, rgb = frame
    restored, _, _ = client.predict(handle_file(str(path)), False, api_name="/restore")
    assert read_png(restored).shape == rgb.shape


def test_api_pixel_cap(client, frame, monkeypatch):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    monkeypatch.setattr(limits, "MAX_PIXELS", 5000)  # the server runs in this process
    with pytest.raises(AppError, match="too many pixels"):
        client.predict(handle_file(str(frame[0])), False, api_name="/restore")


def test_api_study_and_batch(client, frame, corrupt):
    from gradio_client import handle_file

    path, rgb = frame
    degraded, restored, table, _ = client.predict(handle_file(str(path)), "default", 2, api_name="/study")
    assert read_png(degraded).shape == read_png(restored).shape == rgb.shape
    assert table["headers"] == compare_handlers.STUDY_HEADERS
    assert [row[0] for row in table["data"]] == ["clean vs degraded", "clean vs restored"]
    gallery, pngs, report = client.predict(
        [handle_file(str(path)), handle_file(str(corrupt))], False, api_name="/restore_batch"
    )
    assert len(gallery) == len(pngs) == 1 and read_png(pngs[0]).shape == rgb.shape
    assert "Restored 1 of 2" in report and "broken.png" in report


def test_api_results_are_stored_once(client, frame):
    # Each result used to be written to the work folder and then copied by Gradio into its
    # cache (a hash-named folder): two copies. Now the file served is the one the handler
    # wrote, inside Gradio's cache (the work folder), and nothing else is made.
    from gradio_client import Client, handle_file

    api = Client(client.src, verbose=False, download_files=False)  # answers the server's paths
    try:
        before = set(workdir.work_dir().rglob("*"))
        restored, (slider_in, slider_out), download = api.predict(handle_file(str(frame[0])), False, api_name="/restore")
        degraded, _ = api.predict(image=handle_file(str(frame[0])), grain=0.5, api_name="/degrade")
        made = {path for path in set(workdir.work_dir().rglob("*")) - before if path.is_file()}
    finally:
        api.close()

    def served(value) -> Path:
        return Path(value["path"] if isinstance(value, dict) else value.path)

    outputs = workdir.work_dir() / "outputs"
    assert served(restored) == served(download) == served(slider_out)
    for path in (served(restored), served(slider_in), served(degraded)):
        assert path.parent.parent == outputs and path.is_file(), path  # the handler's own file
    names = sorted(path.name for path in made if outputs in path.parents)
    assert names == ["frame_degraded.png", "frame_input.png", "frame_restored.png"]
    # Besides those three, at most the upload was stored (once: a second upload of the same
    # bytes finds it already there); no copy of any result.
    assert {path.name for path in made if outputs not in path.parents} <= {"frame.png"}


def test_api_true_false_values_are_checked(client, frame):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"pal_aspect must be true or false, got 'false'"):
        client.predict(handle_file(str(frame[0])), "false", api_name="/restore")
    with pytest.raises(AppError, match=r"resize must be true or false, got 'no'"):
        client.predict(handle_file(str(frame[0])), handle_file(str(frame[0])), "no", api_name="/compare")
    restored, _, _ = client.predict(handle_file(str(frame[0])), False, api_name="/restore")
    assert read_png(restored).shape == frame[1].shape  # not widened


def _call_raw(url: str, api_name: str, data: list) -> dict:
    """POST to /gradio_api/call/<api_name> as any HTTP client would (no gradio_client
    upload in between) and return the final event's JSON: {"event": ..., "data": ...}."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{url}gradio_api/call/{api_name}", json.dumps({"data": data}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id = json.load(response)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event_id}", timeout=60) as response:
        lines = response.read().decode().splitlines()
    event = [line.split(": ", 1)[1] for line in lines if line.startswith("event: ")][-1]
    payload = [line.split(": ", 1)[1] for line in lines if line.startswith("data: ")][-1]
    return {"event": event, "data": json.loads(payload)}


def test_api_refused_requests_give_a_plain_message_and_one_log_line(client, frame, capfd, caplog):
    # Gradio's own checks (a value out of range, a wrong type, a path not uploaded) printed a
    # full traceback each, and told the user "Could not preprocess input component at index 6".
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    image = handle_file(str(frame[0]))
    capfd.readouterr()
    caplog.set_level("WARNING", logger="vhs_restore.app")
    refused = {
        "jitter must be a number, got 'abc'": {"image": image, "jitter": "abc", "api_name": "/degrade"},
        "jitter: Value 2.0 is greater than maximum value 1.0": {"image": image, "jitter": 2.0, "api_name": "/degrade"},
        "seed: Value -3 is less than minimum value 0": {"image": image, "seed": -3, "api_name": "/study"},
        "tint_hue must be a number, got [1, 2]": {"image": image, "tint_hue": [1, 2], "api_name": "/degrade"},
    }
    for message, call in refused.items():
        with pytest.raises(AppError) as caught:
            client.predict(**call)
        assert message in str(caught.value)
        assert "Could not preprocess" not in str(caught.value) and "index" not in str(caught.value)
    raw = {
        "not uploaded": ("restore", [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, False]),
        "not in the expected form": ("restore", ["abc", False]),
        "didn't receive enough input values": ("compare", [None]),
    }
    for message, (api_name, data) in raw.items():
        result = _call_raw(client.src, api_name, data)
        assert result["event"] == "error" and message in result["data"]["error"], result
    records = [record.getMessage() for record in caplog.records if record.name == "vhs_restore.app"]
    assert len(records) == len(refused) + len(raw), records
    assert all(record.startswith("refused /") and "\n" not in record for record in records)
    assert [record.split(":")[0] for record in records[:2]] == ["refused /degrade"] * 2
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    # The app keeps working.
    preview, _ = client.predict(image=image, api_name="/degrade")
    assert read_png(preview).shape == frame[1].shape
