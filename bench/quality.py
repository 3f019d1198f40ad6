"""Quality benchmark: how much the shipped model restores, against simple baselines.

Every validation photo is degraded with fixed seeds (so runs compare) at each preset
and with `random_settings`; the table gives mean PSNR / SSIM against the clean photo of
(a) the degraded input, (b) OpenCV's non-local-means denoiser, (c) the model with its
time-base correction (line alignment) stage and (d) without it. A sample grid
(degraded | restored | clean) is written for the README.

    python bench/quality.py --val ../shared/data/val [--model checkpoints] [--limit 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore import (
    PRESETS,
    DegradeSettings,
    degrade,
    load_restorer,
    psnr,
    random_settings,
    ssim,
)
from restore.figures import image_grid
from restore.images import read_image
from train.pairs import list_images

CASES = {
    "default": lambda rng: PRESETS["default"],
    "light": lambda rng: PRESETS["light"],
    "heavy": lambda rng: PRESETS["heavy"],
    "random_settings": random_settings,
    # Jitter on a capture with blanking borders: where line alignment has its reference.
    "jitter+borders": lambda rng: DegradeSettings(side_borders=0.7, jitter=0.9, softness=0.5, chroma_smear=0.5, grain=0.3, chroma_delay=0.5),
}


def nl_means(rgb: np.ndarray) -> np.ndarray:
    """OpenCV's non-local-means colour denoiser with its documented default strengths."""
    return cv2.fastNlMeansDenoisingColored(rgb, None, 10, 10, 7, 21)


def parse_args(argv) -> argparse.Namespace:
    """The options, with ``files`` (the validation photos to use) added."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "val"), help="folder of clean validation photos")
    parser.add_argument("--model", default=None, help="model source (default: the bundled checkpoint)")
    parser.add_argument("--limit", type=int, default=100, help="number of validation photos (default 100)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--no-nlmeans", action="store_true", help="skip the (slow) NL-means baseline")
    parser.add_argument("--grid", default="docs/quality_grid.png", help="where to write the sample grid ('' to skip)")
    parser.add_argument("--json", default="", help="also write the figures as JSON here")
    arguments = parser.parse_args(argv)
    try:
        arguments.files = list_images(Path(arguments.val))[: arguments.limit]
    except ValueError as error:
        parser.error(str(error))
    return arguments


def measure_case(case: str, cleans: list[np.ndarray], runs: dict, samples: list) -> dict[str, dict[str, float]]:
    """Mean PSNR, SSIM and ms per image of every method in ``runs`` (name: degraded frame →
    output) on ``case``; the first landscape 'default' restorations go to ``samples`` (at
    most 4) for the grid."""
    make_settings = CASES[case]
    scores = {method: ([], []) for method in runs}
    seconds = {method: 0.0 for method in runs}
    for index, clean in enumerate(cleans):
        rng = np.random.default_rng(10_000 + index)
        degraded = degrade(clean, make_settings(rng), seed=index)
        for method, run in runs.items():
            started = time.perf_counter()
            output = run(degraded)
            seconds[method] += time.perf_counter() - started
            scores[method][0].append(psnr(output, clean))
            scores[method][1].append(ssim(output, clean))
            # Landscape samples only, so the grid's rows line up.
            if case == "default" and method == "model" and len(samples) < 4 and clean.shape[1] > clean.shape[0]:
                samples.append((degraded, output, clean))
    return {
        method: {"psnr": float(np.mean(p)), "ssim": float(np.mean(s)), "ms_per_image": 1000 * seconds[method] / len(cleans)}
        for method, (p, s) in scores.items()
    }


def print_report(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print("\n| case | method | PSNR (dB) | SSIM | ms/image |\n|---|---|---|---|---|")
    for case, by_method in results.items():
        for method, figures in by_method.items():
            print(f"| {case} | {method} | {figures['psnr']:.2f} | {figures['ssim']:.4f} | {figures['ms_per_image']:.0f} |")
    print("\nGains of the model over the degraded input and over NL-means (PSNR dB / SSIM):")
    for case, by_method in results.items():
        model, degraded = by_method["model"], by_method["degraded"]
        line = f"  {case:16s} vs input {model['psnr'] - degraded['psnr']:+.2f} / {model['ssim'] - degraded['ssim']:+.4f}"
        if "nl-means" in by_method:
            line += f"   vs NL-means {model['psnr'] - by_method['nl-means']['psnr']:+.2f} / {model['ssim'] - by_method['nl-means']['ssim']:+.4f}"
        line += f"   line alignment adds {model['psnr'] - by_method['model, no line alignment']['psnr']:+.2f} dB"
        print(line)
    if "default" in results:
        default = results["default"]
        print(
            f"\nTargets on 'default': PSNR gain ≥ 4 dB: {default['model']['psnr'] - default['degraded']['psnr']:+.2f} dB; "
            f"SSIM ≥ 0.85: {default['model']['ssim']:.4f}"
        )


def write_outputs(arguments: argparse.Namespace, results: dict, samples: list) -> None:
    """The sample grid and the JSON, where the options ask for them."""
    if arguments.grid and samples:
        Path(arguments.grid).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(arguments.grid, image_grid(samples, height=180, gap=2, fill=255)[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"sample grid (degraded | restored | clean, 'default' preset): {arguments.grid}")
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(results, indent=2) + "\n")


def main(argv=None) -> int:
    arguments = parse_args(argv)
    with_alignment = load_restorer(arguments.model, line_alignment=True)
    without_alignment = load_restorer(arguments.model, line_alignment=False)
    print(f"model: {with_alignment.description}; {len(arguments.files)} photos from {arguments.val}")
    cleans = [read_image(path).rgb for path in arguments.files]
    runs = {
        "degraded": lambda degraded: degraded,
        **({} if arguments.no_nlmeans else {"nl-means": nl_means}),
        "model": with_alignment.restore,
        "model, no line alignment": without_alignment.restore,
    }
    samples = []
    results = {case: measure_case(case, cleans, runs, samples) for case in arguments.cases.split(",")}
    print_report(results)
    write_outputs(arguments, results, samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
