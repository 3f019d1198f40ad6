"""Tests of the training script, train/ (``python -m train``).

CPU only and fast: a tiny generator (4 base filters, depth 3) trains for a handful of
steps on 32-px crops of small photos made from scikit-image's bundled samples, in a
folder that also holds a truncated JPEG and an empty PNG. Checked: settings validation,
finite losses (generator alone and with the PatchGAN), a short overfit on one pair
lowering the L1 error, the exported folder (loaded with `restore.load_restorer`,
restoring an image whose size is not a multiple of 2**depth), exact resume from a
checkpoint, `--push-to-hub` failing clearly without network after everything is saved,
the real command line in a subprocess, and a `MirroredStrategy` run over two logical
CPUs (in a subprocess, because logical devices must be set before TensorFlow starts)
that must match a single-device step.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from skimage import data as samples

from restore import PRESETS, DegradeSettings, degrade, psnr
from restore.engine.model import (
    GENERATOR_CONFIGS,
    DiscriminatorConfig,
    build_discriminator,
    build_generator,
)
from train.export import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME, push_to_hub
from train.pairs import FAMILIES, PairSettings, list_images, make_pair
from train.pix2pix import Pix2Pix
from train.run import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]
SUBPROCESS_TIMEOUT = 240  # seconds; each run takes ~10-30 s on two busy cores

# Small photos (96×128, like a thumbnail of a frame), saved in both formats training reads.
TRAIN_PHOTOS = {"astronaut.png": "astronaut", "coffee.jpg": "coffee", "chelsea.png": "chelsea", "rocket.jpg": "rocket"}
BAD_FILES = ("corrupt.jpg", "empty.png")
# Not a multiple of 2**depth in either direction, so padding and cropping back are exercised.
ODD_SIZE = (45, 70)

ITERATIONS_KEY = "generator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"


def _photo(name: str, size: tuple[int, int] = (96, 128)) -> np.ndarray:
    height, width = size
    return cv2.resize(getattr(samples, name)(), (width, height), interpolation=cv2.INTER_AREA)


def _write(path: Path, rgb: np.ndarray) -> None:
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> tuple[Path, Path]:
    """(train folder, validation folder). The training folder holds four good photos,
    a truncated JPEG and a zero-byte PNG; validation has a regular and an odd-size photo."""
    root = tmp_path_factory.mktemp("photos")
    train_dir, val_dir = root / "train", root / "val"
    train_dir.mkdir()
    val_dir.mkdir()
    for filename, name in TRAIN_PHOTOS.items():
        _write(train_dir / filename, _photo(name))
    encoded = cv2.imencode(".jpg", _photo("coffee"))[1].tobytes()
    (train_dir / "corrupt.jpg").write_bytes(encoded[: len(encoded) // 3])
    (train_dir / "empty.png").write_bytes(b"")
    _write(val_dir / "camera.png", cv2.cvtColor(_photo("camera"), cv2.COLOR_GRAY2RGB))
    _write(val_dir / "odd.png", _photo("astronaut", ODD_SIZE))
    return train_dir, val_dir


def _tiny(photos, out: Path, **overrides) -> TrainConfig:
    train_dir, val_dir = photos
    settings = dict(
        data=str(train_dir), val=val_dir and str(val_dir), out=str(out), steps=4, batch=2, crop=32,
        generator="tiny", checkpoint_every=2, validation_images=2, bank_size=4, workers=1,
        warmup_steps=1, mixed_precision="off", xla="off",
    )
    settings.update(overrides)
    return TrainConfig(**settings)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def messages(self, level: int = logging.DEBUG) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno >= level]

    def validation_steps(self) -> list[int]:
        return [int(m.group(1)) for m in map(re.compile(r"step (\d+): validation").match, self.messages()) if m]


@contextmanager
def _train_log():
    """Collect the ``train`` logger's records (at INFO) for the duration."""
    logger = logging.getLogger("train")
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _iterations(checkpoint: Path) -> int:
    return int(tf.train.load_checkpoint(str(checkpoint)).get_tensor(ITERATIONS_KEY))


@pytest.fixture(scope="module")
def trained(photos, tmp_path_factory) -> tuple[Path, _Records]:
    """One in-process run: 4 steps, checkpoint and validation every 2. It asks to
    resume, but its folder is new, so it starts from scratch (with a warning)."""
    out = tmp_path_factory.mktemp("run") / "model"
    with _train_log() as log:
        assert train(_tiny(photos, out, resume=True)) == out
    return out, log


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TF_CONFIG"):
        env.pop(name, None)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        CUDA_VISIBLE_DEVICES="-1",  # these tests are about the CPU paths
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HOME=str(tmp_path / "hf-home"),  # never the user's Hub cache or token
        **extra,
    )
    return env


def _cli_arguments(photos, out: Path, *extra: str) -> list[str]:
    """``python -m train`` arguments for a 2-step tiny run."""
    train_dir, val_dir = photos
    return [
        "--data", str(train_dir), "--val", str(val_dir), "--out", str(out), "--steps", "2", "--batch", "2",
        "--crop", "32", "--config", "tiny", "--checkpoint-every", "2", "--val-images", "1", "--bank", "4",
        "--workers", "1", "--warmup", "1", *extra,
    ]


def _assert_model_folder(out: Path, steps: int) -> dict:
    for name in (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in (out / "samples").glob("*.png")), "no sample grids"
    assert (out / "checkpoints" / f"ckpt-{steps}.index").is_file()
    assert _iterations(out / "checkpoints" / f"ckpt-{steps}") == steps
    config = json.loads((out / CONFIG_NAME).read_text())
    assert config["training"]["steps"] == steps
    assert config["generator"] == GENERATOR_CONFIGS["tiny"].to_dict()
    return config


# --------------------------------------------------------------------------- #
# Settings and command line
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "overrides",
    [
        {"crop": 36},
        {"crop": 0},
        {"steps": 0},
        {"batch": 0},
        {"checkpoint_every": 0},
        {"bank_size": 0},
        {"mixed_precision": "sometimes"},
    ],
)
def test_train_config_rejects_bad_values(overrides, tmp_path):
    with pytest.raises(ValueError):
        TrainConfig(data=str(tmp_path), out=str(tmp_path / "out"), **overrides)


@pytest.mark.parametrize("generator", ["huge", "[8, 3]", '{"depth": 12}', '{"base_filters": 8, "colour": true}'])
def test_unknown_generator_config_is_a_value_error(generator, tmp_path):
    config = TrainConfig(data=str(tmp_path), out=str(tmp_path / "out"), generator=generator)
    with pytest.raises(ValueError):
        config.generator_config()


def test_generator_config_accepts_names_and_json(tmp_path):
    assert TrainConfig(data=".", out=".", generator="tiny").generator_config() == GENERATOR_CONFIGS["tiny"]
    custom = TrainConfig(data=".", out=".", generator='{"base_filters": 8, "depth": 4}').generator_config()
    assert (custom.base_filters, custom.depth) == (8, 4)


def test_cli_help_shows_every_option_with_its_help_and_real_default(capsys, monkeypatch):
    import dataclasses

    from train.__main__ import main

    monkeypatch.setenv("COLUMNS", "2000")  # one line per option: no wrapping
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    # One entry per option: its line, and the help argparse puts under a long metavar.
    entries = re.split(r"\n(?=  -)", capsys.readouterr().out.split("options:", 1)[1])
    for item in dataclasses.fields(TrainConfig):
        flag = item.metadata["flag"] or "--" + item.name.replace("_", "-")
        (line,) = [" ".join(entry.split()) for entry in entries if entry.split()[:1] == [flag] or entry.split()[:1] == [flag + ","]]
        assert item.metadata["help"] in line, flag
        if item.default not in (dataclasses.MISSING, None, False, True) and item.name not in ("data", "out"):
            assert f"(default {item.default})" in line, flag


def test_cli_bad_value_exits_2_with_message(photos, tmp_path, capsys):
    from train.__main__ import main

    train_dir, _ = photos
    assert main(["--data", str(train_dir), "--out", str(tmp_path / "out"), "--crop", "36"]) == 2
    assert "crop must be a multiple of 8" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- #
# The Pix2Pix model
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("gan", [False, True], ids=["generator-only", "gan"])
def test_fit_losses_are_finite_and_weights_move(gan):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    clean = rng.random((4, 32, 32, 3), dtype=np.float32)
    degraded = np.clip(clean * 0.7 + 0.2 + rng.normal(0, 0.05, clean.shape), 0, 1).astype(np.float32)
    generator = build_generator(GENERATOR_CONFIGS["tiny"])
    discriminator = build_discriminator(DiscriminatorConfig(base_filters=8)) if gan else None
    model = Pix2Pix(generator, discriminator)
    # Eager: two steps do not repay tracing; train() runs exercise the compiled step.
    model.compile(
        keras.optimizers.Adam(1e-3), keras.optimizers.Adam(2e-4, beta_1=0.5) if gan else None,
        l1_weight=100.0, ssim_weight=20.0, run_eagerly=True,
    )
    before = [w.copy() for w in generator.get_weights()]
    history = model.fit(degraded, clean, batch_size=2, epochs=1, shuffle=False, verbose=0).history

    expected = {"loss", "l1", "ssim", "psnr"} | ({"generator_gan", "discriminator"} if gan else set())
    assert expected <= set(history)
    for name in expected:
        assert math.isfinite(history[name][-1]), (name, history[name])
    assert model.generator_optimizer.iterations.numpy() == 2
    assert any(not np.array_equal(a, b) for a, b in zip(before, generator.get_weights()))
    if gan:
        assert model.discriminator_optimizer.iterations.numpy() == 2
    else:
        figures = model.evaluate(degraded, clean, batch_size=2, verbose=0, return_dict=True)
        assert {"l1", "ssim", "psnr", "input_ssim", "input_psnr"} <= set(figures)
        assert all(math.isfinite(v) for v in figures.values())


def test_short_overfit_on_one_pair_lowers_l1():
    clean = cv2.resize(samples.coffee(), (85, 64), interpolation=cv2.INTER_AREA)[:, 10:74]  # 64×64
    degraded = degrade(clean, PRESETS["default"], seed=0)
    x = degraded[None].astype(np.float32) / 255.0
    y = clean[None].astype(np.float32) / 255.0

    keras.utils.set_random_seed(0)
    generator = build_generator(GENERATOR_CONFIGS["tiny"])
    model = Pix2Pix(generator)
    model.compile(keras.optimizers.Adam(3e-3), l1_weight=1.0, ssim_weight=0.0)

    def l1() -> float:
        return float(np.mean(np.abs(np.asarray(generator(x, training=False)) - y)))

    initial = l1()
    # The residual generator starts as the identity: its first error is the damage itself.
    assert initial == pytest.approx(float(np.mean(np.abs(x - y))), rel=1e-4)
    steps = 60
    model.fit(np.repeat(x, steps, axis=0), np.repeat(y, steps, axis=0), batch_size=1, epochs=1, shuffle=False, verbose=0)
    final = l1()
    assert final < 0.8 * initial, (initial, final)


# --------------------------------------------------------------------------- #
# Training runs (in process)
# --------------------------------------------------------------------------- #
def test_unreadable_files_yield_no_pair(photos):
    train_dir, _ = photos
    assert {p.name for p in list_images(train_dir)} == set(TRAIN_PHOTOS) | set(BAD_FILES)
    for name in BAD_FILES:
        assert make_pair(train_dir / name, seed=0) is None
    degraded, clean = make_pair(train_dir / "coffee.jpg", seed=0)
    assert degraded.shape == clean.shape and degraded.dtype == clean.dtype == np.uint8


def test_clean_family_pairs_are_identical_and_light_family_pairs_are_lightly_damaged(photos):
    train_dir, _ = photos
    only = lambda family: PairSettings(families=((family, 1.0),), line_alignment_fraction=0.0)  # noqa: E731
    for seed in range(3):
        degraded, clean = make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("clean"))
        assert np.array_equal(degraded, clean)
    light = [psnr(*make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("light"))) for seed in range(6)]
    wide = [psnr(*make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("wide"))) for seed in range(6)]
    assert np.mean(light) > np.mean(wide) + 3.0, (light, wide)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_draws_valid_varied_settings(family):
    drawn = [FAMILIES[family](np.random.default_rng(seed)) for seed in range(12)]
    assert all(isinstance(settings, DegradeSettings) for settings in drawn)
    assert all(settings.is_identity() for settings in drawn) == (family == "clean")
    if family != "clean":
        assert len({json.dumps(settings.to_dict()) for settings in drawn}) == len(drawn)


def test_archive_family_always_has_a_colour_band():
    assert all(FAMILIES["archive"](np.random.default_rng(seed)).color_band >= 0.4 for seed in range(20))


@pytest.mark.parametrize(
    "families, message",
    [((("grain", 1.0),), "unknown damage families"), ((("clean", -1.0), ("wide", 1.0)), "weights"), ((("clean", 0.0),), "weights")],
)
def test_bad_pair_families_raise(families, message):
    with pytest.raises(ValueError, match=message):
        PairSettings(families=families)


def test_train_writes_model_folder_despite_bad_files(trained):
    out, log = trained
    config = _assert_model_folder(out, steps=4)
    assert (out / "checkpoints" / "ckpt-2.index").is_file()
    assert sorted(p.name for p in (out / "samples").glob("*.png")) == ["step0000002.png", "step0000004.png"]
    assert log.validation_steps() == [2, 4]
    made = [m for m in log.messages() if "unreadable files skipped" in m]
    assert made, log.messages()
    assert config["training"]["images"] == len(TRAIN_PHOTOS) + len(BAD_FILES)
    validation = config["validation"]
    assert validation["images"] == 2 and validation["step"] == 4
    for name in ("psnr", "ssim", "input_psnr", "input_ssim"):
        assert math.isfinite(validation[name]), name
    card = (out / CARD_NAME).read_text()
    assert "Steps: 4" in card and "| restored |" in card


def test_exported_folder_restores_odd_size_image(trained):
    from restore import load_restorer

    out, _ = trained
    restorer = load_restorer(str(out), fallback=False)
    image = _photo("chelsea", ODD_SIZE)
    assert ODD_SIZE[0] % 8 and ODD_SIZE[1] % 8
    restored = restorer.restore(image)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    # Four steps from the identity: still close to the input, so nothing is scrambled.
    assert np.mean(np.abs(restored.astype(np.float32) - image)) < 40


def test_resume_continues_at_checkpoint_step(photos, trained, tmp_path):
    source, _ = trained
    out = tmp_path / "resumed"
    shutil.copytree(source, out)
    with _train_log() as log:
        train(_tiny(photos, out, steps=6, resume=True))
    assert any(re.search(r"resumed from .*ckpt-4 at step 4\b", m) for m in log.messages()), log.messages()
    assert log.validation_steps() == [6]  # only the missing epoch ran
    _assert_model_folder(out, steps=6)
    assert _iterations(out / "checkpoints" / "ckpt-4") == 4
    assert (out / "samples" / "step0000006.png").is_file()


def test_resume_without_checkpoint_starts_from_scratch_with_warning(trained):
    out, log = trained
    warnings = log.messages(logging.WARNING)
    assert any("no checkpoint" in m for m in warnings), warnings
    assert not any(m.startswith("resumed") for m in log.messages())
    assert log.validation_steps() == [2, 4]
    assert _iterations(out / "checkpoints" / "ckpt-2") == 2


def test_training_on_only_unreadable_files_fails_clearly(photos, tmp_path):
    train_dir, _ = photos
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    for name in BAD_FILES:
        shutil.copy(train_dir / name, bad_dir / name)
    with pytest.raises(RuntimeError, match="could be read"):
        train(_tiny((bad_dir, None), tmp_path / "out"))


def test_push_to_hub_unreachable_raises_clear_error(trained, tmp_path, monkeypatch):
    from huggingface_hub import constants

    out, _ = trained
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    with pytest.raises(RuntimeError) as error:
        push_to_hub(out, "someone/vhs-restore-test")
    message = str(error.value)
    assert "Hugging Face Hub" in message and "someone/vhs-restore-test" in message and "saved locally" in message


def test_cli_push_to_hub_offline_saves_then_fails_clearly(photos, tmp_path, capsys, monkeypatch):
    # The command line's own code path, in process (the subprocess test covers startup).
    from huggingface_hub import constants

    from train.__main__ import main

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as HF_HUB_OFFLINE=1 would
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    out = tmp_path / "push"
    arguments = _cli_arguments(photos, out, "--mixed-precision", "off", "--xla", "off", "--push-to-hub", "someone/vhs-restore-test")
    assert main(arguments) == 1
    captured = capsys.readouterr()
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, captured.err[-4000:]
    assert "Hugging Face Hub" in error_lines[0] and "someone/vhs-restore-test" in error_lines[0]
    assert "saved locally" in error_lines[0] and "offline" in error_lines[0]
    assert "model written" not in captured.out
    _assert_model_folder(out, steps=2)  # everything was saved before the push


# --------------------------------------------------------------------------- #
# Subprocesses: the real command line, and two logical CPUs
# --------------------------------------------------------------------------- #
def test_cli_trains_with_gan_and_writes_loadable_folder(photos, tmp_path):
    from restore import load_restorer

    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "train", *_cli_arguments(photos, out, "--gan")],
        cwd=ROOT, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"model written to {out}" in result.stdout
    config = _assert_model_folder(out, steps=2)
    assert config["training"]["gan"] is True
    assert config["training"]["command"].startswith("python -m train --data")
    reader = tf.train.load_checkpoint(str(out / "checkpoints" / "ckpt-2"))
    assert int(reader.get_tensor("discriminator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE")) == 2
    losses = [float(v) for v in re.findall(r"\bloss: (\S+)", result.stdout)]
    assert losses and all(math.isfinite(v) for v in losses), result.stdout[-2000:]
    image = _photo("coffee", ODD_SIZE)
    assert load_restorer(str(out), fallback=False).restore(image).shape == image.shape


MIRRORED_SCRIPT = r"""
import json, logging, sys

import numpy as np
import tensorflow as tf

# Two logical CPUs: must happen before anything initialises TensorFlow's devices.
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

import keras
from restore.engine.model import DiscriminatorConfig, GeneratorConfig, build_discriminator, build_generator
from train.pix2pix import Pix2Pix
from train.run import TrainConfig, choose_strategy, train


def one_step(strategy, degraded, clean):
    # Same random weights, same batch, plain SGD: the update must not depend on replicas.
    with strategy.scope():
        generator = build_generator(GeneratorConfig(base_filters=4, depth=3, max_filters=16, bottleneck_blocks=1, normalization="none"))
        discriminator = build_discriminator(DiscriminatorConfig(base_filters=4, strided_layers=2, normalization="none"))
        rng = np.random.default_rng(1)
        for network in (generator, discriminator):
            network.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in network.get_weights()])
        initial = generator.get_weights() + discriminator.get_weights()
        model = Pix2Pix(generator, discriminator)
        model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), l1_weight=1.0, ssim_weight=1.0, gan_weight=1.0)
    history = model.fit(degraded, clean, batch_size=len(degraded), epochs=1, shuffle=False, verbose=0).history
    final = generator.get_weights() + discriminator.get_weights()
    return {name: float(values[-1]) for name, values in history.items()}, initial, final


def main(data, val, out):
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    strategy = choose_strategy()
    # One strategy per process (a second MirroredStrategy over the same devices would
    # reuse the first one's collective keys): train() below gets this same one.
    assert choose_strategy() is strategy
    rng = np.random.default_rng(0)
    degraded = rng.random((4, 32, 32, 3), dtype=np.float32)
    clean = np.clip(degraded * 0.8 + 0.1, 0, 1).astype(np.float32)
    single, initial, single_final = one_step(tf.distribute.get_strategy(), degraded, clean)
    mirrored, _, mirrored_final = one_step(strategy, degraded, clean)
    train(TrainConfig(
        data=data, val=val, out=out, steps=2, batch=4, crop=32, generator="tiny", checkpoint_every=2,
        validation_images=1, bank_size=4, workers=1, warmup_steps=1,
    ))
    print(json.dumps({
        "strategy": type(strategy).__name__,
        "replicas": strategy.num_replicas_in_sync,
        "single": single,
        "mirrored": mirrored,
        "update": max(float(np.max(np.abs(a - b))) for a, b in zip(initial, single_final)),
        "difference": max(float(np.max(np.abs(a - b))) for a, b in zip(single_final, mirrored_final)),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
"""


def test_mirrored_strategy_on_two_logical_cpus(photos, tmp_path):
    train_dir, val_dir = photos
    out = tmp_path / "mirrored"
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, str(train_dir), str(val_dir), str(out)],
        cwd=ROOT, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])
    assert report["strategy"] == "MirroredStrategy" and report["replicas"] == 2
    assert "MirroredStrategy, 2 replica(s)" in result.stderr

    # One step split over two replicas equals the same step on one device: losses,
    # metrics and the generator and discriminator updates.
    assert set(report["mirrored"]) == set(report["single"])
    for name, value in report["single"].items():
        assert math.isfinite(report["mirrored"][name])
        assert report["mirrored"][name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
    assert report["update"] > 1e-3
    assert report["difference"] < 1e-3 * report["update"], report

    # The full training run under the strategy: finite losses, a loadable folder.
    losses = [float(v) for v in re.findall(r"\bloss: (\S+)", result.stdout)]
    assert losses and all(math.isfinite(v) for v in losses), result.stdout[-2000:]
    _assert_model_folder(out, steps=2)


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_top_crops_come_from_the_top_of_the_picture(fraction):
    from train.pairs import PairBank

    # Rows numbered by value, so a crop tells where it was taken.
    rows = np.repeat(np.arange(200, dtype=np.uint8)[:, None, None], 64, axis=1).repeat(3, axis=2)
    bank = PairBank([Path("unused.png")], size=1, top_crop_fraction=fraction)
    bank.pairs = [(rows, rows)]
    degraded, clean = bank.sample(32, 32, np.random.default_rng(0))
    tops = np.round(degraded[:, 0, 0, 0] * 255).astype(int)
    assert np.array_equal(degraded, clean)
    if fraction == 1.0:
        assert np.all(tops == 0)
    else:
        assert np.mean(tops == 0) < 0.2


def test_top_crop_fraction_must_be_a_fraction():
    from train.pairs import PairBank

    with pytest.raises(ValueError, match="top_crop_fraction"):
        PairBank([Path("unused.png")], top_crop_fraction=1.5)


# --------------------------------------------------------------------------- #
# Configuration: one dataclass, the command line derived from it
# --------------------------------------------------------------------------- #
def test_every_config_field_is_a_command_line_option_with_its_default():
    import dataclasses

    from train.__main__ import parse_arguments
    from train.config import from_arguments

    config = from_arguments(parse_arguments(["--data", "d", "--out", "o"]))
    assert config == TrainConfig(data="d", out="o")
    flags = {
        "--steps": ("steps", "7", 7), "--config": ("generator", "tiny", "tiny"), "--lr": ("learning_rate", "0.5", 0.5),
        "--final-lr": ("final_learning_rate", "0.25", 0.25), "--warmup": ("warmup_steps", "3", 3), "--d-lr": ("discriminator_learning_rate", "0.1", 0.1),
        "--val-images": ("validation_images", "2", 2), "--bank": ("bank_size", "5", 5), "--xla": ("xla", "off", "off"),
        "--init-from": ("init_from", "runs/x", "runs/x"), "--push-to-hub": ("push_to_hub", "o/n", "o/n"),
    }
    for flag, (field, text, value) in flags.items():
        assert getattr(from_arguments(parse_arguments(["--data", "d", "--out", "o", flag, text])), field) == value, flag
    for flag, field in (("--gan", "gan"), ("--resume", "resume")):
        assert getattr(from_arguments(parse_arguments(["--data", "d", "--out", "o", flag])), field) is True
    assert from_arguments(parse_arguments(["--data", "d", "--out", "o", "--no-gan"])).gan is False
    assert {field.name for field in dataclasses.fields(TrainConfig)} == set(vars(parse_arguments(["--data", "d", "--out", "o"])))


@pytest.mark.parametrize("argv, message", [(["--out", "o"], "--data"), (["--data", "d", "--out", "o", "--xla", "maybe"], "--xla"),
                                           (["--data", "d", "--out", "o", "--steps", "many"], "--steps")])
def test_bad_command_lines_name_the_option(argv, message, capsys):
    from train.__main__ import parse_arguments

    with pytest.raises(SystemExit):
        parse_arguments(argv)
    assert message in capsys.readouterr().err


def test_learning_rate_warms_up_then_decays_to_the_final_rate():
    from train.run import learning_rate_schedule

    config = TrainConfig(data="d", out="o", learning_rate=1e-3, final_learning_rate=5e-5, warmup_steps=100)
    schedule = learning_rate_schedule(config, total_steps=1000)
    rate = lambda step: float(schedule(step))  # noqa: E731
    assert rate(0) < 1e-4 and rate(50) == pytest.approx(5e-4, rel=0.05)
    assert rate(100) == pytest.approx(1e-3, rel=1e-3)
    assert 5e-5 < rate(550) < 1e-3 and rate(550) == pytest.approx((1e-3 + 5e-5) / 2, rel=0.01)
    assert rate(1000) == pytest.approx(5e-5, rel=1e-3) and rate(5000) == pytest.approx(5e-5, rel=1e-3)


def test_identity_pairs_weigh_more_in_the_l1_loss():
    from train.pix2pix import weighted_l1

    clean = np.full((2, 8, 8, 3), 0.5, np.float32)
    degraded = clean.copy()
    degraded[1] += 0.2  # pair 0 is an identity pair, pair 1 is damaged
    restored = clean.copy()
    restored[0] += 0.1  # error 0.1 on the identity pair
    restored[1] += 0.3  # error 0.3 on the damaged one
    assert float(weighted_l1(degraded, clean, restored, 1.0)) == pytest.approx(0.2, abs=1e-6)  # plain mean
    assert float(weighted_l1(degraded, clean, restored, 3.0)) == pytest.approx((3 * 0.1 + 0.3) / 4, abs=1e-6)
    assert float(weighted_l1(degraded, clean, restored, 0.0)) == pytest.approx(0.3, abs=1e-6)
    with pytest.raises(ValueError, match="loss weights"):
        Pix2Pix(build_generator(GENERATOR_CONFIGS["tiny"])).compile(keras.optimizers.Adam(), identity_weight=-1.0)
