"""The Gradio app: its handlers as plain functions, then the running app through gradio_client.

Handler tests use a fake restorer (no TensorFlow). The client tests launch the real app
in-process on a free localhost port with a tiny untrained model, so they check the wiring
(api names, argument order, file transport, errors) rather than restoration quality.
"""

from __future__ import annotations

import socket
from pathlib import Path

import cv2
import gradio as gr
import numpy as np
import pytest
from PIL import Image

import app
from restore import PRESETS, DegradeSettings, degrade, psnr, ssim
from restore.degrade import FORM_OPTIONS, ORIGINAL_STRENGTH_NAMES, STRENGTH_NAMES
from restore.degrade.artifacts import STAGES

# The /degrade parameters as callers have always passed them, positionally: the image, the
# sixteen original artifact strengths, the tint hue and the seed. Written out, not derived,
# so that a change to the simulator's names or order cannot move them unnoticed.
OLD_DEGRADE_PARAMETERS = [
    "image", "interlace", "side_borders", "softness", "chroma_smear", "ringing", "grain", "dropouts",
    "tracking", "jitter", "top_skew", "head_switching", "chroma_delay", "tint_band", "levels",
    "pal_aspect", "compression", "tint_hue", "seed",
]
ADDED_DEGRADE_PARAMETERS = [
    "blur", "noise", "line_offsets", "color_band", "resample", "channel_shift", "posterize", "speckle",
    "line_streaks", "second_pass", *FORM_OPTIONS, "shuffle_order",
]


# ------------------------------------------------------------------------------- helpers
def _image(height=64, width=96, seed=0) -> np.ndarray:
    """A smooth colour test picture with some detail."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=2)
    noise = rng.normal(0, 12, (height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _png(path: Path, rgb: np.ndarray, alpha: np.ndarray | None = None) -> Path:
    mode_image = np.dstack([rgb, alpha]) if alpha is not None else rgb
    Image.fromarray(mode_image).save(path)
    return path


def _read(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img)


class FakeRestorer:
    """Stands in for `restore.Restorer`: inverts the picture; PAL aspect widens 720 -> 768."""

    description = "fake model"
    fallback_reason = None

    def __init__(self):
        self.calls = 0

    def restore(self, rgb, pal_aspect=False):
        self.calls += 1
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        out = 255 - rgb
        if pal_aspect:
            out = cv2.resize(out, (round(rgb.shape[1] * 768 / 720), rgb.shape[0]), interpolation=cv2.INTER_CUBIC)
        return out


@pytest.fixture
def fake_model():
    fake = FakeRestorer()
    app.MODEL.set(fake)
    yield fake
    app.MODEL.set(None)


@pytest.fixture
def picture(tmp_path) -> tuple[Path, np.ndarray]:
    rgb = _image()
    return _png(tmp_path / "frame.png", rgb), rgb


@pytest.fixture
def corrupt(tmp_path) -> Path:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"definitely not image data" * 20)
    return path


# ----------------------------------------------------------------------------- handlers
def test_restore_image_returns_pngs_of_input_size(fake_model, picture):
    path, rgb = picture
    restored, (before, after), download = app.restore_image(path)
    assert restored == after == download
    assert Path(restored).name == "frame_restored.png"
    np.testing.assert_array_equal(_read(restored), 255 - rgb)
    np.testing.assert_array_equal(_read(before), rgb)
    assert fake_model.calls == 1


def test_restore_image_pal_aspect_widens_both_slider_images(fake_model, tmp_path):
    path = _png(tmp_path / "pal.png", _image(48, 720))
    restored, (before, after), _ = app.restore_image(path, pal_aspect=True)
    assert _read(restored).shape == (48, 768, 3)
    assert _read(before).shape == _read(after).shape == (48, 768, 3)


def test_restore_image_keeps_alpha(fake_model, tmp_path):
    rgb = _image()
    alpha = np.full(rgb.shape[:2], 200, np.uint8)
    restored, _, _ = app.restore_image(_png(tmp_path / "rgba.png", rgb, alpha))
    out = _read(restored)
    assert out.shape == (*rgb.shape[:2], 4)
    np.testing.assert_array_equal(out[:, :, 3], alpha)


def test_restore_image_applies_exif_orientation(fake_model, tmp_path):
    rgb = _image(40, 80)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "camera.jpg"
    Image.fromarray(rgb).save(path, exif=exif, quality=95)
    restored, _, _ = app.restore_image(path)
    assert _read(restored).shape == (80, 40, 3)


@pytest.mark.parametrize("handler", ["restore", "degrade", "compare", "study"])
def test_corrupt_upload_is_a_clear_error_for_every_handler(fake_model, corrupt, handler):
    call = {
        "restore": lambda: app.restore_image(corrupt),
        "degrade": lambda: app.degrade_image(corrupt, PRESETS["default"], 1),
        "compare": lambda: app.compare_images(corrupt, corrupt),
        "study": lambda: app.run_study(corrupt),
    }[handler]
    with pytest.raises(gr.Error) as info:
        call()
    assert info.value.message.startswith("broken.png: ")  # the file, then the reason
    assert fake_model.calls == 0


def test_not_an_image_and_missing_upload(fake_model, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(gr.Error, match="notes.txt: not a recognised image file"):
        app.restore_image(text)
    with pytest.raises(gr.Error, match="upload"):
        app.restore_image(None)
    with pytest.raises(gr.Error, match="empty file"):
        app.restore_image(_empty(tmp_path))


def _empty(tmp_path) -> Path:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    return path


def test_pixel_cap_is_checked_before_decoding(fake_model, picture, monkeypatch):
    path, _ = picture
    monkeypatch.setattr(app, "MAX_PIXELS", 1000)
    with pytest.raises(gr.Error, match=r"frame.png: too many pixels: 96×64 = 6,144, more than the limit of 1,000"):
        app.restore_image(path)
    assert fake_model.calls == 0


def test_file_size_cap(fake_model, picture, monkeypatch):
    path, _ = picture
    monkeypatch.setattr(app, "MAX_UPLOAD_MB", 0.001)  # about 1 kB
    with pytest.raises(gr.Error, match="frame.png: the file is .* MB, more than the 0.001 MB limit"):
        app.restore_image(path)


def test_model_load_failure_is_a_gr_error(monkeypatch, tmp_path):
    monkeypatch.setenv("VHS_RESTORE_MODEL", str(tmp_path / "no-such-model"))
    holder = app.SharedRestorer()
    with pytest.raises(gr.Error, match="could not be loaded"):
        holder.get()
    assert not holder.loaded


def test_shared_restorer_loads_once(monkeypatch):
    loads = []

    def fake_load(source=None):
        loads.append(source)
        return FakeRestorer()

    import restore

    monkeypatch.setattr(restore, "load_restorer", fake_load, raising=False)
    holder = app.SharedRestorer()
    assert holder.describe().startswith("not loaded")
    first = holder.get()
    assert holder.get() is first
    assert holder.restore(_image()).shape == (64, 96, 3)
    assert loads == [None]
    assert holder.describe() == "fake model"


def test_restore_batch_skips_bad_files_and_reports_them(fake_model, picture, corrupt, tmp_path):
    path, rgb = picture
    other = _png(tmp_path / "other.png", _image(32, 40, seed=1))
    seen = []
    gallery, pngs, report = app.restore_batch(
        [str(path), str(corrupt), str(other)], progress=lambda *a, **k: seen.append((a, k))
    )
    assert [Path(p).name for p in pngs] == ["frame_restored.png", "other_restored.png"]
    assert [caption for _, caption in gallery] == ["frame.png", "other.png"]
    np.testing.assert_array_equal(_read(pngs[0]), 255 - rgb)
    assert "Restored 2 of 3 images" in report and "broken.png" in report
    assert len(seen) >= 3  # progress reported per image


def test_restore_batch_same_names_do_not_overwrite(fake_model, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _png(tmp_path / "a" / "x.png", _image(seed=1))
    second = _png(tmp_path / "b" / "x.png", _image(seed=2))
    _, pngs, _ = app.restore_batch([first, second])
    assert len(set(pngs)) == 2


def test_restore_batch_errors(fake_model, corrupt):
    with pytest.raises(gr.Error, match="upload one or more"):
        app.restore_batch([])
    with pytest.raises(gr.Error, match="No image could be restored"):
        app.restore_batch([corrupt])
    with pytest.raises(gr.Error, match="at most"):
        app.restore_batch(["x.png"] * (app.MAX_BATCH + 1))


def test_degrade_all_zero_is_identity_and_presets_match_library(picture):
    path, rgb = picture
    zero = app.settings_from_values([0.0] * len(STRENGTH_NAMES), 35)
    np.testing.assert_array_equal(_read(app.degrade_image(path, zero, 5)), rgb)
    out = _read(app.degrade_image(path, PRESETS["default"], 5))
    np.testing.assert_array_equal(out, degrade(rgb, PRESETS["default"], seed=5))
    assert Path(app.degrade_image(path, PRESETS["default"], 5)).name == "frame_degraded.png"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset_values_round_trip_to_settings(preset):
    values = app.preset_values(preset)
    assert list(values) == list(app.SETTING_NAMES)  # every strength, the hue, every form, shuffle
    assert app.settings_from_values(values) == PRESETS[preset]


def test_settings_from_values_lists_dicts_and_defaults():
    heavy = app.preset_values("heavy")
    strengths = [heavy[name] for name in STRENGTH_NAMES]
    assert app.settings_from_values(strengths, heavy["tint_hue"]) == PRESETS["heavy"]
    original = [heavy[name] for name in ORIGINAL_STRENGTH_NAMES]  # the original sixteen alone
    assert app.settings_from_values(original) == DegradeSettings(**dict(zip(ORIGINAL_STRENGTH_NAMES, original)))
    assert app.settings_from_values({"grain": 0.5}) == DegradeSettings(grain=0.5)
    assert app.settings_from_values({"grain": None, "tint_hue": None}) == DegradeSettings()
    chosen = app.settings_from_values({"color_band": 1, "band_form": "tint", "shuffle_order": True})
    assert chosen == DegradeSettings(color_band=1.0, band_form="tint", shuffle_order=True)
    assert app.settings_from_values({"shuffle_order": np.bool_(False)}).shuffle_order is False
    with pytest.raises(gr.Error, match="expected"):
        app.settings_from_values([0.1, 0.2])
    with pytest.raises(gr.Error, match="Unknown preset"):
        app.preset_values("nope")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"grain": 1.5}, "grain strength must be in [0, 1], got 1.5"),
        ({"grain": "0.5"}, "grain must be a number, got '0.5'"),
        ({"color_band": True}, "color_band must be a number"),
        ({"band_form": "nope"}, "band_form must be one of any, channel_loss, tint, added_colour; got 'nope'"),
        ({"band_position": None}, "band_position must be one of"),
        ({"resample_filter": 3}, "resample_filter must be one of"),
        ({"shuffle_order": "false"}, "shuffle_order must be true or false, got 'false'"),  # not truthy
        ({"shuffle_order": 1}, "shuffle_order must be true or false, got 1"),
        ({"shuffle_order": None}, "shuffle_order must be true or false"),
        ({"cast": 1.0}, "unknown setting 'cast'"),
    ],
)
def test_settings_from_values_refuses_bad_values_naming_them(values, message):
    with pytest.raises(gr.Error) as info:
        app.settings_from_values(values)
    assert message in info.value.message
    assert info.value.title == "Invalid settings" and info.value.print_exception is False


def test_random_values_are_reproducible_and_valid():
    values, seed = app.random_values(123)
    assert seed == 123 and app.random_values(123) == (values, 123)
    assert list(values) == list(app.SETTING_NAMES)
    assert all(0.0 <= values[name] <= 1.0 for name in STRENGTH_NAMES) and 0 <= values["tint_hue"] < 360
    assert all(values[option] == "any" for option in FORM_OPTIONS)
    assert isinstance(values["shuffle_order"], bool)
    app.settings_from_values(values)  # valid settings
    shuffled = [app.random_values(seed)[0]["shuffle_order"] for seed in range(20)]
    assert True in shuffled and False in shuffled
    _, fresh_seed = app.random_values()
    assert isinstance(fresh_seed, int) and fresh_seed >= 0
    with pytest.raises(gr.Error, match="seed"):
        app.random_values(-1)


def test_every_setting_has_a_label_and_a_place():
    assert set(app.STRENGTH_LABELS) == set(STRENGTH_NAMES)
    assert set(app.FORM_LABELS) == set(FORM_OPTIONS)
    assert set(app.STAGE_TITLES) == set(STAGES)
    for label, info in [*app.STRENGTH_LABELS.values(), *app.FORM_LABELS.values()]:
        assert label and info and "_" not in label
    assert app.SETTING_NAMES == (*STRENGTH_NAMES, "tint_hue", *FORM_OPTIONS, "shuffle_order")
    assert list(app.DEGRADE_API_PARAMETERS) == OLD_DEGRADE_PARAMETERS + ADDED_DEGRADE_PARAMETERS
    description = app.degrade_api_description()
    for name in app.DEGRADE_API_PARAMETERS[1:]:
        assert name in description
    for forms in FORM_OPTIONS.values():
        assert " | ".join(forms) in description


def test_degrade_event_takes_the_api_order(picture):
    path, rgb = picture
    settings = PRESETS["archive"]
    values = {**app.settings_values(settings), "seed": 4}
    preview, download = app.degrade_event(path, *(values[name] for name in app.DEGRADE_API_PARAMETERS[1:]))
    assert preview == download
    np.testing.assert_array_equal(_read(preview), degrade(rgb, settings, seed=4))
    with pytest.raises(gr.Error, match="expected"):
        app.degrade_event(path, 0.0, 35, 0)


def test_degrade_controls_cover_every_setting():
    with gr.Blocks():
        controls = app.degrade_controls(app.preset_values("archive"))
    assert list(controls) == list(app.SETTING_NAMES)
    for name in STRENGTH_NAMES:
        assert isinstance(controls[name], gr.Slider) and controls[name].label == app.STRENGTH_LABELS[name][0]
    for option, forms in FORM_OPTIONS.items():
        dropdown = controls[option]
        assert isinstance(dropdown, gr.Dropdown) and [value for _, value in dropdown.choices] == list(forms)
        assert dropdown.value == getattr(PRESETS["archive"], option)
        assert dropdown.preprocess("nope") == "nope"  # left to the handler, which names the option
    assert isinstance(controls["shuffle_order"], gr.Checkbox) and controls["shuffle_order"].value is False


def test_compare_identical_and_different(picture, tmp_path):
    path, rgb = picture
    ssim_value, psnr_value, heatmap = app.compare_images(path, path)
    assert ssim_value == 1.0 and psnr_value == float("inf")
    assert heatmap.shape == rgb.shape and heatmap.dtype == np.uint8
    assert app.psnr_for_display(psnr_value) == app.PSNR_CAP_DB
    noisy = _png(tmp_path / "noisy.png", degrade(rgb, DegradeSettings(grain=1.0), seed=1))
    ssim_value, psnr_value, heatmap = app.compare_images(path, noisy)
    assert 0.0 < ssim_value < 0.95 and 5.0 < psnr_value < 40.0
    assert len(np.unique(heatmap.reshape(-1, 3), axis=0)) > 10  # a real colour map


def test_compare_sizes_differ_unless_resized(picture, tmp_path):
    path, rgb = picture
    half = _png(tmp_path / "half.png", cv2.resize(rgb, (48, 32), interpolation=cv2.INTER_AREA))
    with pytest.raises(gr.Error, match=r"differ in size: A is 96×64, B is 48×32.*Resize B"):
        app.compare_images(path, half)
    ssim_value, psnr_value, heatmap = app.compare_images(path, half, resize=True)
    assert 0.3 < ssim_value < 1.0 and np.isfinite(psnr_value) and heatmap.shape == rgb.shape


@pytest.mark.parametrize("value", ["false", "no", "true", 0, 1])
def test_checkbox_values_must_be_true_or_false(fake_model, picture, value):
    # "false" and "no" are truthy strings: read as bools they turned PAL resizing on (issue 14).
    path, rgb = picture
    with pytest.raises(gr.Error, match=rf"pal_aspect must be true or false, got {value!r}"):
        app.restore_image(path, value)
    with pytest.raises(gr.Error, match=rf"pal_aspect must be true or false, got {value!r}"):
        app.restore_batch([path], value)
    with pytest.raises(gr.Error, match=rf"resize must be true or false, got {value!r}"):
        app.compare_images(path, path, value)
    assert fake_model.calls == 0
    restored, _, _ = app.restore_image(path, np.bool_(False))
    assert _read(restored).shape == rgb.shape
    restored, _, _ = app.restore_image(path, None)  # an unset checkbox: off
    assert _read(restored).shape == rgb.shape


def test_compare_heat_map_is_bounded_and_the_scores_exact(tmp_path, monkeypatch):
    # A 12-megapixel pair took 29 s and 3.2 GB for a full-size map (issue 14): the map is
    # shown at most MAP_MAX_SIDE long, each pixel its block's mean SSIM; the scores use every pixel.
    from restore.metrics import ssim_map

    rgb = _image(130, 190, seed=5)
    bad = degrade(rgb, PRESETS["default"], seed=2)
    path_a, path_b = _png(tmp_path / "a.png", rgb), _png(tmp_path / "b.png", bad)
    monkeypatch.setattr(app, "MAP_MAX_SIDE", 50)
    ssim_value, psnr_value, heatmap = app.compare_images(path_a, path_b)
    assert heatmap.shape == (33, 48, 3)  # factor 4: ceil(130/4) × ceil(190/4)
    assert ssim_value == round(ssim(rgb, bad), 4) and psnr_value == round(psnr(rgb, bad), 2)
    np.testing.assert_array_equal(heatmap, app.heatmap_colours(ssim_map(rgb, bad, max_side=50)))


def test_ssim_heatmap_colours():
    rgb = _image()
    same = app.ssim_heatmap(rgb, rgb)
    expected = cv2.applyColorMap(np.full((1, 1), 255, np.uint8), cv2.COLORMAP_VIRIDIS)[0, 0, ::-1]
    assert (same == expected).all()  # identical: uniformly the top of the colour map (yellow)


def test_study_scores_degraded_and_restored(fake_model, picture):
    path, rgb = picture
    degraded, restored, rows, summary = app.run_study(path, "default", 4)
    bad = degrade(rgb, PRESETS["default"], seed=4)
    np.testing.assert_array_equal(_read(degraded), bad)
    np.testing.assert_array_equal(_read(restored), 255 - bad)
    assert [row[0] for row in rows] == ["clean vs degraded", "clean vs restored"]
    assert all(len(row) == len(app.STUDY_HEADERS) for row in rows)
    assert "SSIM" in summary and "PSNR" in summary
    with pytest.raises(gr.Error, match="Unknown preset"):
        app.run_study(path, "nope", 1)


def test_examples_are_pal_frames(tmp_path):
    examples = app.make_examples(tmp_path, names=("chelsea",))
    clean, bad = _read(examples.clean[0]), _read(examples.degraded[0])
    assert clean.shape == bad.shape == (576, 720, 3)
    np.testing.assert_array_equal(bad, degrade(clean, PRESETS["default"], seed=app.EXAMPLE_SEED))
    assert app.pal_frame(np.zeros((100, 400, 3), np.uint8)).shape == (576, 720, 3)
    assert app.pal_frame(np.zeros((900, 300, 3), np.uint8)).shape == (576, 720, 3)


def test_image_inputs_pass_the_path_untouched(corrupt):
    component = app.image_input("Image")
    payload = gr.data_classes.FileData(path=str(corrupt), orig_name="broken.png")
    assert component.preprocess(payload) == str(corrupt)  # no Pillow in between
    assert component.preprocess(None) is None
    # A gr.Image subclass would make Gradio write an app.pyi stub beside app.py.
    assert not Path(app.__file__).with_suffix(".pyi").exists()


# ------------------------------------------------------------------ the running app, via API
@pytest.fixture(scope="module")
def client(untrained_model_folder):
    from gradio_client import Client

    patch = pytest.MonkeyPatch()
    patch.setenv("VHS_RESTORE_MODEL", str(untrained_model_folder))
    app.MODEL.set(None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **app.LAUNCH_OPTIONS
    )
    api = None
    try:
        api = Client(f"http://127.0.0.1:{port}/", verbose=False)
        yield api
    finally:
        if api is not None:
            api.close()
        app.demo.close()
        app.MODEL.set(None)
        patch.undo()


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> tuple[Path, np.ndarray]:
    rgb = _image(72, 120, seed=3)
    return _png(tmp_path_factory.mktemp("frames") / "frame.png", rgb), rgb


def test_api_lists_the_contract_endpoints(client):
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
    assert app.demo.max_file_size == app.MAX_UPLOAD_MB * 1024 * 1024


def test_api_restore(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    restored, (before, after), download = client.predict(handle_file(str(path)), False, api_name="/restore")
    assert _read(restored).shape == rgb.shape
    assert _read(before).shape == _read(after).shape == rgb.shape
    np.testing.assert_array_equal(_read(download), _read(restored))
    np.testing.assert_array_equal(_read(before), rgb)
    restored, _, _ = client.predict(handle_file(str(path)), True, api_name="/restore")
    assert _read(restored).shape == (72, 128, 3)  # 120 anamorphic samples -> 128 square pixels


def test_api_degrade(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    zeros = [0.0] * len(ORIGINAL_STRENGTH_NAMES)
    preview, download = client.predict(handle_file(str(path)), *zeros, 35, 0, api_name="/degrade")
    np.testing.assert_array_equal(_read(preview), rgb)  # all sliders at 0: unchanged, lossless
    settings = PRESETS["archive"]
    values = app.settings_values(settings)
    everything = [{**values, "seed": 9}[name] for name in app.DEGRADE_API_PARAMETERS[1:]]  # all, in API order
    preview, download = client.predict(handle_file(str(path)), *everything, api_name="/degrade")
    np.testing.assert_array_equal(_read(preview), degrade(rgb, settings, seed=9))
    np.testing.assert_array_equal(_read(download), _read(preview))


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
    np.testing.assert_array_equal(_read(positional), expected)
    np.testing.assert_array_equal(_read(keywords), expected)


def test_api_degrade_new_strength_and_forms(client, frame):
    from gradio_client import handle_file

    path, rgb = frame
    off = {name: 0.0 for name in ORIGINAL_STRENGTH_NAMES}  # the original sliders default to the default preset
    preview, _ = client.predict(
        image=handle_file(str(path)), **off, seed=3, color_band=1.0, band_form="channel_loss", band_position="top",
        api_name="/degrade",
    )
    out = _read(preview)
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
    np.testing.assert_array_equal(_read(shuffled), degrade(rgb, expected, seed=3))


def test_api_degrade_refuses_bad_options_naming_them(client, frame):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, _ = frame
    with pytest.raises(AppError, match=r"band_form must be one of any, channel_loss, tint, added_colour; got 'nope'"):
        client.predict(image=handle_file(str(path)), color_band=1.0, band_form="nope", api_name="/degrade")
    with pytest.raises(AppError, match=r"shuffle_order must be true or false, got 'false'"):
        client.predict(image=handle_file(str(path)), shuffle_order="false", api_name="/degrade")
    preview, _ = client.predict(image=handle_file(str(path)), shuffle_order=False, api_name="/degrade")
    assert _read(preview).shape == frame[1].shape  # the app keeps working


def test_api_compare(client, frame, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, rgb = frame
    ssim_value, psnr_value, heatmap, summary = client.predict(
        handle_file(str(path)), handle_file(str(path)), False, api_name="/compare"
    )
    assert ssim_value == 1.0 and psnr_value == app.PSNR_CAP_DB and "identical" in summary
    assert _read(heatmap).shape == rgb.shape
    bad = _png(tmp_path / "bad.png", degrade(rgb, PRESETS["default"], seed=1))
    ssim_value, psnr_value, _, _ = client.predict(handle_file(str(path)), handle_file(str(bad)), False, api_name="/compare")
    assert ssim_value < 0.9 and psnr_value < 40
    small = _png(tmp_path / "small.png", rgb[:40, :60])
    with pytest.raises(AppError, match="differ in size"):
        client.predict(handle_file(str(path)), handle_file(str(small)), False, api_name="/compare")
    ssim_value, _, heatmap, _ = client.predict(handle_file(str(path)), handle_file(str(small)), True, api_name="/compare")
    assert 0 < ssim_value < 1 and _read(heatmap).shape == rgb.shape


def test_api_corrupt_upload_is_an_error_and_the_app_keeps_working(client, frame, corrupt):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"broken.png: cannot read the image header"):
        client.predict(handle_file(str(corrupt)), False, api_name="/restore")
    with pytest.raises(AppError, match=r"broken.png"):
        client.predict(handle_file(str(corrupt)), handle_file(str(corrupt)), False, api_name="/compare")
    path, rgb = frame
    restored, _, _ = client.predict(handle_file(str(path)), False, api_name="/restore")
    assert _read(restored).shape == rgb.shape


def test_api_pixel_cap(client, frame, monkeypatch):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    monkeypatch.setattr(app, "MAX_PIXELS", 5000)  # the server runs in this process
    with pytest.raises(AppError, match="too many pixels"):
        client.predict(handle_file(str(frame[0])), False, api_name="/restore")


def test_api_study_and_batch(client, frame, corrupt):
    from gradio_client import handle_file

    path, rgb = frame
    degraded, restored, table, summary = client.predict(handle_file(str(path)), "default", 2, api_name="/study")
    assert _read(degraded).shape == _read(restored).shape == rgb.shape
    assert table["headers"] == app.STUDY_HEADERS
    assert [row[0] for row in table["data"]] == ["clean vs degraded", "clean vs restored"]
    gallery, pngs, report = client.predict(
        [handle_file(str(path)), handle_file(str(corrupt))], False, api_name="/restore_batch"
    )
    assert len(gallery) == len(pngs) == 1 and _read(pngs[0]).shape == rgb.shape
    assert "Restored 1 of 2" in report and "broken.png" in report


# ------------------------------------------------------------------ reliability (issue 14)
def test_each_event_has_its_own_lane_and_the_queue_has_room():
    # 50 concurrent /degrade used to fail ("Queue is full") behind the model's queue.
    fns = {fn.api_name: fn for fn in app.demo.fns.values() if fn.api_name}
    model = {"restore", "restore_batch", "study", "restore_video"}
    assert {fns[name].concurrency_id for name in model} == {"model"}
    assert {fns[name].concurrency_limit for name in model} == {1}
    assert fns["degrade"].concurrency_id == "degrade" and fns["degrade"].concurrency_limit >= 2
    assert fns["compare"].concurrency_id == "compare" and fns["compare"].concurrency_limit >= 1
    assert app.demo._queue.max_size >= 20 + 50 + 5  # bench/load.py's largest burst, and more


def test_gradio_keeps_its_cache_in_the_apps_work_folder():
    from gradio.utils import get_upload_folder

    assert Path(get_upload_folder()) == app._WORK_DIR
    assert Path(app.demo.GRADIO_CACHE) == app._WORK_DIR
    assert all(Path(component.GRADIO_CACHE) == app._WORK_DIR for component in app.demo.blocks.values())


def test_api_results_are_stored_once(client, frame):
    # Each result used to be written to the work folder and then copied by Gradio into its
    # cache (a hash-named folder): two copies. Now the file served is the one the handler
    # wrote, inside Gradio's cache (the work folder), and nothing else is made.
    from gradio_client import Client, handle_file

    api = Client(client.src, verbose=False, download_files=False)  # answers the server's paths
    try:
        before = set(app._WORK_DIR.rglob("*"))
        restored, (slider_in, slider_out), download = api.predict(handle_file(str(frame[0])), False, api_name="/restore")
        degraded, _ = api.predict(image=handle_file(str(frame[0])), grain=0.5, api_name="/degrade")
        made = {path for path in set(app._WORK_DIR.rglob("*")) - before if path.is_file()}
    finally:
        api.close()

    def served(value) -> Path:
        return Path(value["path"] if isinstance(value, dict) else value.path)

    outputs = app._WORK_DIR / "outputs"
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
    assert _read(restored).shape == frame[1].shape  # not widened


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
        "jitter must be a number, got 'abc'": dict(image=image, jitter="abc", api_name="/degrade"),
        "jitter: Value 2.0 is greater than maximum value 1.0": dict(image=image, jitter=2.0, api_name="/degrade"),
        "seed: Value -3 is less than minimum value 0": dict(image=image, seed=-3, api_name="/study"),
        "tint_hue must be a number, got [1, 2]": dict(image=image, tint_hue=[1, 2], api_name="/degrade"),
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
    assert _read(preview).shape == frame[1].shape
