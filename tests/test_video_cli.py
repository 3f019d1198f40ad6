"""The video part of the command line (restore/cli/video.py), for real: short clips with
a sound track restored by ``python -m restore`` (a subprocess with a tiny model): frame
count, rate, duration, audio copied bit for bit, bad inputs reported, Ctrl-C to the
simulator's command line (which shares the pipeline) leaves a playable partial clip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import av
import numpy as np
import pytest
from conftest import start_process
from video_helpers import (
    FPS,
    FRAMES,
    HEIGHT,
    REPOSITORY,
    WIDTH,
    clean_frames,
    make_clips,
    sine,
    stream_facts,
    write_frames,
)

from restore import video


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    return make_clips(tmp_path_factory.mktemp("clips"))


def run_module(module: str, *arguments, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "VHS_"))}
    environment.update({"TF_CPP_MIN_LOG_LEVEL": "2", "HF_HUB_OFFLINE": "1"})
    return subprocess.run([sys.executable, "-m", module, *map(str, arguments)], cwd=REPOSITORY, env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_cli_restores_videos_keeps_timing_and_sound_and_reports_bad_ones(clips, untrained_model_folder, tmp_path):
    truncated = tmp_path / "truncated.mkv"
    whole = clips["damaged"].read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is a text file, not a video\n")
    outdir = tmp_path / "out"

    result = run_module("restore", clips["damaged"], clips["mp4"], truncated, fake, "-o", outdir,
                        "--model", untrained_model_folder)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, result.stderr
    assert any(str(truncated) in line and "truncated" in line for line in errors), errors
    assert any(str(fake) in line and "not a video" in line for line in errors), errors

    for source, output_name in ((clips["damaged"], "damaged.mkv"), (clips["mp4"], "capture.mkv")):
        output = outdir / output_name  # the default codec, FFV1, lives in Matroska
        assert output.is_file(), (output, sorted(p.name for p in outdir.iterdir()))
        before, after = stream_facts(source), stream_facts(output)
        assert after["frames"] == before["frames"] == FRAMES
        assert after["rate"] == before["rate"] == FPS
        assert after["duration"] == pytest.approx(before["duration"], abs=1e-3)
        assert after["times"] == pytest.approx(before["times"], abs=1e-3)
        assert after["audio_packets"] == before["audio_packets"]  # copied, not re-encoded
        if source.suffix == ".mkv":
            # (MP4's AAC: its edit list, which tells the decoder to drop the encoder's
            # 1024 priming samples, has no place in Matroska, so those decode too.)
            np.testing.assert_array_equal(after["samples"], before["samples"])
        assert after["sound_lead"] == pytest.approx(before["sound_lead"], abs=1e-3)  # still in sync
        with av.open(str(output)) as container:
            assert container.streams.video[0].codec_context.name == "ffv1"
            assert (container.streams.video[0].width, container.streams.video[0].height) == (WIDTH, HEIGHT)
    assert not (outdir / "notes.mkv").exists()
    assert not [p for p in outdir.iterdir() if p.name.startswith(".")], "temporary files left behind"
    # The truncated clip's readable frames are kept under a clear name, and the message says so.
    assert (outdir / "truncated.partial.mkv").is_file()
    assert "truncated.partial.mkv" in result.stderr

    again = run_module("restore", clips["damaged"], "-o", outdir, "--model", untrained_model_folder)
    assert again.returncode == 0 and "skipped" in again.stderr  # existing outputs are kept


def test_cli_h264_keeps_an_mp4_container(clips, untrained_model_folder, tmp_path):
    result = run_module("restore", clips["mp4"], "-o", tmp_path, "--model", untrained_model_folder, "--codec", "h264",
                        "--deinterlace", "bob")
    assert result.returncode == 0, result.stderr
    facts = stream_facts(tmp_path / "capture.mp4")
    assert facts["frames"] == 2 * FRAMES and facts["rate"] == 2 * FPS
    source = stream_facts(clips["mp4"])
    assert facts["duration"] == pytest.approx(source["duration"], abs=1e-3)
    assert facts["audio_packets"] == source["audio_packets"]
    assert facts["sound_lead"] == pytest.approx(source["sound_lead"], abs=1e-3)


def test_cli_help_documents_the_video_options():
    result = run_module("restore", "--help")
    assert result.returncode == 0
    for option in ("--fields", "--deinterlace", "--field-order", "--codec"):
        assert option in result.stdout


def test_sigint_to_the_command_line_leaves_a_playable_partial_clip(tmp_path):
    # The simulator's CLI shares the pipeline and starts fast (no TensorFlow). A clip long
    # enough to take seconds; SIGINT once the temporary output exists.
    clip = write_frames(tmp_path / "long.mkv", (frame for _ in range(40) for frame in clean_frames(10, 144, 192)),
                        FPS, codec="h264", audio=sine(400 / FPS))
    outdir = tmp_path / "out"
    outdir.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    # start_process: SIGINT at its default in the child even when this run is a background
    # job (which inherits SIGINT ignored), so the child sees the Ctrl-C sent below.
    process = start_process([sys.executable, "-m", "restore.degrade", clip, "-o", outdir / "bad.mkv",
                             "--preset", "heavy"], cwd=tmp_path, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size > 20000 for p in outdir.glob(".bad.*")) and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"finished before it could be interrupted: {process.communicate()}")
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "bad.partial.mkv" in stderr
    partial = outdir / "bad.partial.mkv"
    assert not (outdir / "bad.mkv").exists()
    facts = stream_facts(partial)
    assert 0 < facts["frames"] < 400
    assert facts["audio_packets"]
    assert not [p for p in outdir.iterdir() if p.name.startswith(".")]


def test_a_dangling_symlink_to_a_video_is_reported(tmp_path):
    from restore.cli import video as video_cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gone.mkv").symlink_to(tmp_path / "deleted.mkv")
    videos, others = video_cli.split_inputs([folder])
    assert videos == [folder / "gone.mkv"] and others == [folder]
    with pytest.raises(video.VideoError, match=rf"broken symbolic link: its target {tmp_path / 'deleted.mkv'} does not exist"):
        video.probe_video(folder / "gone.mkv")
