"""The video pipeline (restore/video/pipeline.py, through `restore_video` and
`transform_video`) with stand-in restorers (fast, no TensorFlow): every frame goes
through, fields and bob modes, interlacing kept, max_frames, Ctrl-C keeps a playable
partial file, bad arguments and bad restorers, odd frame rates, square pixels, truncated
files; and, with the bundled checkpoint, that restored frames are closer to the clean clip."""

from __future__ import annotations

import os
import time
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
from video_helpers import (
    FPS,
    FRAMES,
    HEIGHT,
    REPOSITORY,
    SAMPLE_RATE,
    WIDTH,
    clean_frames,
    decode_frames,
    make_clips,
    sine,
    stream_facts,
    write_frames,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore import video
from restore.degrade import PRESETS, VideoDegrader
from restore.metrics import psnr

BUNDLED_WEIGHTS = REPOSITORY / "checkpoints" / "generator.weights.h5"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    return make_clips(tmp_path_factory.mktemp("clips"))


class Negative:
    """A stand-in restorer: visibly changes every pixel, no model needed."""

    def restore(self, rgb):
        return 255 - rgb


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


class BatchNegative:
    """A stand-in restorer with `restore_batch`, as a `Restorer` has it: it
    records how many pictures each call gets."""

    pictures_per_call = 2

    def __init__(self):
        self.calls: list[list[tuple[int, ...]]] = []

    def restore(self, rgb, pal_aspect=False):
        return self.restore_batch([rgb], pal_aspect)[0]

    def restore_batch(self, pictures, pal_aspect=False):
        self.calls.append([picture.shape for picture in pictures])
        time.sleep(0.02)  # slower than decoding, as a network is: the reader gets ahead
        return [255 - picture for picture in pictures]


@pytest.mark.parametrize("mode, options, pictures", [
    ("frames", {}, [(HEIGHT, WIDTH, 3)] * 2),  # two frames per call
    ("fields", {"fields": True}, [(HEIGHT // 2, WIDTH, 3)] * 2),  # a frame's two fields
    ("bob", {"deinterlace": "bob"}, [(HEIGHT, WIDTH, 3)] * 2),  # a frame's two bobbed fields
])
def test_a_batch_restorer_gets_several_pictures_per_call_and_every_frame_comes_out(clips, tmp_path, mode, options,
                                                                                   pictures):
    restorer = BatchNegative()
    output = tmp_path / f"{mode}.mkv"
    report = video.restore_video(clips["damaged"], output, restorer, progress=False, **options)
    outputs_per_frame = 2 if mode == "bob" else 1
    assert (report.frames_in, report.frames_out, report.audio_streams) == (FRAMES, outputs_per_frame * FRAMES, 1)
    # Never more than two pictures per call, and two in most: the reader keeps ahead.
    assert all(shapes == pictures[: len(shapes)] for shapes in restorer.calls)
    assert sum(len(shapes) for shapes in restorer.calls) == (FRAMES if mode == "frames" else 2 * FRAMES)
    assert sum(len(shapes) == 2 for shapes in restorer.calls) >= len(restorer.calls) // 2
    facts, source = stream_facts(output), stream_facts(clips["damaged"])
    assert facts["frames"] == outputs_per_frame * FRAMES and facts["audio_packets"] == source["audio_packets"]
    if mode != "bob":  # the negative of every frame, in order
        for restored, damaged in zip(decode_frames(output), decode_frames(clips["damaged"])):
            assert np.abs(restored.astype(int) - (255 - damaged.astype(int))).mean() < 4


def test_a_batch_restorer_stops_at_max_frames(clips, tmp_path):
    report = video.restore_video(clips["damaged"], tmp_path / "short.mkv", BatchNegative(), max_frames=5,
                                 progress=False)
    assert report.frames_in == stream_facts(tmp_path / "short.mkv")["frames"] == 5


def test_ctrl_c_during_a_batch_keeps_the_frames_before_it(clips, tmp_path):
    restorer = BatchNegative()
    original = restorer.restore_batch

    def interrupted_at_the_fourth_call(pictures, pal_aspect=False):
        if len(restorer.calls) == 3:
            raise KeyboardInterrupt
        return original(pictures, pal_aspect)

    restorer.restore_batch = interrupted_at_the_fourth_call
    with pytest.raises(video.VideoInterrupted) as caught:
        video.restore_video(clips["damaged"], tmp_path / "cut.mkv", restorer, progress=False)
    done = sum(len(shapes) for shapes in restorer.calls)
    assert caught.value.report.frames_out == stream_facts(caught.value.report.output_path)["frames"] == done


def test_interlaced_input_is_detected_and_the_flag_kept(tmp_path):
    clip = write_frames(tmp_path / "interlaced.mkv", clean_frames(4), FPS, codec="ffv1", top_field_first=False)
    report = video.restore_video(clip, tmp_path / "out.mkv", lambda rgb: rgb, fields=True, progress=False)
    assert report.interlaced and report.top_field_first is False
    with av.open(str(tmp_path / "out.mkv")) as container:
        assert container.streams.video[0].codec_context.field_order == 3  # AV_FIELD_BB


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


def test_a_restorer_returning_the_wrong_size_is_an_error_and_leaves_no_output(clips, tmp_path):
    with pytest.raises(ValueError, match="expected uint8"):
        video.restore_video(clips["damaged"], tmp_path / "out.mkv", lambda rgb: rgb[:-1], progress=False)
    assert list(tmp_path.iterdir()) == []


def identity(rgb, frame):
    return rgb


@pytest.mark.parametrize("call, message", [
    (lambda: video.restore_video("x.mkv", "y.mkv", lambda rgb: rgb, fields=True, deinterlace="bob"),
     "choose fields=True or deinterlace='bob', not both"),
    (lambda: video.restore_video("x.mkv", "y.mkv", lambda rgb: rgb, deinterlace="weave"),
     "deinterlace must be None or 'bob', got 'weave'"),
    (lambda: video.restore_video("x.mkv", "y.mkv", object()), "restorer must have a restore"),
    (lambda: video.transform_video("x.mkv", "y.gif", identity), r"output must end in one of .*, got 'y.gif'"),
    (lambda: video.transform_video("x.mkv", "y.mkv", identity, codec="prores"), "codec must be one of .*, got 'prores'"),
    (lambda: video.transform_video("x.mkv", "y.mkv", identity, mode="weave"), "mode must be 'frames', 'fields' or 'bob'"),
    (lambda: video.transform_video("x.mkv", "y.mkv", identity, field_order="top"), "field_order must be 'auto', 'tff' or"),
    (lambda: video.transform_video("x.mkv", "y.mkv", identity, max_frames=0), "max_frames must be a positive integer"),
    (lambda: video.transform_video("x.mkv", "y.mkv", video.Batched(identity, 0)),
     "pictures_per_call must be a positive integer, got 0"),
], ids=["fields and bob", "deinterlace", "restorer", "container", "codec", "mode", "field order", "max_frames",
        "pictures_per_call"])
def test_bad_arguments(call, message):
    # Arguments are checked before the input is opened: "x.mkv" does not exist, and its
    # VideoError (a ValueError too) would not match.
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- #
# The shipped model moves frames towards the clean clip
# --------------------------------------------------------------------------- #
@pytest.mark.skipif(not BUNDLED_WEIGHTS.is_file(), reason="bundled checkpoint not shipped yet")
def test_bundled_model_moves_frames_towards_the_clean_clip(tmp_path):
    from restore.engine.restorer import load_restorer

    # The default preset's damage, on frames big enough for it to look like a tape.
    clean = clean_frames(6, 192, 256)
    degrader = VideoDegrader(PRESETS["default"], seed=1, fps=FPS)
    damaged_clip = write_frames(tmp_path / "damaged.mkv", (degrader.frame(f, i) for i, f in enumerate(clean)),
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
    clip = write_frames(tmp_path / "ntsc.mp4", clean_frames(6), rate, codec="h264")
    report = video.restore_video(clip, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)
    facts = stream_facts(tmp_path / "out.mkv")
    assert report.frame_rate == rate and facts["frames"] == 6
    assert facts["duration"] == pytest.approx(6 / float(rate), abs=2e-3)


def test_pal_aspect_gives_square_pixels(tmp_path):
    clip = write_frames(tmp_path / "pal.mkv", clean_frames(3, 48, 720), FPS, codec="ffv1")

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
