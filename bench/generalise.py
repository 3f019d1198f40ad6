"""Generalisation benchmark: how the restoration model does on damage training never sees.

The damage comes from `bench/heldout_damage.py`, a second degradation model written apart from
the project's VHS simulator (other code, forms and parameter ranges), so these figures say how far
the model's skill carries beyond its own training distribution. Each validation photo is resized
to a 720×576 PAL frame (what the tool restores), damaged by every set with an rng seeded per set
and photo (reproducible runs), and scored against the clean frame: mean PSNR / SSIM of the damaged
input, of OpenCV's non-local-means denoiser and of each model. The ``clean`` set is no damage at
all: it measures how much a model changes a good frame (target ≥ 38 dB).

    python bench/generalise.py [--val ../shared/data/val] [--model SRC ...] [--limit 24]
                               [--grid docs/generalise_grid.png] [--json FILE] [--no-nlmeans]
                               [--steps]

``--steps`` scores each step of the analogue damage (at both strengths), of the digital damage
and of the sample-like frame alone, beside ``clean``: which damage a model leaves as it is, and
which it harms.

``--model`` may be repeated to compare models side by side; columns are labelled by the source.
In the JSON, the PSNR of identical images (the clean set's input) is written as null.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.heldout_damage import FAMILIES, SETS, STEP_FAMILIES, STEP_SETS
from restore import load_restorer, psnr, ssim
from restore.images import find_images, read_image

PAL_SIZE = (720, 576)  # width, height
INPUT = "input"
NL_MEANS = "NL-means"
CLEAN_TARGET_DB = 38.0
DEFAULT_MODEL_LABEL = "bundled"
# Every set by name: the benchmark's own, then its damage step by step (--steps).
ALL_SETS = {**SETS, **STEP_SETS}
ALL_FAMILIES = {**FAMILIES, **STEP_FAMILIES}
# The grid's rows: (label, set), each from a different photo so the grid shows three pictures.
GRID_ROWS = (("band", "bands"), ("digital damage", "digital"), ("clean passthrough", "clean"))


@dataclass
class Scores:
    """Per-photo figures of one method on one set."""

    files: list[str] = field(default_factory=list)
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, name: str, output: np.ndarray, clean: np.ndarray) -> None:
        self.files.append(name)
        self.psnr.append(psnr(output, clean))
        self.ssim.append(ssim(output, clean))

    @property
    def mean_psnr(self) -> float:
        return float(np.mean(self.psnr))

    @property
    def mean_ssim(self) -> float:
        return float(np.mean(self.ssim))

    def worst(self) -> tuple[float, str]:
        index = int(np.argmin(self.psnr))
        return self.psnr[index], self.files[index]

    def cell(self) -> str:
        return f"{self.mean_psnr:.2f} / {self.mean_ssim:.4f}"

    def to_json(self) -> dict:
        finite = lambda value: value if math.isfinite(value) else None
        return {
            "psnr": finite(self.mean_psnr),
            "ssim": self.mean_ssim,
            "ms_per_image": 1000 * self.seconds / max(1, len(self.files)),
            "per_image": [{"file": name, "psnr": finite(p), "ssim": s} for name, p, s in zip(self.files, self.psnr, self.ssim)],
        }


def nl_means(rgb: np.ndarray) -> np.ndarray:
    """OpenCV's non-local-means colour denoiser with its documented default strengths."""
    return cv2.fastNlMeansDenoisingColored(rgb, None, 10, 10, 7, 21)


def pal_frame(path: Path) -> np.ndarray:
    """A photo as the tool would see a capture: uint8 RGB 576×720."""
    return cv2.resize(read_image(path).rgb, PAL_SIZE, interpolation=cv2.INTER_AREA)


def damage_rng(set_name: str, file_name: str) -> np.random.Generator:
    # Seeded by names, not positions, so a photo gets the same damage whatever --limit is.
    return np.random.default_rng([zlib.crc32(set_name.encode()), zlib.crc32(file_name.encode())])


def gain(model: Scores, reference: Scores) -> tuple[float, float]:
    """Mean (PSNR dB, SSIM) of ``model`` minus that of ``reference``."""
    return model.mean_psnr - reference.mean_psnr, model.mean_ssim - reference.mean_ssim


def pooled(results: dict[str, dict[str, Scores]], set_names: list[str], method: str) -> Scores:
    """All photos of ``set_names`` for one method, as one `Scores` (for family means)."""
    pool = Scores()
    for name in set_names:
        scores = results[name][method]
        pool.files += scores.files
        pool.psnr += scores.psnr
        pool.ssim += scores.ssim
        pool.seconds += scores.seconds
    return pool


def beats(model: Scores, references: list[Scores]) -> bool:
    """Higher mean PSNR and higher mean SSIM than every reference."""
    return all(model.mean_psnr > other.mean_psnr and model.mean_ssim > other.mean_ssim for other in references)


def image_grid(rows: list[tuple[str, list[np.ndarray]]], column_titles: list[str], width: int = 360, gap: int = 4) -> np.ndarray:
    """uint8 RGB grid of equally sized tiles on white, with column titles and a caption per row."""
    caption_height = 22
    font = cv2.FONT_HERSHEY_SIMPLEX

    def strip(texts: list[str]) -> np.ndarray:
        band = np.full((caption_height, len(texts) * (width + gap) - gap, 3), 255, np.uint8)
        for column, text in enumerate(texts):
            cv2.putText(band, text, (column * (width + gap) + 4, 16), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        return band

    parts = [strip(column_titles)]
    for caption, tiles in rows:
        height = round(tiles[0].shape[0] * width / tiles[0].shape[1])
        scaled = [cv2.resize(tile, (width, height), interpolation=cv2.INTER_AREA) for tile in tiles]
        spacer = np.full((height, gap, 3), 255, np.uint8)
        row = [scaled[0]]
        for tile in scaled[1:]:
            row += [spacer, tile]
        parts += [strip([caption] + [""] * (len(tiles) - 1)), np.concatenate(row, axis=1)]
    return np.concatenate(parts, axis=0)


def print_report(results: dict[str, dict[str, Scores]], model_labels: list[str], with_nl_means: bool) -> dict:
    """Print the tables and target lines; return the summary figures for the JSON."""
    methods = [INPUT, *([NL_MEANS] if with_nl_means else []), *model_labels]
    print("\nPSNR (dB) / SSIM against the clean frame, mean over photos:\n")
    print("| set | " + " | ".join(methods) + " |")
    print("|---" * (len(methods) + 1) + "|")
    for set_name, by_method in results.items():
        print(f"| {set_name} | " + " | ".join(by_method[method].cell() for method in methods) + " |")

    summary: dict = {"gain_over_input": {}, "gain_over_nl_means": {}, "family_gain_over_input": {}, "targets": {}}
    damaged_sets = [name for name in results if name != "clean"]
    families: dict[str, list[str]] = {}
    for name in damaged_sets:
        families.setdefault(ALL_FAMILIES[name], []).append(name)
    for label in model_labels:
        print(f"\nGain of {label} over the input (PSNR dB / SSIM):")
        summary["gain_over_input"][label] = {}
        summary["gain_over_nl_means"][label] = {}
        for name in damaged_sets:
            d_psnr, d_ssim = gain(results[name][label], results[name][INPUT])
            line = f"  {name:16s} {d_psnr:+6.2f} / {d_ssim:+.4f}"
            summary["gain_over_input"][label][name] = {"psnr": d_psnr, "ssim": d_ssim}
            if with_nl_means:
                n_psnr, n_ssim = gain(results[name][label], results[name][NL_MEANS])
                line += f"    (over NL-means {n_psnr:+6.2f} / {n_ssim:+.4f})"
                summary["gain_over_nl_means"][label][name] = {"psnr": n_psnr, "ssim": n_ssim}
            print(line)
        summary["family_gain_over_input"][label] = {}
        for family, names in families.items():
            d_psnr, d_ssim = gain(pooled(results, names, label), pooled(results, names, INPUT))
            summary["family_gain_over_input"][label][family] = {"psnr": d_psnr, "ssim": d_ssim}
            print(f"  family {family:9s} {d_psnr:+6.2f} / {d_ssim:+.4f}   ({', '.join(names)})")

    print("\nTargets:")
    if "clean" in results:
        for label in model_labels:
            scores = results["clean"][label]
            worst_db, worst_file = scores.worst()
            met = scores.mean_psnr >= CLEAN_TARGET_DB
            print(f"  clean passthrough ≥ {CLEAN_TARGET_DB:.0f} dB, {label}: {scores.mean_psnr:.2f} dB mean, "
                  f"SSIM {scores.mean_ssim:.4f}, worst {worst_db:.2f} dB ({worst_file}): {'yes' if met else 'no'}")
            summary["targets"].setdefault(label, {})["clean_passthrough"] = {
                "psnr": scores.mean_psnr, "ssim": scores.mean_ssim, "worst_psnr": worst_db, "worst_file": worst_file, "met": met}
    references = "the input and NL-means" if with_nl_means else "the input"
    print(f"  beats {references} on PSNR and SSIM:\n")
    print("| set | " + " | ".join(model_labels) + " |")
    print("|---" * (len(model_labels) + 1) + "|")
    for name in damaged_sets:
        others = [results[name][INPUT]] + ([results[name][NL_MEANS]] if with_nl_means else [])
        verdicts = [beats(results[name][label], others) for label in model_labels]
        for label, verdict in zip(model_labels, verdicts):
            summary["targets"].setdefault(label, {}).setdefault("beats_baselines", {})[name] = verdict
        print(f"| {name} | " + " | ".join("yes" if verdict else "no" for verdict in verdicts) + " |")
    print()
    for label in model_labels:
        every = all(summary["targets"].setdefault(label, {}).get("beats_baselines", {}).values())
        summary["targets"][label]["beats_on_every_set"] = every
        print(f"  {label}: beats {references} on every damaged set: {'yes' if every else 'no'}")
    return summary


def parse_args(argv) -> argparse.Namespace:
    """The options, with ``set_names`` (a list) and ``files`` (the photos to use) added."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", default=str(REPO_ROOT.parent / "shared" / "data" / "val"), help="folder of clean validation photos")
    parser.add_argument("--model", action="append", default=None, help="model source; repeat to compare (default: the bundled checkpoint)")
    parser.add_argument("--limit", type=int, default=24, help="number of validation photos (default 24)")
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated subset of {', '.join(SETS)}, or of --steps' sets")
    parser.add_argument("--steps", action="store_true", help="score every analogue, digital and sample-like step alone, and clean (replaces --sets)")
    parser.add_argument("--no-nlmeans", action="store_true", help="skip the (slow) NL-means baseline")
    parser.add_argument("--grid", default="docs/generalise_grid.png", help="where to write the sample grid ('' to skip)")
    parser.add_argument("--json", default="", help="also write every figure as JSON here")
    arguments = parser.parse_args(argv)

    arguments.set_names = [*STEP_SETS, "clean"] if arguments.steps else arguments.sets.split(",")
    unknown = [name for name in arguments.set_names if name not in ALL_SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)} (or the steps: {', '.join(STEP_SETS)})")
    files, errors = find_images([Path(arguments.val)])
    if errors:
        parser.error("; ".join(f"{path}: {reason}" for path, reason in errors))
    arguments.files = files[: arguments.limit]
    if not arguments.files:
        parser.error(f"no images in {arguments.val}")
    return arguments


def grid_picks(count: int) -> dict[str, int]:
    """The photo (index of ``count``) each grid row shows, by set: a different one per row."""
    return {set_name: index % count for index, (_, set_name) in enumerate(GRID_ROWS)}


def measure(files: list[Path], set_names: list[str], methods: dict, grid_method: str) -> tuple[dict, dict]:
    """Every method (name: damaged frame → output) on every set and photo: the `Scores` by
    set and method, and the grid's tiles (damaged, ``grid_method``'s output, clean) by set."""
    results = {name: {method: Scores() for method in methods} for name in set_names}
    picks = grid_picks(len(files))
    grid_tiles: dict[str, list[np.ndarray]] = {}
    started = time.perf_counter()
    for index, path in enumerate(files):
        clean = pal_frame(path)
        for set_name in set_names:
            damaged = ALL_SETS[set_name](clean, damage_rng(set_name, path.name))
            for method, run in methods.items():
                began = time.perf_counter()
                output = run(damaged)
                results[set_name][method].seconds += time.perf_counter() - began
                results[set_name][method].add(path.name, output, clean)
                if method == grid_method and picks.get(set_name) == index:
                    grid_tiles[set_name] = [damaged, output, clean]
        print(f"  [{index + 1}/{len(files)}] {path.name}  {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return results, grid_tiles


def write_grid(path: str, files: list[Path], grid_tiles: dict[str, list[np.ndarray]], model_label: str) -> None:
    picks = grid_picks(len(files))
    rows = [(f"{caption} ({files[picks[set_name]].name})", grid_tiles[set_name]) for caption, set_name in GRID_ROWS if set_name in grid_tiles]
    if path and rows:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        grid = image_grid(rows, ["degraded", f"restored ({model_label})", "clean"])
        cv2.imwrite(path, grid[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"sample grid (degraded | restored | clean): {path}")


def main(argv=None) -> int:
    arguments = parse_args(argv)
    files, set_names = arguments.files, arguments.set_names
    sources = arguments.model or [None]
    restorers = {(source or DEFAULT_MODEL_LABEL): load_restorer(source) for source in sources}
    model_labels = list(restorers)
    for label, restorer in restorers.items():
        print(f"model {label}: {restorer.description}")
    print(f"{len(files)} photos from {arguments.val}, as {PAL_SIZE[0]}×{PAL_SIZE[1]} frames; sets: {', '.join(set_names)}")

    methods = {INPUT: lambda damaged: damaged}
    if not arguments.no_nlmeans:
        methods[NL_MEANS] = nl_means
    methods.update({label: restorer.restore for label, restorer in restorers.items()})
    results, grid_tiles = measure(files, set_names, methods, model_labels[0])

    summary = print_report(results, model_labels, not arguments.no_nlmeans)
    print("\nms per frame: " + ", ".join(
        f"{method} {1000 * sum(results[name][method].seconds for name in set_names) / (len(files) * len(set_names)):.0f}"
        for method in methods if method != INPUT))
    write_grid(arguments.grid, files, grid_tiles, model_labels[0])
    if arguments.json:
        figures = {
            "val": str(arguments.val),
            "photos": [path.name for path in files],
            "frame_size": list(PAL_SIZE),
            "models": {label: restorer.description for label, restorer in restorers.items()},
            "sets": {name: {method: scores.to_json() for method, scores in by_method.items()} for name, by_method in results.items()},
            **summary,
        }
        Path(arguments.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
