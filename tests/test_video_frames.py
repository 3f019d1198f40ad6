"""The model stage (restore/video/frames.py): the frame function is told, with every
picture, which input frame it comes from (index, time) and which field it is, so a
function that changes over time needs no counter of its own."""

from __future__ import annotations

import dataclasses

import av
import numpy as np
import pytest
from video_helpers import FPS, FRAMES, HEIGHT, clean_frames, make_clips, write_frames

from restore import video
from restore.degrade import PRESETS, VideoDegrader


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    return make_clips(tmp_path_factory.mktemp("clips"))


def frame_times(path) -> list[float]:
    """Each frame's pts × time base, as the file stores it."""
    with av.open(str(path)) as container:
        return [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]


def recorded(path, output, **options) -> list[tuple[video.FrameContext, int]]:
    """Run `transform_video` with a function that records each call's context and picture height."""
    seen = []

    def record(rgb, frame):
        seen.append((frame, rgb.shape[0]))
        return rgb

    video.transform_video(path, output, record, progress=False, **options)
    return seen


@pytest.mark.parametrize("clip", ["damaged", "mp4"])
@pytest.mark.parametrize("mode, fields, height", [
    ("frames", [None], HEIGHT), ("fields", ["top", "bottom"], HEIGHT // 2), ("bob", ["top", "bottom"], HEIGHT),
])
def test_the_frame_function_gets_each_pictures_frame_context(clips, tmp_path, clip, mode, fields, height):
    # An unflagged clip is taken as top field first: bob shows the top field's frame first.
    seen = recorded(clips[clip], tmp_path / "out.mkv", mode=mode)
    times = frame_times(clips[clip])
    assert len(times) == FRAMES
    assert seen == [(video.FrameContext(index=index, time=pytest.approx(time), field=field), height)
                    for index, time in enumerate(times) for field in fields]


def test_bob_of_a_bottom_field_first_clip_gets_the_bottom_field_first(tmp_path):
    clip = write_frames(tmp_path / "bff.mkv", clean_frames(3), FPS, codec="ffv1", top_field_first=False)
    seen = recorded(clip, tmp_path / "out.mkv", mode="bob")
    assert [(frame.index, frame.field) for frame, _ in seen] == [
        (0, "bottom"), (0, "top"), (1, "bottom"), (1, "top"), (2, "bottom"), (2, "top")]


def test_max_frames_stops_the_contexts_too(clips, tmp_path):
    seen = recorded(clips["damaged"], tmp_path / "out.mkv", max_frames=4)
    assert [frame.index for frame, _ in seen] == [0, 1, 2, 3]


def test_a_frame_context_is_frozen():
    frame = video.FrameContext(index=3, time=0.12, field="top")
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.index = 4  # type: ignore[misc]
    assert video.FrameContext(0, None).field is None


def test_the_index_drives_the_simulators_video_mode(clips, tmp_path):
    # What `python -m restore.degrade clip.mkv` does: frame i gets the damage of frame i.
    degrader = VideoDegrader(PRESETS["heavy"], seed=2, fps=FPS)
    video.transform_video(clips["clean"], tmp_path / "bad.mkv", lambda rgb, frame: degrader.frame(rgb, frame.index),
                          progress=False)
    with av.open(str(clips["clean"])) as source, av.open(str(tmp_path / "bad.mkv")) as output:
        pairs = zip(source.decode(video=0), output.decode(video=0), strict=True)
        for index, (clean, bad) in enumerate(pairs):
            expected = degrader.frame(clean.to_ndarray(format="rgb24"), index)
            # FFV1 is lossless: only the RGB <-> YUV 4:2:0 round trip separates them.
            assert np.abs(bad.to_ndarray(format="rgb24").astype(int) - expected.astype(int)).mean() < 4, index
