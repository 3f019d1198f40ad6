"""restore.engine.colour_bars: bars of lines with one or two colour channels gone are found
and rebuilt from the lines beside them; anything else comes back as it was."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from restore import load_restorer, psnr
from restore.engine.colour_bars import ColourBar, ColourBarSettings, ColourBarTracker, find_colour_bars, repair_colour_bars

HEIGHT, WIDTH = 144, 192
PHOTOS = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea, "rocket": data.rocket}


def photo(name: str = "astronaut") -> np.ndarray:
    return np.ascontiguousarray(cv2.resize(PHOTOS[name](), (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA))


def with_bar(rgb: np.ndarray, top: int, bottom: int, dropped: tuple[int, ...], visibility: float = 0.5,
             level: float = 180.0, keep: float = 0.05) -> np.ndarray:
    """``rgb`` with the ``dropped`` channels (nearly) gone over lines [top, bottom) and the
    other channels faded towards ``level``, as a failed chroma capture leaves them."""
    out = rgb.astype(np.float32)
    rows = out[top:bottom]
    for channel in range(3):
        rows[..., channel] = rows[..., channel] * keep if channel in dropped else visibility * rows[..., channel] + (1 - visibility) * level
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_a_clean_picture_comes_back_as_the_same_array(name):
    clean = photo(name)
    assert find_colour_bars(clean) == []
    assert repair_colour_bars(clean, 255.0) is clean


@pytest.mark.parametrize("top, bottom, dropped", [
    (0, 30, (0, 2)),  # a green bar at the top: red and blue gone
    (60, 84, (1,)),  # a pink bar in the middle: green gone
    (112, 144, (0, 2)),  # a green bar at the bottom
])
def test_a_bar_is_found_and_rebuilt_and_nothing_else_changes(top, bottom, dropped):
    clean = photo("astronaut")
    barred = with_bar(clean, top, bottom, dropped)
    assert find_colour_bars(barred) == [ColourBar(top, bottom, dropped)]
    repaired = repair_colour_bars(barred, 255.0)
    assert repaired.dtype == np.uint8 and repaired.shape == barred.shape
    rows = slice(top, bottom)
    assert psnr(repaired[rows], clean[rows]) > psnr(barred[rows], clean[rows]) + 5.0
    outside = np.ones(HEIGHT, bool)
    outside[rows] = False
    np.testing.assert_array_equal(repaired[outside], barred[outside])
    # The lost channels are back: the bar's mean colour is near the picture's there.
    assert np.abs(repaired[rows].mean((0, 1)) - clean[rows].mean((0, 1))).max() < 40


def test_a_bar_with_the_picture_gone_is_filled_in_from_around_it(monkeypatch):
    from restore.engine import colour_bars

    clean = photo("chelsea")
    barred = with_bar(clean, 0, 24, (1,), visibility=0.02)  # pink, the picture all but gone
    filled = []
    inpaint = colour_bars._inpaint_lines
    monkeypatch.setattr(colour_bars, "_inpaint_lines", lambda rgb, bar: filled.append(bar) or inpaint(rgb, bar))
    repaired = repair_colour_bars(barred, 255.0)
    assert filled == [ColourBar(0, 24, (1,))]
    assert psnr(repaired[:24], clean[:24]) > psnr(barred[:24], clean[:24]) + 5.0
    assert repaired[:24].std(axis=1).mean() > 2.0  # the picture's colours carried in, not one flat level


def test_a_gone_bar_with_a_soft_edge_is_filled_in_with_its_edge_not_from_it():
    clean = photo("chelsea")
    hard = with_bar(clean, 0, 30, (1,), visibility=0.02)
    # The bar fades out over 6 more lines, as a feathered or resampled edge does.
    barred = hard.copy()
    for line, weight in zip(range(30, 36), np.linspace(0.85, 0.15, 6)):
        barred[line] = np.rint(weight * with_bar(clean, line, line + 1, (1,), visibility=0.02)[line] + (1 - weight) * clean[line])
    found = find_colour_bars(barred)
    assert len(found) == 1 and found[0].top == 0 and found[0].bottom < 36  # the detector stops inside the edge
    repaired = repair_colour_bars(barred, 255.0).astype(np.float64)
    # Filled in from the clean lines below the edge, not from its pink: green is back beside red and blue.
    rows = repaired[:36].mean(axis=(0, 1))
    truth = clean[:36].astype(np.float64).mean(axis=(0, 1))
    assert rows[1] / rows[[0, 2]].mean() > 0.8 * truth[1] / truth[[0, 2]].mean()
    assert psnr(repaired[:36].astype(np.uint8), clean[:36]) > psnr(barred[:36], clean[:36]) + 5.0
    np.testing.assert_array_equal(repaired[48:], barred[48:])  # no further than edge_lines (12) below the bar


def test_a_bar_with_lifted_blacks_is_still_found():
    clean = photo("coffee")
    lifted = (30 + clean.astype(np.float32) * (225 / 255)).astype(np.uint8)  # a black level of 30
    barred = with_bar(lifted, 0, 36, (1,), keep=0.0)
    barred[:36, :, 1] = 30  # green "gone" sits at the lifted black, not at zero
    assert find_colour_bars(barred) == [ColourBar(0, 36, (1,))]


@pytest.mark.parametrize("dtype, scale", [(np.uint8, 255.0), (np.uint16, 65535.0), (np.float32, 1.0)])
def test_every_supported_dtype_is_repaired_in_its_own_dtype(dtype, scale):
    barred8 = with_bar(photo("chelsea"), 0, 40, (0, 2))
    barred = (barred8.astype(np.float64) * (scale / 255.0)).astype(dtype)
    before = barred.copy()
    repaired = repair_colour_bars(barred, scale)
    np.testing.assert_array_equal(barred, before)  # the input is never modified
    assert repaired.dtype == dtype and repaired.shape == barred.shape
    reference = repair_colour_bars(barred8, 255.0).astype(np.float64)
    assert np.abs(repaired.astype(np.float64) * (255.0 / scale) - reference).max() <= 1.0


@pytest.mark.parametrize("case", ["red only", "blue only", "red and green", "green and blue", "dark lines", "black lines",
                                  "two lines"])
def test_what_is_not_a_bar_is_left_alone(case):
    clean = photo("astronaut")
    damaged = {
        # Across the full width these are a sky, sand or a sunset as often as a fault.
        "red only": lambda: with_bar(clean, 0, 30, (0,), visibility=1.0),
        "blue only": lambda: with_bar(clean, 0, 30, (2,), visibility=1.0),
        "red and green": lambda: with_bar(clean, 0, 30, (0, 1), visibility=1.0),  # a deep blue sky
        "green and blue": lambda: with_bar(clean, 0, 30, (1, 2), visibility=1.0),  # a red sunset
        # Every channel dark: a dark region or a fade, not lost colour.
        "dark lines": lambda: with_bar(clean, 0, 30, (0, 1, 2)),
        "black lines": lambda: np.concatenate([np.zeros((30, WIDTH, 3), np.uint8), clean[30:]]),
        "two lines": lambda: with_bar(clean, 50, 52, (0, 2)),
    }[case]()
    assert find_colour_bars(damaged) == []
    assert repair_colour_bars(damaged, 255.0) is damaged


def test_a_view_of_an_rgba_picture_is_searched_as_its_rgb():
    barred = with_bar(photo("coffee"), 0, 30, (0, 2))
    rgba = np.dstack([barred, np.full(barred.shape[:2], 255, np.uint8)])
    assert find_colour_bars(rgba[:, :, :3]) == find_colour_bars(barred) == [ColourBar(0, 30, (0, 2))]


def test_grey_pictures_have_no_bars():
    grey = np.repeat(cv2.cvtColor(photo(), cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    assert find_colour_bars(grey) == []


@pytest.mark.parametrize("bad, message", [
    (np.zeros((16, 16), np.uint8), "H×W×3"),
    (np.zeros((16, 16, 4), np.uint8), "H×W×3"),
    (np.zeros((16, 16, 3), np.float64), "uint8, uint16 or float32"),
    (np.zeros((1, 16, 3), np.uint8), "at least 2×2"),
])
def test_bad_images_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        find_colour_bars(bad)


@pytest.mark.parametrize("field, value, message", [
    ("level_share", 1.5, "level_share must be in"),
    ("contrast", 0.0, "contrast must be in"),
    ("blocks", 1, "blocks at least 2"),
    ("max_gain", 0.5, "max_gain must be at least 1"),
    ("edge_lines", -1, "edge_lines at least 0"),
    ("edge_recovery", 1.0, "edge_recovery must be in"),
])
def test_bad_settings_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        ColourBarSettings(**{field: value})


def _clip(frames: int = 12) -> list[np.ndarray]:
    """A camera pan over a photo: each frame 4 pixels to the right of the one before."""
    wide = cv2.resize(data.astronaut(), (WIDTH + 4 * frames, HEIGHT), interpolation=cv2.INTER_AREA)
    return [np.ascontiguousarray(wide[:, 4 * index : 4 * index + WIDTH]) for index in range(frames)]


def test_a_tracked_bar_is_repaired_in_every_frame_it_is_in():
    frames = [with_bar(frame, 0, 40, (0, 2)) for frame in _clip()]
    # Some frames where the bar is close to the detector's limits: the red and blue left in
    # the bar rise above what a single frame counts as gone.
    for index in (3, 4, 8):
        frames[index] = with_bar(_clip()[index], 0, 40, (0, 2), keep=0.18)
    assert sum(bool(find_colour_bars(frame)) for frame in frames) < len(frames)
    tracker = ColourBarTracker()
    repaired = [tracker(frame, 255.0) for frame in frames]
    assert all(out is not frame for out, frame in zip(repaired, frames))
    clean = _clip()
    assert all(psnr(out[:40], original[:40]) > psnr(frame[:40], original[:40]) for out, frame, original in zip(repaired, frames, clean))


def test_a_tracked_bar_that_ends_is_no_longer_repaired():
    clean = _clip(6)
    frames = [with_bar(frame, 0, 40, (1,)) for frame in clean[:3]] + clean[3:]
    tracker = ColourBarTracker()
    repaired = [tracker(frame, 255.0) for frame in frames]
    assert all(out is not frame for out, frame in zip(repaired[:3], frames[:3]))
    assert all(out is frame for out, frame in zip(repaired[3:], frames[3:]))


# --------------------------------------------------------------------------- #
# In the Restorer: on where the model's config says, for images and for a video's frames
# --------------------------------------------------------------------------- #
def test_colour_bar_repair_follows_config_and_override(tmp_path, model_factory):
    # The untrained residual model adds exactly zero, so what comes out is the stage's work.
    clean = np.ascontiguousarray(cv2.resize(data.astronaut(), (96, 72), interpolation=cv2.INTER_AREA))
    barred = clean.copy()
    barred[:16, :, [0, 2]] //= 20  # red and blue gone over the top 16 lines: a green bar
    folder = model_factory(tmp_path / "bars", preprocess={"colour_bars": True}, random_output=False)
    restorer = load_restorer(str(folder), line_alignment=False)
    assert restorer.colour_bars and "colour_bars=True" in repr(restorer)
    assert restorer.describe_stages() == "colour-bar repair"
    np.testing.assert_array_equal(restorer.restore(barred), repair_colour_bars(barred, 255.0))
    assert psnr(restorer.restore(barred), clean) > psnr(barred, clean) + 5.0
    off = load_restorer(str(folder), line_alignment=False, colour_bars=False)
    np.testing.assert_array_equal(off.restore(barred), barred)
    # A config that does not name the stage leaves it off: older models restore as before.
    plain = load_restorer(str(model_factory(tmp_path / "plain", random_output=False)), line_alignment=False)
    assert not plain.colour_bars and plain.describe_stages() == "none"
    assert load_restorer(str(tmp_path / "plain"), line_alignment=False, colour_bars=True).colour_bars
    with pytest.raises(ValueError, match=r"colour_bars must be True or False, got 'on'"):
        load_restorer(str(folder), colour_bars="on")


def test_video_batches_follow_a_colour_bar_from_frame_to_frame(tmp_path, model_factory):
    def barred(keep: float) -> np.ndarray:
        frame = np.ascontiguousarray(cv2.resize(data.astronaut(), (192, 144), interpolation=cv2.INTER_AREA))
        frame[:40, :, [0, 2]] = (frame[:40, :, [0, 2]] * keep).astype(np.uint8)  # red and blue (nearly) gone
        return frame

    folder = model_factory(tmp_path / "bars", preprocess={"colour_bars": True}, random_output=False)
    restorer = load_restorer(str(folder), line_alignment=False)
    clear, faint = barred(0.05), barred(0.18)  # the second is near the detector's limit
    np.testing.assert_array_equal(restorer.restore(faint), faint)  # on its own: not found
    restore_video_batch = restorer.video_batches()
    first = restore_video_batch([clear])[0]
    second = restore_video_batch([faint])[0]
    assert not np.array_equal(first, clear) and not np.array_equal(second, faint)  # followed into the next frame
    np.testing.assert_array_equal(restorer.restore_batch([faint])[0], faint)  # each video has its own
