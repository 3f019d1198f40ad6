"""The encoding stage (restore/video/writer.py): output timestamps keep the input's
times (bob: two frames per input frame, half a frame apart), rise strictly and count on
where the input has none; `VideoWriter` writes pictures that read back as written."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from video_helpers import clean_frames

from restore import video
from restore.video.writer import Timestamps


@pytest.mark.parametrize("outputs, stamps, end", [
    (1, [[0], [40], [80]], 0.12),           # one frame per input frame, at the input's times
    (2, [[0, 40], [80, 120], [160, 200]], 0.12),  # bob: the time base halved, the second half a frame later
])
def test_timestamps_keep_the_input_times(outputs, stamps, end):
    timestamps = Timestamps(Fraction(1, 1000), Fraction(25), outputs)
    assert timestamps.time_base == Fraction(1, 1000 * outputs) and timestamps.end is None
    assert [timestamps.of_frame(pts) for pts in (0, 40, 80)] == stamps
    assert timestamps.end == pytest.approx(end)


def test_timestamps_rise_strictly_and_count_on_without_a_pts():
    timestamps = Timestamps(Fraction(1, 25), Fraction(25), 1)
    assert [timestamps.of_frame(pts) for pts in (0, 0, None, 1, None)] == [[0], [1], [2], [3], [4]]
    bob = Timestamps(None, Fraction(25), 2)  # no time base: milliseconds, halved
    assert bob.time_base == Fraction(1, 2000) and bob.of_frame(None) == [0, 40]


@pytest.mark.parametrize("codec, suffix, error", [
    ("ffv1", ".mkv", 4),  # lossless: only the RGB <-> YUV 4:2:0 round trip
    ("h264", ".mp4", 8),  # CRF 16, interlaced coding
])
def test_video_writer_round_trip(tmp_path, codec, suffix, error):
    frames = clean_frames(4)
    path = tmp_path / f"clip{suffix}"
    with video.VideoWriter(path, video.OutputFormat.for_file(path, codec, 128, 96, 25, top_field_first=False)) as writer:
        for index, frame in enumerate(frames):
            writer.write(frame, index)
    assert writer.frames == 4 and writer.closed
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == codec and stream.average_rate == 25
        assert stream.codec_context.field_order == 3  # AV_FIELD_BB: bottom field first
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(decoded) == 4
    for written, read in zip(frames, decoded):
        assert np.abs(written.astype(int) - read.astype(int)).mean() < error


def test_an_output_format_needs_a_known_container_and_codec(tmp_path):
    with pytest.raises(ValueError, match=r"output must end in one of .*, got 'clip.gif'"):
        video.OutputFormat.for_file(tmp_path / "clip.gif", "h264", 64, 48, 25)
    with pytest.raises(ValueError, match="codec must be one of"):
        video.OutputFormat.for_file(tmp_path / "clip.mkv", "prores", 64, 48, 25)
