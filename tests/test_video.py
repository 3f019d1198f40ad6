"""Video restoration (restore/video.py, restore/video_cli.py): short clips with a sound
track are made here with PyAV, damaged with the simulator's video mode, and restored
through the real command line (a subprocess with a tiny model) and through the API with
stand-in restorers (fast, no TensorFlow). Checked: frame count, frame rate, duration,
audio copied bit for bit, fields and bob modes, truncated and fake files, Ctrl-C, and,
with the bundled checkpoint, that restored frames are closer to the clean clip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data

from conftest import start_process

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore import video  # noqa: E402
from restore.degrade import PRESETS, VideoDegrader  # noqa: E402
from restore.metrics import psnr  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
BUNDLED_WEIGHTS = REPOSITORY / "checkpoints" / "generator.weights.h5"
FPS = 25
FRAMES = 12
HEIGHT, WIDTH = 96, 128
SAMPLE_RATE = 48000


# --------------------------------------------------------------------------- #
# Clips
# --------------------------------------------------------------------------- #
def clean_frames(count: int = FRAMES, height: int = HEIGHT, width: int = WIDTH) -> list[np.ndarray]:
    """A slow pan over the astronaut: every frame differs, as in real footage."""
    source = cv2.resize(data.astronaut(), (width + 2 * count, height + count), interpolation=cv2.INTER_AREA)
    return [np.ascontiguousarray(source[i // 2 : i // 2 + height, 2 * i : 2 * i + width]) for i in range(count)]


def sine(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def decode_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def stream_facts(path: Path) -> dict:
    """Frame count, rate, timestamps (s, from the first frame), duration, where the sound
    starts against the picture, and the audio packets' bytes and decoded samples.
    (Timestamps are compared from the first frame: Matroska cannot store the negative
    start of AAC's priming samples, so its muxer shifts picture and sound together.)"""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]
        rate = stream.average_rate
    audio_packets, samples, audio_start = [], [], None
    with av.open(str(path)) as container:
        if container.streams.audio:
            audio = container.streams.audio[0]
            for packet in container.demux(audio):
                if packet.size:
                    if audio_start is None:
                        audio_start = float(packet.pts * packet.time_base)
                    audio_packets.append(bytes(packet))
                    samples.extend(frame.to_ndarray() for frame in packet.decode())
    return {
        "frames": len(times), "rate": rate, "times": [t - times[0] for t in times],
        "duration": times[-1] - times[0] + 1 / float(rate) if times else 0.0,
        "sound_lead": None if audio_start is None or not times else times[0] - audio_start,
        "audio_packets": audio_packets,
        "samples": np.concatenate(samples, axis=1) if samples else None,
    }


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("clips")
    clean = clean_frames()
    degrader = VideoDegrader(PRESETS["light"], seed=1, fps=FPS)
    damaged = [degrader.frame(frame, index) for index, frame in enumerate(clean)]
    paths = {
        "clean": video.write_frames(folder / "clean.mkv", clean, FPS, codec="ffv1", audio=sine(FRAMES / FPS)),
        "damaged": video.write_frames(folder / "damaged.mkv", damaged, FPS, codec="ffv1", audio=sine(FRAMES / FPS)),
        "mp4": video.write_frames(folder / "capture.mp4", damaged, FPS, codec="h264", audio=sine(FRAMES / FPS)),
    }
    return {"folder": folder, "clean_frames": clean, "damaged_frames": damaged, **paths}


def run_module(module: str, *arguments, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "VHS_"))}
    environment.update({"TF_CPP_MIN_LOG_LEVEL": "2", "HF_HUB_OFFLINE": "1"})
    return subprocess.run([sys.executable, "-m", module, *map(str, arguments)], cwd=REPOSITORY, env=environment,
                          capture_output=True, text=True, timeout=timeout)


class Negative:
    """A stand-in restorer: visibly changes every pixel, no model needed."""

    def restore(self, rgb):
        return 255 - rgb


# --------------------------------------------------------------------------- #
# The command line, for real
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# The pipeline, with stand-in restorers
# --------------------------------------------------------------------------- #
def test_every_frame_goes_through_the_restorer(clips, tmp_path):
    report = video.restore_video(clips["damaged"], tmp_path / "negative.mkv", Negative(), progress=False)
    assert (report.frames_in, report.frames_out, report.audio_streams) == (FRAMES, FRAMES, 1)
    assert report.frame_rate == FPS and report.duration == pytest.approx(FRAMES / FPS)
    # FFV1 is lossless, so only the RGB <-> YUV 4:2:0 round trip separates these.
    for restored, damaged in zip(decode_frames(tmp_path / "negative.mkv"), decode_frames(clips["damaged"])):
        assert np.abs(restored.astype(int) - (255 - damaged.astype(int))).mean() < 4


def test_fields_mode_restores_each_field_and_keeps_the_frame_count(clips, tmp_path):
    seen = []

    def record(rgb):
        seen.append(rgb.shape)
        return rgb

    report = video.restore_video(clips["damaged"], tmp_path / "fields.mkv", record, fields=True, progress=False)
    assert seen == [(HEIGHT // 2, WIDTH, 3)] * (2 * FRAMES)
    assert (report.mode, report.frames_out) == ("fields", FRAMES)
    facts = stream_facts(tmp_path / "fields.mkv")
    assert facts["frames"] == FRAMES and facts["rate"] == FPS
    # Identity per field, woven back: the frames come out as they went in.
    for restored, damaged in zip(decode_frames(tmp_path / "fields.mkv"), decode_frames(clips["damaged"])):
        assert np.abs(restored.astype(int) - damaged.astype(int)).mean() < 2


def test_bob_doubles_frames_and_rate_and_keeps_the_duration(clips, tmp_path):
    report = video.restore_video(clips["damaged"], tmp_path / "bob.mkv", lambda rgb: rgb, deinterlace="bob",
                                 progress=False)
    facts, source = stream_facts(tmp_path / "bob.mkv"), stream_facts(clips["damaged"])
    assert report.frames_out == facts["frames"] == 2 * FRAMES
    assert facts["rate"] == 2 * FPS == report.frame_rate
    assert facts["duration"] == pytest.approx(source["duration"], abs=1e-3)
    assert np.diff(facts["times"]) == pytest.approx(1 / (2 * FPS), abs=1e-3)
    assert facts["audio_packets"] == source["audio_packets"]


def test_interlaced_input_is_detected_and_the_flag_kept(tmp_path):
    clip = video.write_frames(tmp_path / "interlaced.mkv", clean_frames(4), FPS, codec="ffv1", top_field_first=False)
    report = video.restore_video(clip, tmp_path / "out.mkv", lambda rgb: rgb, fields=True, progress=False)
    assert report.interlaced and report.top_field_first is False
    with av.open(str(tmp_path / "out.mkv")) as container:
        assert container.streams.video[0].codec_context.field_order == 3  # AV_FIELD_BB


def test_field_helpers():
    frame = np.arange(7 * 4 * 3, dtype=np.uint8).reshape(7, 4, 3)
    top, bottom = video.split_fields(frame)
    assert top.shape == (4, 4, 3) and bottom.shape == (3, 4, 3)
    np.testing.assert_array_equal(video.weave_fields(top, bottom), frame)
    # Bob puts a field's lines where they were filmed and fills between them.
    lines = np.full((6, 2, 3), 0, np.uint8)
    lines[1::2] = 200  # bottom field bright, top field dark
    high_top = video.bob_field(video.split_fields(lines)[0], bottom=False, height=6)
    high_bottom = video.bob_field(video.split_fields(lines)[1], bottom=True, height=6)
    assert (high_top == 0).all() and (high_bottom == 200).all()
    ramp = np.arange(0, 60, 10, dtype=np.uint8)[:, None, None].repeat(2, 1).repeat(3, 2)  # 0, 10, ..., 50
    np.testing.assert_array_equal(video.bob_field(ramp[0::2], False, 6)[:, 0, 0], [0, 10, 20, 30, 40, 40])
    np.testing.assert_array_equal(video.bob_field(ramp[1::2], True, 6)[:, 0, 0], [10, 10, 20, 30, 40, 50])
    with pytest.raises(ValueError):
        video.bob_field(ramp[0::2], True, 5)


def test_max_frames_cuts_video_and_sound_together(clips, tmp_path):
    report = video.restore_video(clips["damaged"], tmp_path / "short.mkv", lambda rgb: rgb, max_frames=5,
                                 progress=False)
    facts = stream_facts(tmp_path / "short.mkv")
    assert report.frames_in == facts["frames"] == 5
    # Not the whole clip's sound: packets that start before the last frame ends (a FLAC
    # packet holds 4608 samples, 96 ms), whole.
    assert facts["samples"].shape[1] / SAMPLE_RATE <= 5 / FPS + 0.1 < FRAMES / FPS


def test_ctrl_c_keeps_a_playable_partial_file(clips, tmp_path):
    calls = []

    def interrupted_at_frame_6(rgb):
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return rgb

    output = tmp_path / "damaged.mkv"
    with pytest.raises(video.VideoInterrupted) as caught:
        video.restore_video(clips["damaged"], output, interrupted_at_frame_6, progress=False)
    report = caught.value.report
    assert isinstance(caught.value, KeyboardInterrupt)
    assert report.interrupted and report.output_path == tmp_path / "damaged.partial.mkv"
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.partial.mkv"]
    facts = stream_facts(report.output_path)  # opens and decodes: the file was closed properly
    assert facts["frames"] == report.frames_out == 5
    assert facts["audio_packets"]


def test_sigint_to_the_command_line_leaves_a_playable_partial_clip(tmp_path):
    # The simulator's CLI shares the pipeline and starts fast (no TensorFlow). A clip long
    # enough to take seconds; SIGINT once the temporary output exists.
    clip = video.write_frames(tmp_path / "long.mkv", (frame for _ in range(40) for frame in clean_frames(10, 144, 192)),
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


@pytest.mark.parametrize("damage", ["truncated", "text", "empty", "audio only"])
def test_unusable_inputs_give_a_clear_error(clips, tmp_path, damage):
    path = tmp_path / "input.mp4"
    if damage == "truncated":
        whole = clips["mp4"].read_bytes()
        path.write_bytes(whole[: len(whole) * 2 // 3])
    elif damage == "text":
        path.write_text("not a video\n")
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path = tmp_path / "input.mkv"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
            frame = av.AudioFrame.from_ndarray(sine(0.1)[None], format="s16", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
    with pytest.raises(video.VideoError) as caught:
        video.restore_video(path, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)
    assert str(caught.value).startswith(f"{path}: ")
    assert {"truncated": "truncated", "text": "not a video", "empty": "empty",
            "audio only": "no video stream"}[damage] in caught.value.reason
    assert not list((tmp_path).glob("out*")) and not list(tmp_path.glob(".out*"))


def test_a_restorer_returning_the_wrong_size_is_an_error_and_leaves_no_output(clips, tmp_path):
    with pytest.raises(ValueError, match="expected uint8"):
        video.restore_video(clips["damaged"], tmp_path / "out.mkv", lambda rgb: rgb[:-1], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments():
    with pytest.raises(ValueError):
        video.restore_video("x.mkv", "y.mkv", lambda rgb: rgb, fields=True, deinterlace="bob")
    with pytest.raises(ValueError):
        video.restore_video("x.mkv", "y.mkv", lambda rgb: rgb, deinterlace="weave")
    with pytest.raises(ValueError):
        video.transform_video("x.mkv", "y.gif", lambda rgb: rgb)
    with pytest.raises(ValueError):
        video.transform_video("x.mkv", "y.mkv", lambda rgb: rgb, codec="prores")


def test_output_container_rules():
    assert video.output_suffix("capture.avi") == ".mkv"
    assert video.output_suffix("capture.mp4") == ".mkv"  # FFV1 lives in Matroska
    assert video.output_suffix("capture.mp4", "h264", ["aac"]) == ".mp4"
    assert video.output_suffix("capture.mov", "h264", ["dvaudio"]) == ".mov"
    assert video.output_suffix("capture.mp4", "h264", ["dvaudio"]) == ".mkv"  # MP4 cannot hold DV audio
    assert video.output_suffix("capture.avi", "h264", ["mp3"]) == ".mkv"
    assert video.partial_path_for(Path("out/capture.mkv")) == Path("out/capture.partial.mkv")
    assert video.is_video_path("A.MKV") and not video.is_video_path("a.png")


# --------------------------------------------------------------------------- #
# The shipped model moves frames towards the clean clip
# --------------------------------------------------------------------------- #
@pytest.mark.skipif(not BUNDLED_WEIGHTS.is_file(), reason="bundled checkpoint not shipped yet")
def test_bundled_model_moves_frames_towards_the_clean_clip(tmp_path):
    from restore.inference import load_restorer

    # The default preset's damage, on frames big enough for it to look like a tape.
    clean = clean_frames(6, 192, 256)
    degrader = VideoDegrader(PRESETS["default"], seed=1, fps=FPS)
    damaged_clip = video.write_frames(tmp_path / "damaged.mkv", (degrader.frame(f, i) for i, f in enumerate(clean)),
                                      FPS, codec="ffv1", audio=sine(6 / FPS))
    restorer = load_restorer(str(REPOSITORY / "checkpoints"))
    video.restore_video(damaged_clip, tmp_path / "restored.mkv", restorer, progress=False)
    damaged = decode_frames(damaged_clip)
    restored = decode_frames(tmp_path / "restored.mkv")
    before = np.mean([psnr(c, d) for c, d in zip(clean, damaged)])
    after = np.mean([psnr(c, r) for c, r in zip(clean, restored)])
    assert after > before + 0.5, (before, after)


def test_frame_rate_from_a_non_integer_rate(tmp_path):
    rate = Fraction(30000, 1001)
    clip = video.write_frames(tmp_path / "ntsc.mp4", clean_frames(6), rate, codec="h264")
    report = video.restore_video(clip, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)
    facts = stream_facts(tmp_path / "out.mkv")
    assert report.frame_rate == rate and facts["frames"] == 6
    assert facts["duration"] == pytest.approx(6 / float(rate), abs=2e-3)


def test_pal_aspect_gives_square_pixels(tmp_path):
    clip = video.write_frames(tmp_path / "pal.mkv", clean_frames(3, 48, 720), FPS, codec="ffv1")

    class Widening:
        def restore(self, rgb, pal_aspect=False):
            assert pal_aspect
            return cv2.resize(rgb, (round(rgb.shape[1] * 768 / 720), rgb.shape[0]), interpolation=cv2.INTER_AREA)

    report = video.restore_video(clip, tmp_path / "square.mkv", Widening(), fields=True, pal_aspect=True, progress=False)
    with av.open(str(tmp_path / "square.mkv")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (768, 48)
        assert stream.sample_aspect_ratio in (None, Fraction(1, 1))
    assert report.frames_out == 3


def test_ctrl_c_before_the_first_frame_leaves_nothing(clips, tmp_path):
    def interrupted_at_once(rgb):
        raise KeyboardInterrupt

    with pytest.raises(video.VideoInterrupted) as caught:
        video.restore_video(clips["damaged"], tmp_path / "out.mkv", interrupted_at_once, progress=False)
    assert caught.value.report.output_path is None and "no output" in caught.value.describe()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- #
# Reliability (issue 14)
# --------------------------------------------------------------------------- #
def test_max_frames_does_not_hide_a_truncated_file(clips, tmp_path):
    # The app always passes max_frames; a file that ends before the frames it asks for is
    # truncated all the same (it used to come back as a short clip, no warning).
    truncated = tmp_path / "truncated.mkv"
    whole = clips["damaged"].read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(video.VideoError, match=rf"ends early: \d+ of {FRAMES} frames") as caught:
        video.restore_video(truncated, tmp_path / "out.mkv", lambda rgb: rgb, progress=False, max_frames=250)
    assert not (tmp_path / "out.mkv").exists()
    assert caught.value.partial_path == tmp_path / "out.partial.mkv"
    # Stopping at max_frames on purpose is no error, truncated file or not.
    report = video.restore_video(truncated, tmp_path / "short.mkv", lambda rgb: rgb, progress=False, max_frames=3)
    assert report.frames_in == 3 and stream_facts(tmp_path / "short.mkv")["frames"] == 3


def remux(source: Path, target: Path) -> Path:
    """Copy every stream of ``source`` into ``target`` (another container), as ``ffmpeg -c copy``."""
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        streams = {stream.index: out.add_stream_from_template(stream) for stream in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return target


def test_a_matroska_clip_whose_video_starts_late_counts_its_frames_right(clips, tmp_path):
    # H.264 + AAC copied from MP4 into Matroska: the muxer shifts the picture by AAC's priming
    # delay (21 ms), and the track's DURATION tag is where it ends. The clip has 12 frames,
    # not round(12.5) = 13 (or 76 for a 75-frame clip, as the issue saw).
    mkv = remux(clips["mp4"], tmp_path / "capture.mkv")
    with av.open(str(mkv)) as container:
        assert container.streams.video[0].start_time > 0  # the set-up really starts late
    info = video.probe_video(mkv)
    assert info.frames == FRAMES and info.frames_certain
    whole = mkv.read_bytes()
    (tmp_path / "half.mkv").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(video.VideoError, match=rf"of {FRAMES} frames could be decoded"):
        video.restore_video(tmp_path / "half.mkv", tmp_path / "out.mkv", lambda rgb: rgb, progress=False)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_still_image_is_not_a_video(tmp_path, suffix):
    # FFmpeg opens a picture as a one-frame "video"; the app took a PNG as a 1-frame clip.
    path = tmp_path / f"frame{suffix}"
    cv2.imwrite(str(path), clean_frames(1)[0][:, :, ::-1])
    with pytest.raises(video.VideoError, match=r"is a still image, not a video; restore it as an image"):
        video.probe_video(path)
    with pytest.raises(video.VideoError, match="still image"):
        video.restore_video(path, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)


def test_a_dangling_symlink_to_a_video_is_reported(tmp_path):
    from restore import video_cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gone.mkv").symlink_to(tmp_path / "deleted.mkv")
    videos, others = video_cli.split_inputs([folder])
    assert videos == [folder / "gone.mkv"] and others == [folder]
    with pytest.raises(video.VideoError, match=rf"broken symbolic link: its target {tmp_path / 'deleted.mkv'} does not exist"):
        video.probe_video(folder / "gone.mkv")
