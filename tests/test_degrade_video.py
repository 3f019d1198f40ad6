"""The simulator's video mode (restore.degrade.VideoDegrader) and its command line
(``python -m restore.degrade``): slow damage drifts smoothly from frame to frame (both
in the pictures and in the drawn parameters of every drifting artifact), noise is new
in every frame, the rest stays put, and a seed gives the same clip again."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data
from video_helpers import write_frames

from restore.degrade import ARTIFACT_NAMES, PRESETS, TABLE, DegradeSettings, VideoDegrader, degrade, degrade_video_frames

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    image = cv2.resize(data.astronaut(), (360, 288), interpolation=cv2.INTER_AREA)
    image.setflags(write=False)
    return image


@pytest.fixture(scope="module")
def edge() -> np.ndarray:
    """Dark left half, bright right half: each line's sideways shift is where it crosses grey."""
    image = np.zeros((288, 360, 3), np.uint8)
    image[:, 180:] = 220
    return image


def line_offsets(image: np.ndarray) -> np.ndarray:
    """Sub-pixel position of the dark-to-bright edge on every line, relative to column 180."""
    luma = image[:, 120:240].mean(axis=2)
    above = luma > 110
    first = above.argmax(axis=1)
    low = luma[np.arange(len(luma)), first - 1]
    high = luma[np.arange(len(luma)), first]
    return 120 + first - 1 + (110 - low) / np.maximum(high - low, 1e-6) - 179.5


def mean_abs_difference(a, b) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


def test_same_seed_same_clip_other_seed_other_clip(frame):
    settings = PRESETS["heavy"]
    first = [VideoDegrader(settings, seed=5).frame(frame, i) for i in range(3)]
    again = list(degrade_video_frames([frame] * 3, settings, seed=5))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    # Frames can be made on their own, in any order.
    np.testing.assert_array_equal(VideoDegrader(settings, seed=5).frame(frame, 2), first[2])
    assert mean_abs_difference(VideoDegrader(settings, seed=6).frame(frame, 0), first[0]) > 1


def test_jitter_wave_drifts_smoothly(edge):
    degrader = VideoDegrader(DegradeSettings(jitter=1.0), seed=2)
    offsets = {index: line_offsets(degrader.frame(edge, index)) for index in (*range(0, 6), 50, 100, 150)}

    def wave(values):  # the slow wave: the per-line wobble (new every frame) averaged out
        return cv2.GaussianBlur(values.astype(np.float32)[:, None], (1, 0), sigmaX=1e-6, sigmaY=6)[:, 0]

    neighbours = np.mean([mean_abs_difference(wave(offsets[i]), wave(offsets[i + 1])) for i in range(5)])
    apart = np.mean([mean_abs_difference(wave(offsets[a]), wave(offsets[b])) for a, b in ((0, 50), (50, 100), (100, 150))])
    assert np.abs(offsets[0]).max() > 1.5  # there is jitter at all
    assert neighbours < 0.5, neighbours  # pixels per line, between consecutive frames
    assert apart > 3 * neighbours, (neighbours, apart)
    # The per-line wobble itself is new in every frame.
    assert mean_abs_difference(offsets[0] - wave(offsets[0]), offsets[1] - wave(offsets[1])) > 0.1


def test_tracking_band_moves_a_little_per_frame(frame):
    degrader = VideoDegrader(DegradeSettings(tracking=1.0), seed=4)

    def band_centre(index):
        rows = np.abs(degrader.frame(frame, index).astype(int) - frame.astype(int)).mean(axis=(1, 2))
        weights = np.clip(rows - np.median(rows), 0, None)
        return float((np.arange(len(rows)) * weights).sum() / weights.sum())

    centres = [band_centre(index) for index in range(0, 8)]
    steps = np.abs(np.diff(centres))
    assert steps.max() < 12, centres  # lines per frame, in a 288-line picture
    far = [abs(band_centre(index) - centres[0]) for index in (40, 80, 120, 160)]
    assert max(far) > 3 * max(steps.mean(), 1.0), (centres, far)


def test_grain_is_new_every_frame_and_static_damage_is_not(frame):
    grain = VideoDegrader(DegradeSettings(grain=1.0), seed=1)
    noise = [grain.frame(frame, i).astype(np.float64) - frame for i in (0, 1)]
    correlation = np.corrcoef(noise[0].ravel(), noise[1].ravel())[0, 1]
    assert abs(correlation) < 0.2, correlation
    static = VideoDegrader(DegradeSettings(chroma_delay=1.0, softness=0.8, levels=1.0), seed=1)
    np.testing.assert_array_equal(static.frame(frame, 0), static.frame(frame, 37))


def test_tint_band_hue_drifts_but_stays_near_the_setting(frame):
    degrader = VideoDegrader(DegradeSettings(tint_band=1.0, tint_hue=35.0), seed=3)
    frames = [degrader.frame(frame, index) for index in (0, 1, 60)]
    band = [f[:20].astype(np.float64).mean(axis=(0, 1)) for f in frames]
    assert mean_abs_difference(band[0], band[1]) < 2.0
    assert mean_abs_difference(band[0], frame[:20].mean(axis=(0, 1))) > 5  # it is tinted


def test_all_zero_settings_is_identity_and_arguments_are_checked(frame):
    np.testing.assert_array_equal(VideoDegrader(DegradeSettings()).frame(frame, 7), frame)
    for bad in ({"seed": -1}, {"fps": 0}, {"fps": float("nan")}, {"settings": "heavy"}):
        with pytest.raises(ValueError):
            VideoDegrader(**bad)
    with pytest.raises(ValueError):
        VideoDegrader().frame(frame, -1)
    with pytest.raises(ValueError):
        VideoDegrader().frame(frame.astype(np.float32), 0)


def test_still_image_degrade_is_unchanged_by_video_mode(frame):
    # The video mode wraps the artifacts; degrade() itself keeps its results.
    before = degrade(frame, PRESETS["default"], seed=3)
    VideoDegrader(PRESETS["default"], seed=3).frame(frame, 10)
    np.testing.assert_array_equal(degrade(frame, PRESETS["default"], seed=3), before)


# The artifacts whose slow parameters move over a clip, as the table declares them.
DRIFTING = [name for name in ARTIFACT_NAMES if TABLE[name].drift]
CLIP_TIMES = np.arange(250) / 25.0  # 10 s at 25 fps
PAL_SIZE = (576, 720)


def test_the_table_declares_drifting_artifacts():
    assert {"jitter", "tracking", "top_skew", "head_switching", "tint_band", "color_band", "line_offsets"} <= set(DRIFTING)


@pytest.mark.parametrize("name", DRIFTING)
def test_drifting_parameters_move_smoothly_and_only_they_move(name):
    # A band in the middle has room to drift (one at the top edge keeps its top at 0).
    settings = DegradeSettings(**{name: 1.0}, band_position="middle")
    for seed in range(3):
        degrader = VideoDegrader(settings, seed=seed)
        clip = [degrader.params(name, 1.0, PAL_SIZE, time) for time in CLIP_TIMES]
        for field in dataclasses.fields(clip[0]):
            if field.name not in TABLE[name].drift:
                # Everything else (the form, the amounts) stays as drawn for the clip.
                assert all(getattr(params, field.name) == getattr(clip[0], field.name) for params in clip), (seed, field.name)
                continue
            values = np.asarray([np.atleast_1d(getattr(params, field.name)) for params in clip], np.float64)
            span = values.max(axis=0) - values.min(axis=0)
            steps = np.abs(np.diff(values, axis=0)).max(axis=0)
            assert np.all(span > 0), (seed, field.name)  # it really drifts over 10 s...
            assert np.all(steps < 0.1 * span), (seed, field.name, steps, span)  # ...a little per frame
        # A frame's parameters depend on its time alone: asked again, or out of order, the same.
        assert degrader.params(name, 1.0, PAL_SIZE, CLIP_TIMES[123]) == clip[123]
        assert VideoDegrader(settings, seed=seed).params(name, 1.0, PAL_SIZE, CLIP_TIMES[7]) == clip[7]
        weights = np.asarray([degrader.drift_weights(name, time) for time in CLIP_TIMES])
        assert np.all(weights >= 0) and np.allclose(weights.sum(axis=1), 1.0)
        assert np.abs(np.diff(weights, axis=0)).max() < 0.1  # smooth weights, smooth parameters
        assert np.ptp(weights, axis=0).max() > 0.3  # and they do move between the anchors


@pytest.mark.parametrize("name", [name for name in ARTIFACT_NAMES if not TABLE[name].drift])
def test_other_parameters_stay_fixed_for_the_clip(name):
    degrader = VideoDegrader(DegradeSettings(**{name: 0.8}), seed=2)
    first = degrader.params(name, 0.8, PAL_SIZE, 0.0)
    assert all(degrader.params(name, 0.8, PAL_SIZE, time) == first for time in (0.04, 3.7, 9.96))


def test_shuffled_order_is_fixed_for_the_clip(frame):
    # Artifacts without per-frame noise, shuffled: every frame gets the same order, so the same damage.
    settings = DegradeSettings(softness=0.6, blur=0.8, ringing=0.8, channel_shift=0.8, posterize=0.8, compression=0.5, shuffle_order=True)
    degrader = VideoDegrader(settings, seed=4)
    np.testing.assert_array_equal(degrader.frame(frame, 0), degrader.frame(frame, 41))
    assert mean_abs_difference(degrader.frame(frame, 0), frame) > 1


def test_second_pass_in_video(frame):
    assert VideoDegrader(DegradeSettings(second_pass=0.0)).settings.is_identity()
    for seed in range(3):
        degrader = VideoDegrader(DegradeSettings(second_pass=0.6), seed=seed)
        first = degrader.frame(frame, 0)
        assert not np.array_equal(first, frame), seed
        np.testing.assert_array_equal(first, VideoDegrader(DegradeSettings(second_pass=0.6), seed=seed).frame(frame, 0))


def test_cli_makes_damaged_clips_and_images(frame, tmp_path):
    clip = write_frames(tmp_path / "clip.mp4", [frame] * 6, 25, codec="h264",
                        audio=(1000 * np.sin(np.arange(12000) / 10)).astype(np.int16))
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    run = lambda *arguments: subprocess.run([sys.executable, "-m", "restore.degrade", *map(str, arguments)],  # noqa: E731
                                            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    result = run(clip, "-o", tmp_path / "bad.mp4", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "RuntimeWarning" not in result.stderr
    with av.open(str(tmp_path / "bad.mp4")) as container:
        assert container.streams.audio and sum(1 for _ in container.decode(video=0)) == 6
    assert run(clip, "-o", tmp_path / "bad.mp4").returncode == 1  # exists: not replaced

    cv2.imwrite(str(tmp_path / "still.png"), frame[:, :, ::-1])
    result = run(tmp_path / "still.png", "-o", tmp_path / "still_bad.png", "--settings", '{"grain": 0.5}')
    assert result.returncode == 0, result.stderr
    damaged = cv2.imread(str(tmp_path / "still_bad.png"))[:, :, ::-1]
    np.testing.assert_array_equal(damaged, degrade(frame, DegradeSettings(grain=0.5), seed=0))

    result = run(tmp_path / "missing.mkv", "-o", tmp_path / "x.mkv")
    assert result.returncode == 1 and "error:" in result.stderr and "missing.mkv" in result.stderr
