"""The model folder that training writes and `restore.load_restorer` reads.

A folder holds ``generator.weights.h5`` (Keras weights only: no pickles, no code),
``config.json`` (architecture, preprocessing, training settings, validation figures)
and ``MODEL_CARD.md``. Files are written to temporary names and renamed, so a crash
mid-export never leaves a half-written model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras

from restore.engine.weights import CARD_NAME, CONFIG_NAME, FORMAT, FORMAT_VERSION, WEIGHTS_NAME
from restore.files import write_atomically


def export_model(folder: Path, generator: keras.Model, config: dict[str, Any], card: str) -> Path:
    """Write generator weights, ``config`` (must hold ``"generator"``) and the model card."""
    if "generator" not in config:
        raise ValueError("config must describe the generator architecture under 'generator'")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, **config}
    # The temporary name ends in .weights.h5, as Keras insists.
    write_atomically(folder / WEIGHTS_NAME, generator.save_weights)
    write_atomically(folder / CONFIG_NAME, lambda path: path.write_text(json.dumps(config, indent=2) + "\n"))
    write_atomically(folder / CARD_NAME, lambda path: path.write_text(card))
    return folder


# The card's fixed opening: the Hub's front matter and what the model restores.
_CARD_HEADER = (
    "---",
    "library_name: keras",
    "tags: [image-restoration, vhs, pal, pix2pix]",
    "license: mit",
    "---",
    "# VHS/PAL frame restoration generator",
    "",
    "A U-Net generator (pix2pix family) that restores digitised VHS/PAL frames: grain, line",
    "jitter, tearing, chroma delay and smear, softness, colour and tint bands, dropouts, washed",
    "colours, and the digital faults of digitised archives (lost colour channels, posterisation,",
    "speckle, misregistered channels, shifted and corrupted lines). Trained on clean photos",
    "degraded on the fly by the project's VHS/PAL simulator (`train.pairs.FAMILIES`, in the mix",
    "given under Training).",
    "",
)


def model_card(config: dict[str, Any]) -> str:
    """A Markdown model card from the exported config (architecture, data, command, figures)."""
    training = config.get("training", {})
    validation = config.get("validation", {})
    lines = [
        *_CARD_HEADER,
        "## Architecture",
        "```json",
        json.dumps(config["generator"], indent=2),
        "```",
        f"Parameters: {config.get('parameters', 'unknown')}. Preprocessing: {json.dumps(config.get('preprocess', {}))}.",
        "",
        "## Training",
        f"- Command: `{training.get('command', 'unknown')}`",
        f"- Steps: {training.get('steps', 'unknown')}, batch {training.get('batch', '?')}, crop {training.get('crop', '?')} px",
        f"- Wall time: {training.get('seconds', 0) / 60:.1f} min on {training.get('device', 'unknown')}",
        f"- Data: {training.get('data', 'unknown')} ({training.get('images', '?')} images)",
        f"- Damage mix (share of pairs per family): {_shares(training.get('pair_families'))}",
        f"- Losses: {_losses(training)}",
        "",
        "## Validation",
    ]
    if validation:
        lines += [
            f"On {validation.get('images', '?')} validation images, each degraded with `random_settings` (fixed seeds):",
            "",
            "| | PSNR (dB) | SSIM |",
            "|---|---|---|",
            f"| degraded input | {validation.get('input_psnr', float('nan')):.2f} | {validation.get('input_ssim', float('nan')):.4f} |",
            f"| restored | {validation.get('psnr', float('nan')):.2f} | {validation.get('ssim', float('nan')):.4f} |",
        ]
    else:
        lines.append("No validation run.")
    extra = config.get("card_extra")
    if extra:
        lines += ["", extra]
    lines += [
        "",
        "## Use",
        "```python",
        "from restore import load_restorer",
        "restorer = load_restorer('path/to/this/folder')  # or 'hf://owner/name@revision'",
        "restored = restorer.restore(rgb)  # uint8 RGB H×W×3",
        "```",
        "",
    ]
    return "\n".join(lines)


def _losses(training: dict[str, Any]) -> str:
    gan = training.get("gan_weight") if training.get("gan") else "off"
    teacher = f", L1 to the teacher `{training['teacher']}` ×{training.get('teacher_weight')} (distillation)" if training.get("teacher") else ""
    return f"L1 ×{training.get('l1_weight')}, SSIM ×{training.get('ssim_weight')}, GAN ×{gan}{teacher}"


def _shares(families: dict[str, float] | None) -> str:
    if not families:
        return "unknown"
    total = sum(families.values())
    return ", ".join(f"{name} {weight / total:.0%}" for name, weight in families.items())


def export_derived(folder: Path, model: keras.Model, generator: dict[str, Any], source_config: dict[str, Any],
                   provenance: dict[str, Any]) -> Path:
    """Write a model derived from a trained one (`train.slim`, `train.factorise`): its
    architecture ``generator``, the source's preprocessing and ``provenance`` (one key, such as
    ``slimmed_from``, naming the source) in the config, and a card made from that config."""
    config: dict[str, Any] = {"generator": generator, "parameters": model.count_params(),
                              "preprocess": source_config.get("preprocess", {}), **provenance}
    return export_model(folder, model, config, model_card(config))


def push_to_hub(folder: Path, repo_id: str, private: bool = False) -> str:
    """Upload the model folder to a Hugging Face Hub model repo; returns its URL.

    Raises `RuntimeError` with a clear message when the Hub cannot be reached."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    try:  # huggingface_hub's HTTP client: its connection errors are not OSErrors
        from httpx2 import HTTPError as ClientError
    except ImportError:
        ClientError = OSError
    api = HfApi()
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        commit = api.upload_folder(
            folder_path=str(folder), repo_id=repo_id, repo_type="model",
            allow_patterns=[WEIGHTS_NAME, CONFIG_NAME, CARD_NAME, "*.png"],
            commit_message="Upload VHS restoration generator",
        )
    except (HfHubHTTPError, OSError, ClientError) as error:
        raise RuntimeError(
            f"could not push {folder} to the Hugging Face Hub as {repo_id}: {error}. "
            "The model is saved locally; upload it later with "
            f"`hf upload {repo_id} {folder}` once the Hub is reachable and you are logged in."
        ) from error
    return str(getattr(commit, "commit_url", f"https://huggingface.co/{repo_id}"))
