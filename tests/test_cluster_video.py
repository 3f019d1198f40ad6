"""One video across Ray workers: cut at keyframes, restored in segments, joined losslessly.

The joined file must hold the frames, timestamps, duration and audio packets that a
single-process run writes, and a run killed after its first segment must, started again,
reuse what it finished and restore only the rest.
"""

from __future__ import annotations

import os
import re
import sys
import time

import av
import numpy as np
import pytest
from test_cli import run_cli
from video_helpers import write_frames

from devtools.processes import start_process
from restore.video import restore_video
from restore.video.segments import join_segments, plan_segments

FRAMES, FPS = 40, 25

TWO_CPUS = {"VHS_RESTORE_LOCAL_CPUS": "2"}  # a local Ray with 2 CPUs, whatever the machine has


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """40 frames of H.264 with B-frames and a keyframe every 8, and a stereo FLAC tone."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    frames = [np.roll(base, 3 * index, axis=1) for index in range(FRAMES)]
    samples = np.arange(round(FRAMES / FPS * 48000)) / 48000
    tone = (4000 * np.stack([np.sin(2 * np.pi * 440 * samples), np.sin(2 * np.pi * 660 * samples)], axis=1)).astype(np.int16)
    return write_frames(tmp_path_factory.mktemp("cluster-clip") / "tape.mkv", frames, FPS, audio=tone, keyframe_every=8)


def _contents(path):
    """(pts and pixels of every frame, every audio packet's pts and bytes, duration)."""
    with av.open(str(path)) as container:
        frames = [(frame.pts, frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]
        duration = container.duration
    with av.open(str(path)) as container:
        audio = [(packet.pts, bytes(packet)) for packet in container.demux(container.streams.audio[0]) if packet.pts is not None]
    return frames, audio, duration


def _assert_same_video(joined, single):
    (frames, audio, duration), (expected_frames, expected_audio, expected_duration) = _contents(joined), _contents(single)
    assert len(frames) == len(expected_frames) == FRAMES
    assert [pts for pts, _ in frames] == [pts for pts, _ in expected_frames]
    for (_, picture), (_, expected) in zip(frames, expected_frames):
        np.testing.assert_array_equal(picture, expected)
    assert audio == expected_audio and len(audio) > 10  # the sound, copied once, untouched
    assert duration == expected_duration


def _negative(rgb):
    return 255 - rgb


def test_three_segments_joined_equal_a_single_process_run(clip, tmp_path):
    segments = plan_segments(clip, 3)
    assert len(segments) == 3 and sum(segment.frames for segment in segments) == FRAMES
    assert [segment.first_frame for segment in segments] == [0, 16, 32]  # keyframes nearest the thirds
    single = restore_video(clip, tmp_path / "single.mkv", _negative, progress=False)
    parts = []
    for segment in segments:
        report = restore_video(clip, tmp_path / segment.file_name, _negative, progress=False, segment=segment)
        assert report.frames_in == segment.frames and report.audio_streams == 0
        parts.append(tmp_path / segment.file_name)
    join_segments(parts, clip, tmp_path / "joined.mkv")
    _assert_same_video(tmp_path / "joined.mkv", single.output_path)


def test_the_cluster_command_restores_a_clip_as_one_process_does(clip, model_folder, tmp_path):
    plain = run_cli(clip, "-o", tmp_path / "plain", model=model_folder)
    assert plain.returncode == 0, plain.stderr
    result = run_cli(clip, "-o", tmp_path / "ray", "--cluster", "local", model=model_folder, env=TWO_CPUS)
    assert result.returncode == 0, result.stderr
    assert "segments on the cluster" in result.stderr
    _assert_same_video(tmp_path / "ray" / "tape.mkv", tmp_path / "plain" / "tape.mkv")
    assert sorted(path.name for path in (tmp_path / "ray").iterdir()) == ["tape.mkv"]  # no segment folder left


def test_a_killed_run_reuses_its_finished_segments(clip, model_folder, tmp_path):
    from test_cli import REPOSITORY

    outdir = tmp_path / "out"
    segments_folder = outdir / ".tape.segments"
    command = [sys.executable, "-m", "restore", str(clip), "-o", str(outdir), "--cluster", "local"]
    env = {**os.environ, "VHS_RESTORE_MODEL": str(model_folder), "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2", **TWO_CPUS}
    process = start_process(command, cwd=REPOSITORY, env=env)
    deadline = time.monotonic() + 240
    while not list(segments_folder.glob("segment-*.mkv")):
        assert process.poll() is None, "the run ended before its first segment could be seen"
        assert time.monotonic() < deadline, "no segment finished within 240 s"
        time.sleep(0.05)
    process.kill()  # as a machine going down: no clean-up at all
    process.wait()
    finished = sorted(path.name for path in segments_folder.glob("segment-*.mkv"))
    assert finished and not (outdir / "tape.mkv").exists()

    result = run_cli(clip, "-o", outdir, "--cluster", "local", model=model_folder, env=TWO_CPUS)
    assert result.returncode == 0, result.stderr
    reused = re.search(r"in (\d+) segments on the cluster, (\d+) reused from an interrupted run", result.stderr)
    assert reused, result.stderr
    segments, reused = map(int, reused.groups())
    assert len(finished) <= reused < segments  # what was finished at the kill, and not everything
    plain = run_cli(clip, "-o", tmp_path / "plain", model=model_folder)
    assert plain.returncode == 0, plain.stderr
    _assert_same_video(outdir / "tape.mkv", tmp_path / "plain" / "tape.mkv")
    assert not segments_folder.exists()
