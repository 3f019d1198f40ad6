"""Training pairs: clean photos degraded on the fly, kept in a bank refreshed by workers.

Degrading a frame costs tens of milliseconds, as much as a training step on two
cores, so pairs are never made in the training loop's thread. Worker processes degrade
whole photos (so positional damage, like the tint band at the top, lands where it
does on tape) into a bank of pairs; the training loop draws random crops from the bank
while workers keep replacing its entries. This module imports no TensorFlow, so
workers start fast.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from restore.degrade import FORMS, PRESETS, DegradeSettings, degrade, random_settings
from restore.degrade.frame import tune_allocator_for_frames
from restore.engine.timebase import correct_timebase
from restore.images import IMAGE_SUFFIXES, ImageError, find_images, read_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairSettings:
    """How clean photos become training pairs.

    Photos are rescaled so their width falls in ``width_range`` (never enlarged more than
    ``max_upscale``×), so damage sized for a 720×576 frame lands at a realistic scale.
    ``line_alignment_fraction`` of the degraded inputs go through the time-base
    corrector first, so the model knows inputs with and without that stage.
    ``families`` says how often each family of damage in `FAMILIES` is drawn: clean
    pairs (nothing to restore) and light damage teach the model to leave good pixels
    alone; the rest teach it to restore.
    """

    width_range: tuple[int, int] = (480, 800)
    max_upscale: float = 1.25
    min_side: int = 64
    line_alignment_fraction: float = 0.5
    families: tuple[tuple[str, float], ...] = (
        ("clean", 0.25), ("light", 0.08), ("reference", 0.12), ("archive", 0.12), ("bands", 0.2), ("casts", 0.05),
        ("wide", 0.18),
    )

    def __post_init__(self):
        unknown = {name for name, _ in self.families} - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown damage families {sorted(unknown)}; known: {', '.join(FAMILIES)}")
        if any(weight < 0 for _, weight in self.families) or sum(weight for _, weight in self.families) <= 0:
            raise ValueError(f"family weights must be >= 0 with a positive sum, got {self.families}")


def parse_families(text: str) -> tuple[tuple[str, float], ...]:
    """``"clean=0.25,bands=0.2"`` as `PairSettings.families`; `ValueError` naming the bad item."""
    families = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, equals, weight = item.partition("=")
        try:
            if not equals:
                raise ValueError(item)
            families.append((name.strip(), float(weight)))
        except ValueError:
            raise ValueError(f"families: {item!r} is not NAME=WEIGHT (known names: {', '.join(FAMILIES)})") from None
    if not families:
        raise ValueError("families: give at least one NAME=WEIGHT")
    return tuple(families)


def list_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (sorted); `ValueError` if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder of images")
    files, _ = find_images([folder])
    if not files:
        raise ValueError(f"{folder}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    return files


def load_clean(path: Path, rng: np.random.Generator, settings: PairSettings) -> np.ndarray | None:
    """Read a clean photo and rescale it to a frame-like width; None (with a warning) if
    the file is unreadable, so one bad file never stops training."""
    try:
        rgb = read_image(path).rgb
    except ImageError as error:
        log.warning("skipping %s", error)
        return None
    height, width = rgb.shape[:2]
    target_width = rng.uniform(*settings.width_range)
    scale = min(target_width / width, settings.max_upscale)
    new_size = (max(settings.min_side, round(width * scale)), max(settings.min_side, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, new_size, interpolation=interpolation)


def make_pair(path: Path, seed: int, settings: PairSettings | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(degraded, clean) uint8 RGB pair from one photo, or None if it is unreadable.

    The clean photo is flipped left-right at random *before* degrading, so the damage
    keeps its physical direction (chroma always delayed to the right)."""
    settings = PairSettings() if settings is None else settings
    rng = np.random.default_rng(seed)
    clean = load_clean(path, rng, settings)
    if clean is None:
        return None
    if rng.random() < 0.5:
        clean = np.ascontiguousarray(clean[:, ::-1])
    names, weights = zip(*settings.families)
    family = names[int(rng.choice(len(names), p=np.asarray(weights) / np.sum(weights)))]
    damage = FAMILIES[family](rng)
    degraded = degrade(clean, damage, seed=rng)
    if rng.random() < settings.line_alignment_fraction:
        degraded = correct_timebase(degraded)
    return degraded, clean


def reference_like_settings(rng: np.random.Generator) -> DegradeSettings:
    """The ``default`` preset (the reference tapes' damage) with each strength scaled by
    0.6-1.1 and the cast varied a little, so the model masters the archive's own damage
    without memorising one exact setting."""
    reference = PRESETS["default"]
    strengths = {name: float(np.clip(value * rng.uniform(0.6, 1.1), 0.0, 1.0)) for name, value in reference.strengths().items()}
    return dataclasses.replace(
        reference,
        **strengths,
        tint_hue=float(reference.tint_hue + rng.uniform(-25, 25)),
        cast_offset=tuple(float(v) for v in np.asarray(reference.cast_offset) + rng.uniform(-8, 8, 3)),
        cast_gain=tuple(float(v) for v in np.asarray(reference.cast_gain) * rng.uniform(0.85, 1.1, 3)),
    )


def archive_like_settings(rng: np.random.Generator) -> DegradeSettings:
    """The digital faults of digitised archives (the ``archive`` preset) in many
    variants: each of its artifacts kept three times in four at 0.5-1.1 of its strength,
    forms drawn at random half the time, sometimes with a cast, soft analogue damage
    and a second pass, in a shuffled order half the time."""
    archive = PRESETS["archive"]
    strengths = {
        name: float(np.clip(value * rng.uniform(0.5, 1.1), 0.0, 1.0)) if rng.random() < 0.75 else 0.0
        for name, value in archive.strengths().items() if value > 0
    }
    strengths["color_band"] = float(rng.uniform(0.4, 1.0))  # the bar is the signature fault
    extra = random_settings(rng)
    forms = {option: ("any" if rng.random() < 0.5 else getattr(archive, option)) for option in FORMS}
    return dataclasses.replace(
        archive, **strengths, **forms,
        levels=extra.levels * (rng.random() < 0.4), grain=extra.grain * 0.5, noise=extra.noise * 0.5,
        chroma_delay=extra.chroma_delay, cast_offset=extra.cast_offset, cast_gain=extra.cast_gain,
        second_pass=extra.second_pass, shuffle_order=bool(rng.random() < 0.5),
    )


def band_only_settings(rng: np.random.Generator) -> DegradeSettings:
    """A colour band (any place; lost channels half the time, else any form) alone, a
    tint band a third of the time, light capture compression half the time: nothing
    else to correct, so the model learns to mend the band and leave the rest of the
    frame as it is. (With bands only ever among other damage, it shifted the colours of
    the whole frame when it saw one.) Strong bands are favoured: a bar whose channels
    are gone outright is the hardest to mend."""
    return DegradeSettings(
        color_band=float(rng.uniform(0.3, 1.0) ** 0.5),
        band_form="channel_loss" if rng.random() < 0.5 else "any",
        tint_band=float(rng.uniform(0.3, 1.0)) if rng.random() < 1 / 3 else 0.0,
        tint_hue=float(rng.uniform(0.0, 360.0)),
        compression=float(rng.uniform(0.1, 0.5)) if rng.random() < 0.5 else 0.0,
    )


def white_balance_settings(rng: np.random.Generator) -> DegradeSettings:
    """A colour cast as a white balance makes it (per-channel gains about black, an
    offset, lifted blacks), warm half the time, at 0.5-1 of its strength; with a colour
    band half the time, a bent top a third of the time, light compression half the time.
    (The simulator's own casts pivot about mid-grey, as a proc amp's do; a model that only
    knows those leaves a white-balance cast as it is.)"""
    gains = rng.uniform(0.85, 1.2, 3)
    if rng.random() < 0.5:  # warm: the archives' red casts
        gains[0], gains[2] = rng.uniform(1.05, 1.3), rng.uniform(0.8, 0.97)
    offset = rng.uniform(-8, 20, 3)
    # The same cast about the simulator's mid-grey pivot: g·x + o = g·(x - ½) + ½ + (o + ½(g - 1)).
    cast_offset = offset + 0.5 * (gains - 1) * 255
    return DegradeSettings(
        levels=float(rng.uniform(0.5, 1.0)),
        cast_gain=tuple(float(g) for g in gains), cast_offset=tuple(float(o) for o in cast_offset),
        color_band=float(rng.uniform(0.3, 1.0)) if rng.random() < 0.5 else 0.0,
        top_skew=float(rng.uniform(0.3, 1.0)) if rng.random() < 1 / 3 else 0.0,
        compression=float(rng.uniform(0.1, 0.5)) if rng.random() < 0.5 else 0.0,
    )


def levels_settings(rng: np.random.Generator) -> DegradeSettings:
    """Lifted blacks and washed colour without a cast (a pedestal and chroma-gain error, and
    the proc amp's gamma) at 0.4-1 of the simulator's strength, the pedestal raised by up to
    another 0.1 of full scale with whites kept where they were (the simulator's own lift
    reaches 0.08: archives show up to twice that); with light grain, softness and capture
    compression half the time each. (Its levels come mixed with casts elsewhere, and the
    model learned to leave lifted blacks alone: 28.96 dB in, 28.81 out.)"""
    strength = float(rng.uniform(0.4, 1.0))
    lift = float(rng.uniform(0.0, 0.1))
    # x -> lift + (1 - lift)·x, about the simulator's mid-grey pivot: gain 1 - lift, offset ½·lift,
    # given at full strength (the simulator scales both by ``levels``).
    gain, offset = 1.0 - lift / strength, 0.5 * lift * 255 / strength
    light = {name: float(rng.uniform(0.1, 0.4)) if rng.random() < 0.5 else 0.0 for name in ("grain", "softness", "compression")}
    return DegradeSettings(levels=strength, cast_gain=(gain,) * 3, cast_offset=(offset,) * 3, **light)


# Families of training damage, by name (see PairSettings.families for how often).
FAMILIES = {
    "clean": lambda rng: PRESETS["clean"],
    "light": lambda rng: random_settings(rng).scaled(float(rng.uniform(0.15, 0.4))),
    "reference": reference_like_settings,
    "archive": archive_like_settings,
    "bands": band_only_settings,
    "casts": white_balance_settings,
    "levels": levels_settings,
    "wide": random_settings,
}


def _start_worker() -> None:
    # Ctrl-C reaches the whole foreground process group. The training process answers it and
    # closes the pool; a worker killed mid-pair would hold the result queue's lock (`close`).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_allocator_for_frames()


def _make_pair_job(job: tuple[str, int, PairSettings]):
    path, seed, settings = job
    return make_pair(Path(path), seed, settings)


# Seconds `PairBank.close` waits for the workers to finish their pairs before killing them.
_CLOSE_TIMEOUT_S = 10.0

# Share of crops taken from the top of the picture: the tape's worst damage sits there
# (flagging, tint and colour bars), and uniform crops of a tall photo rarely reach it.
TOP_CROP_FRACTION = 0.25


class PairBank:
    """A bank of ``size`` degraded/clean pairs, refreshed in the background by
    ``workers`` processes; `sample` draws random crops from it.

    Workers fill the bank, then make ``refresh_per_batch`` new pairs for every batch
    drawn: enough that the bank keeps changing, few enough that they never take CPU
    the training step needs (on two cores an unthrottled worker takes a third of it).
    """

    def __init__(self, paths: list[Path], size: int = 96, workers: int = 1, seed: int = 0, refresh_per_batch: float = 2.0,
                 top_crop_fraction: float = TOP_CROP_FRACTION, settings: PairSettings | None = None):
        if not paths:
            raise ValueError("PairBank needs at least one image")
        self.paths = [str(p) for p in paths]
        self.size = size
        self.workers = max(1, workers)
        self.seed = seed
        self.settings = PairSettings() if settings is None else settings
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self.made = 0
        self.skipped = 0
        self.refresh_per_batch = refresh_per_batch
        if not 0.0 <= top_crop_fraction <= 1.0:
            raise ValueError(f"top_crop_fraction must be in [0, 1], got {top_crop_fraction}")
        self.top_crop_fraction = top_crop_fraction
        self._refresh_credit = 0.0
        # Each permit lets one more pair job start: the bank's size to fill it, then more
        # as batches are drawn.
        self._permits = threading.Semaphore(size + self.workers)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = None

    def _jobs(self):
        rng = np.random.default_rng(self.seed)
        while not self._stop.is_set():
            if not self._permits.acquire(timeout=0.5):
                continue
            yield self.paths[rng.integers(len(self.paths))], int(rng.integers(2**62)), self.settings

    def start(self) -> "PairBank":
        # "spawn": TensorFlow in the parent is not fork-safe.
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(self.workers, initializer=_start_worker)
        results = self._pool.imap_unordered(_make_pair_job, self._jobs(), chunksize=1)
        replace_rng = np.random.default_rng(self.seed + 1)

        def fill():
            for pair in results:
                if self._stop.is_set():
                    break
                if pair is None:
                    self.skipped += 1
                    self._permits.release()  # an unreadable file does not use up a slot
                    continue
                with self._lock:
                    if len(self.pairs) < self.size:
                        self.pairs.append(pair)
                    else:
                        self.pairs[replace_rng.integers(self.size)] = pair
                    self.made += 1

        self._thread = threading.Thread(target=fill, daemon=True, name="pair-bank")
        self._thread.start()
        return self

    def wait_until_ready(self, minimum: int | None = None, timeout: float = 600.0) -> None:
        """Block until the bank holds ``minimum`` pairs (default: all of it)."""
        minimum = min(self.size, minimum or self.size)
        stop_at = threading.Event()
        waited = 0.0
        while len(self.pairs) < minimum:
            if waited > timeout:
                raise RuntimeError(f"pair bank holds only {len(self.pairs)} pairs after {timeout:.0f} s (skipped {self.skipped} unreadable files)")
            if self._thread is not None and not self._thread.is_alive():
                raise RuntimeError("pair bank workers stopped")
            if not self.pairs and self.skipped >= 3 * len(self.paths):
                raise RuntimeError(f"none of the {len(self.paths)} training images could be read")
            stop_at.wait(0.2)
            waited += 0.2

    def sample(self, batch: int, crop: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Random ``crop``×``crop`` crops: (degraded, clean), float32 ``batch×crop×crop×3`` in [0, 1]."""
        degraded = np.empty((batch, crop, crop, 3), np.uint8)
        clean = np.empty_like(degraded)
        with self._lock:
            chosen = [self.pairs[i] for i in rng.integers(len(self.pairs), size=batch)]
        self._refresh_credit += self.refresh_per_batch
        while self._refresh_credit >= 1.0:
            self._permits.release()
            self._refresh_credit -= 1.0
        for index, (bad, good) in enumerate(chosen):
            if bad.shape[0] < crop or bad.shape[1] < crop:
                # Small photos: pad by reflection rather than drop them.
                pad = ((0, max(0, crop - bad.shape[0])), (0, max(0, crop - bad.shape[1])), (0, 0))
                bad, good = np.pad(bad, pad, mode="reflect"), np.pad(good, pad, mode="reflect")
            top = 0 if rng.random() < self.top_crop_fraction else rng.integers(bad.shape[0] - crop + 1)
            left = rng.integers(bad.shape[1] - crop + 1)
            degraded[index] = bad[top : top + crop, left : left + crop]
            clean[index] = good[top : top + crop, left : left + crop]
        return degraded.astype(np.float32) / 255.0, clean.astype(np.float32) / 255.0

    def close(self) -> None:
        self._stop.set()
        self._permits.release(self.workers + 1)  # wake the job feeder so it sees the stop
        if self._pool is None:
            return
        # Let the workers finish the pair in hand rather than `terminate()` at once: a worker
        # killed while it writes a pair holds the result queue's lock, and the pool's own
        # shutdown then waits on that lock forever (seen as a hung test run).
        self._pool.close()
        joiner = threading.Thread(target=self._pool.join, daemon=True, name="pair-bank-join")
        joiner.start()
        joiner.join(_CLOSE_TIMEOUT_S)
        if joiner.is_alive():  # a job that never ends: kill the workers after all
            self._pool.terminate()
        self._pool = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


def validation_pairs(folder: Path, count: int | None = None, seed: int = 1234) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Fixed (name, degraded, clean) pairs for validation: the same damage every run
    (``random_settings`` with per-image seeds), images at their own size."""
    pairs = []
    for index, path in enumerate(list_images(folder)[:count]):
        try:
            clean = read_image(path).rgb
        except ImageError as error:
            log.warning("skipping %s", error)
            continue
        rng = np.random.default_rng(seed + index)
        pairs.append((path.name, degrade(clean, random_settings(rng), seed=rng), clean))
    return pairs
