"""The app's Video tab: its handler as a plain function with a fake restorer (no
TensorFlow), the length cap, bad uploads, and the ``restore_video`` API name."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import gradio as gr
import numpy as np
import pytest
from skimage import data
from video_helpers import write_frames
from webui_helpers import launched

from webui import limits, video_handlers, workdir
from webui.demo import build_demo
from webui.model import MODEL

FPS = 25


class Negative:
    """Stands in for a `Restorer`: several pictures per call."""

    description = "fake model"
    fallback_reason = None
    pictures_per_call = 2

    def restore(self, rgb, pal_aspect=False):
        return 255 - rgb

    def restore_batch(self, pictures, pal_aspect=False):
        return [self.restore(picture) for picture in pictures]


@pytest.fixture
def fake_model():
    MODEL.set(Negative())
    yield
    MODEL.set(None)


def clip(path: Path, frames: int, audio: bool = True) -> Path:
    picture = cv2.resize(data.astronaut(), (96, 64), interpolation=cv2.INTER_AREA)
    tone = (3000 * np.sin(np.arange(round(frames / FPS * 48000)) / 8)).astype(np.int16) if audio else None
    return write_frames(path, [np.roll(picture, 2 * i, axis=1) for i in range(frames)], FPS, codec="h264", audio=tone)


def count_frames(path) -> tuple[int, bool]:
    with av.open(str(path)) as container:
        has_audio = bool(container.streams.audio)
        return sum(1 for _ in container.decode(video=0)), has_audio


@pytest.mark.parametrize("mode, factor", [("frames", 1), ("fields", 1), ("bob", 2)])
def test_clip_is_restored_with_its_sound(fake_model, tmp_path, mode, factor):
    before, after = video_handlers.restore_video_clip(str(clip(tmp_path / "clip.mp4", 6)), mode)
    assert Path(before).suffix == Path(after).suffix == ".mp4"  # H.264 + AAC: plays in a browser
    assert count_frames(before) == (6, True)
    assert count_frames(after) == (6 * factor, True)
    with av.open(after) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    with av.open(before) as container:
        original = next(container.decode(video=0)).to_ndarray(format="rgb24")
    if mode != "bob":
        assert np.abs(first.astype(int) - (255 - original.astype(int))).mean() < 8


def test_too_long_a_clip_is_refused_with_a_clear_message(fake_model, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_VIDEO_SECONDS", 0.2)
    monkeypatch.setattr(limits, "MAX_VIDEO_FRAMES", 5)
    with pytest.raises(gr.Error, match=r"clip is 0\.4 s long.*python -m restore"):
        video_handlers.restore_video_clip(str(clip(tmp_path / "long.mp4", 10, audio=False)))


def test_bad_uploads_are_clear_errors(fake_model, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video")
    with pytest.raises(gr.Error, match="notes.mp4.*not a readable video"):
        video_handlers.restore_video_clip(str(fake))
    with pytest.raises(gr.Error, match="upload a video"):
        video_handlers.restore_video_clip(None)
    with pytest.raises(gr.Error, match="Unknown mode"):
        video_handlers.restore_video_clip(str(fake), "weave")


def test_a_truncated_clip_is_an_error_not_a_short_success(fake_model, tmp_path):
    # The app passes max_frames, which used to skip the truncation check: half a 75-frame
    # MKV came back as a 36-frame clip with no warning (issue 14).
    whole = write_frames(tmp_path / "whole.mkv", [np.full((48, 64, 3), 8 * i, np.uint8) for i in range(30)],
                         FPS, codec="ffv1").read_bytes()
    half = tmp_path / "half.mkv"
    half.write_bytes(whole[: len(whole) // 2])
    outputs = workdir.work_dir() / "outputs"
    before = set(outputs.rglob("*")) if outputs.is_dir() else set()
    with pytest.raises(gr.Error, match=r"half\.mkv: the file ends early: \d+ of 30 frames could be decoded"):
        video_handlers.restore_video_clip(str(half))
    left = {path for path in set(outputs.rglob("*")) - before if path.is_file()}
    assert not left, left  # the partial file is not kept where nobody can fetch it


@pytest.mark.parametrize("name", ["frame.png", "frame.mp4"])
def test_a_still_image_is_refused_as_a_clip(fake_model, tmp_path, name):
    # A PNG (even one named .mp4) was accepted as a one-frame video.
    path = tmp_path / name
    cv2.imencode(".png", np.zeros((32, 32, 3), np.uint8))[1].tofile(str(path))
    with pytest.raises(gr.Error, match=rf"{name}: is a still image, not a video"):
        video_handlers.restore_video_clip(str(path))


@pytest.fixture(scope="module")
def demo():
    return build_demo()


def test_the_video_event_has_its_api_name(demo):
    names = {getattr(fn, "api_name", None) for fn in demo.fns.values()}
    assert "restore_video" in names


def test_api_restore_video_through_gradio_client(demo, tmp_path):
    from gradio_client import Client, handle_file

    MODEL.set(Negative())
    try:
        with launched(demo) as url:
            api = Client(url, verbose=False)
            try:
                endpoints = api.view_api(return_format="dict", print_info=False)["named_endpoints"]
                assert "/restore_video" in endpoints
                source = clip(tmp_path / "clip.mp4", 4)
                before, after = api.predict(handle_file(str(source)), "fields", api_name="/restore_video")
                paths = [item["video"] if isinstance(item, dict) else item for item in (before, after)]
                assert count_frames(paths[1]) == (4, True)
            finally:
                api.close()
    finally:
        MODEL.set(None)
