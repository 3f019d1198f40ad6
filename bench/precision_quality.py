"""How much each faster precision loses against float32, on the benchmarks' own damage.

Used by ``bench/speed.py``: validation photos (PAL size) are damaged the way
``bench/quality.py`` damages them (the simulator's presets and `random_settings`) and the way
``bench/generalise.py`` does (the held-out damage of `bench.heldout_damage`), restored in
every precision, and scored against the clean photos. A mode is *qualified* when on every
set it loses at most `restore.engine.precision.QUALITY_BOUND` (PSNR dB, SSIM) against
float32; `record_qualification` writes that verdict into the model folder's
``config.json``, where ``--precision auto`` reads it.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from bench.heldout_damage import SETS as HELDOUT_SETS
from restore import PRESETS, degrade, psnr, random_settings, ssim
from restore.engine.precision import QUALITY_BOUND
from restore.engine.weights import CONFIG_NAME
from restore.files import write_bytes_atomically
from restore.images import find_images, read_image

PAL_SIZE = (720, 576)  # width, height
SIMULATOR_SETS = {
    "default": lambda image, seed: degrade(image, PRESETS["default"], seed=seed),
    "heavy": lambda image, seed: degrade(image, PRESETS["heavy"], seed=seed),
    "random_settings": lambda image, seed: degrade(image, random_settings(np.random.default_rng(seed)), seed=seed),
}
HELDOUT = {name: (lambda damage: lambda image, seed: damage(image, np.random.default_rng(seed)))(damage)
           for name, damage in HELDOUT_SETS.items()}
DAMAGE = {**SIMULATOR_SETS, **HELDOUT}


@dataclass
class SetScores:
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)

    def mean(self) -> tuple[float, float]:
        return float(np.mean(self.psnr)), float(np.mean(self.ssim))


def damaged_pairs(folder: Path, limit: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(set name, damaged, clean) for the first ``limit`` photos of ``folder`` and every set."""
    files, _ = find_images([folder])
    pairs = []
    for path in files[:limit]:
        clean = cv2.resize(read_image(path).rgb, PAL_SIZE, interpolation=cv2.INTER_AREA)
        seed = zlib.crc32(path.name.encode())
        pairs += [(name, damage(clean, seed), clean) for name, damage in DAMAGE.items()]
    return pairs


def score(restorers: dict, pairs) -> dict[str, dict[str, SetScores]]:
    """Mean PSNR / SSIM against the clean photo, per precision and set."""
    scores = {name: {set_name: SetScores() for set_name in DAMAGE} for name in restorers}
    for set_name, damaged, clean in pairs:
        for name, restorer in restorers.items():
            restored = restorer.restore(damaged)
            scores[name][set_name].psnr.append(psnr(restored, clean))
            scores[name][set_name].ssim.append(ssim(restored, clean))
    return scores


def deltas(scores: dict[str, dict[str, SetScores]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Per precision and set: (PSNR, SSIM) of that precision minus float32's."""
    reference = {set_name: sets.mean() for set_name, sets in scores["float32"].items()}
    return {
        name: {set_name: tuple(np.subtract(sets.mean(), reference[set_name])) for set_name, sets in by_set.items()}
        for name, by_set in scores.items() if name != "float32"
    }


def qualified(by_set: dict[str, tuple[float, float]]) -> bool:
    return all(d_psnr >= -QUALITY_BOUND["psnr"] and d_ssim >= -QUALITY_BOUND["ssim"] for d_psnr, d_ssim in by_set.values())


def print_deltas(scores, differences) -> None:
    print(f"\nquality against float32 (mean over {len(next(iter(scores['float32'].values())).psnr)} photos per set; "
          f"bound: -{QUALITY_BOUND['psnr']} dB, -{QUALITY_BOUND['ssim']} SSIM)")
    print(f"{'set':<18} {'float32 dB / SSIM':>20}" + "".join(f" {name + ' Δ dB / Δ SSIM':>26}" for name in differences))
    for set_name, sets in scores["float32"].items():
        base_psnr, base_ssim = sets.mean()
        cells = "".join(f" {d[set_name][0]:>+13.3f} / {d[set_name][1]:>+9.4f}" for d in differences.values())
        print(f"{set_name:<18} {base_psnr:>11.2f} / {base_ssim:.4f}{cells}")
    for name, by_set in differences.items():
        print(f"{name}: {'qualified' if qualified(by_set) else 'NOT qualified'} for --precision auto")


def record_qualification(model_folder: Path, differences, milliseconds: dict[str, float], images: int) -> Path:
    """Write the verdict into the model folder's config.json (atomically)."""
    path = Path(model_folder) / CONFIG_NAME
    config = json.loads(path.read_text())
    config["precision"] = {
        "qualified": ["float32", *[name for name, by_set in differences.items() if qualified(by_set)]],
        "bound": QUALITY_BOUND,
        "photos_per_set": images,
        "measured": {
            name: {"ms_per_frame": round(milliseconds.get(name, float("nan")), 1),
                   "worst_psnr_delta": round(min(d[0] for d in by_set.values()), 4),
                   "worst_ssim_delta": round(min(d[1] for d in by_set.values()), 5)}
            for name, by_set in differences.items()
        },
    }
    return write_bytes_atomically(path, (json.dumps(config, indent=2) + "\n").encode())
