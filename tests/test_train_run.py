"""train.run and train.export, in process: one tiny training run (4 steps on 32-px crops, in a
folder that also holds a truncated JPEG and an empty PNG) writes the model folder and card,
its export restores an image whose size is not a multiple of 2**depth, a resume continues
exactly at the checkpoint, `--push-to-hub` fails clearly without network after everything
is saved, and the learning rate warms up then decays. `--init-from` copies every matching
layer of a changed architecture and refuses an unrelated one, and validation scores the
generator's current weights."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import make_tiny_model_folder
from train_helpers import BAD_FILES, ODD_SIZE, TRAIN_PHOTOS, assert_model_folder, cli_arguments, iterations, photo

from restore.engine.model import GENERATOR_CONFIGS, GeneratorConfig, build_generator
from restore.engine.restorer import Restorer
from restore.engine.weights import load_generator, resolve_model
from train.config import TrainConfig
from train.export import CARD_NAME, push_to_hub
from train.run import Validation, build_pix2pix, checkpoint_has_averages, initialise_from, train, weight_averages

pytest_plugins = ("train_fixtures",)  # the fixture photos


def _tiny(photos, out: Path, **overrides) -> TrainConfig:
    train_dir, val_dir = photos
    settings = {
        "data": str(train_dir), "val": val_dir and str(val_dir), "out": str(out), "steps": 4, "batch": 2,
        "crop": 32, "generator": "tiny", "checkpoint_every": 2, "validation_images": 2, "bank_size": 4,
        "workers": 1, "warmup_steps": 1, "mixed_precision": "off", "xla": "off",
    }
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


@pytest.fixture(scope="module")
def trained(photos, tmp_path_factory) -> tuple[Path, _Records]:
    """One in-process run: 4 steps, checkpoint and validation every 2. It asks to
    resume, but its folder is new, so it starts from scratch (with a warning)."""
    out = tmp_path_factory.mktemp("run") / "model"
    with _train_log() as log:
        assert train(_tiny(photos, out, resume=True, families="clean=1,wide=2")) == out
    return out, log


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- #
# Training runs (in process)
# --------------------------------------------------------------------------- #
def test_train_writes_model_folder_despite_bad_files(trained):
    out, log = trained
    config = assert_model_folder(out, steps=4)
    assert (out / "checkpoints" / "ckpt-2.index").is_file()
    assert sorted(p.name for p in (out / "samples").glob("*.png")) == ["step0000002.png", "step0000004.png"]
    assert log.validation_steps() == [2, 4]
    made = [m for m in log.messages() if "unreadable files skipped" in m]
    assert made, log.messages()
    assert config["training"]["images"] == len(TRAIN_PHOTOS) + len(BAD_FILES)
    assert config["training"]["pair_families"] == {"clean": 1.0, "wide": 2.0}  # the mix it was given
    validation = config["validation"]
    assert validation["images"] == 2 and validation["step"] == 4
    for name in ("psnr", "ssim", "input_psnr", "input_ssim"):
        assert math.isfinite(validation[name]), name
    card = (out / CARD_NAME).read_text()
    assert "Steps: 4" in card and "| restored |" in card
    assert "Damage mix (share of pairs per family): clean 33%, wide 67%" in card


def test_exported_folder_restores_odd_size_image(trained):
    from restore import load_restorer

    out, _ = trained
    restorer = load_restorer(str(out), fallback=False)
    image = photo("chelsea", ODD_SIZE)
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
    assert_model_folder(out, steps=6)
    assert iterations(out / "checkpoints" / "ckpt-4") == 4
    assert (out / "samples" / "step0000006.png").is_file()


def test_resume_without_checkpoint_starts_from_scratch_with_warning(trained):
    out, log = trained
    warnings = log.messages(logging.WARNING)
    assert any("no checkpoint" in m for m in warnings), warnings
    assert not any(m.startswith("resumed") for m in log.messages())
    assert log.validation_steps() == [2, 4]
    assert iterations(out / "checkpoints" / "ckpt-2") == 2


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
    arguments = cli_arguments(photos, out, "--mixed-precision", "off", "--xla", "off", "--push-to-hub", "someone/vhs-restore-test")
    assert main(arguments) == 1
    captured = capsys.readouterr()
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, captured.err[-4000:]
    assert "Hugging Face Hub" in error_lines[0] and "someone/vhs-restore-test" in error_lines[0]
    assert "saved locally" in error_lines[0] and "offline" in error_lines[0]
    assert "model written" not in captured.out
    assert_model_folder(out, steps=2)  # everything was saved before the push


# --------------------------------------------------------------------------- #
# The learning-rate schedule
# --------------------------------------------------------------------------- #
def test_learning_rate_warms_up_then_decays_to_the_final_rate():
    from train.run import learning_rate_schedule

    config = TrainConfig(data="d", out="o", learning_rate=1e-3, final_learning_rate=5e-5, warmup_steps=100)
    schedule = learning_rate_schedule(config, total_steps=1000)
    rate = lambda step: float(schedule(step))
    assert rate(0) < 1e-4 and rate(50) == pytest.approx(5e-4, rel=0.05)
    assert rate(100) == pytest.approx(1e-3, rel=1e-3)
    assert 5e-5 < rate(550) < 1e-3 and rate(550) == pytest.approx((1e-3 + 5e-5) / 2, rel=0.01)
    assert rate(1000) == pytest.approx(5e-5, rel=1e-3) and rate(5000) == pytest.approx(5e-5, rel=1e-3)



def test_init_from_copies_every_matching_layer_of_a_changed_architecture(tmp_path):
    source = make_tiny_model_folder(tmp_path / "trained")
    faster = build_generator(dataclasses.replace(GENERATOR_CONFIGS["tiny"], head="pixel_shuffle", head_filters=0))
    fresh_output = faster.get_layer("to_rgb").get_weights()[0].copy()
    copied, fresh = initialise_from(faster, str(source))
    assert {"down0_conv", "bottleneck0_conv1", "up0_deconv"} <= set(copied)
    assert fresh == ["to_rgb"]  # the new head's output layer has other shapes: it keeps its initialiser
    np.testing.assert_array_equal(faster.get_layer("to_rgb").get_weights()[0], fresh_output)
    exported, _ = load_generator(resolve_model(str(source)))
    for name in copied:
        for ours, theirs in zip(faster.get_layer(name).get_weights(), exported.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, theirs)


def test_init_from_leaves_a_normalisation_fresh_when_its_convolution_is(tmp_path, caplog):
    source = make_tiny_model_folder(tmp_path / "trained")
    reduced = build_generator(dataclasses.replace(GENERATOR_CONFIGS["tiny"], decoder_reduce=True))
    with caplog.at_level(logging.WARNING, logger="train"):
        copied, fresh = initialise_from(reduced, str(source))
    # The first decoder level reads the bottleneck alone (same shapes); the next reads the
    # narrowed features, so its transposed conv and the normalisation after it start fresh.
    assert {"up1_deconv", "up1_norm"} <= set(copied)
    assert {"up0_reduce", "up0_deconv", "up0_norm"} <= set(fresh)
    assert "start fresh" in caplog.text and "up0_norm" in caplog.text


def test_init_from_an_unrelated_or_missing_model_is_refused(tmp_path):
    source = make_tiny_model_folder(tmp_path / "trained")
    unrelated = build_generator(GeneratorConfig(base_filters=6, depth=2, max_filters=12, bottleneck_blocks=0, head_filters=0))
    with pytest.raises(ValueError, match="no layer of that model matches"):
        initialise_from(unrelated, str(source))
    with pytest.raises(ValueError, match="no such model folder"):
        initialise_from(unrelated, str(tmp_path / "missing"))


def test_validation_scores_the_generator_as_it_is_now():
    # A Restorer reads (and folds) the weights once; validation must see every update.
    generator = build_generator(GENERATOR_CONFIGS["tiny"])
    clean = photo("coffee", (64, 96))
    pairs = [("a", np.clip(clean.astype(int) + 20, 0, 255).astype(np.uint8), clean)]
    make_restorer = functools.partial(Restorer, generator, {"generator": GENERATOR_CONFIGS["tiny"].to_dict()},
                                      tile=None, line_alignment=False, precision="float32")
    validation = Validation(pairs, make_restorer, None, None, None)
    before, _ = validation.evaluate()
    to_rgb = generator.get_layer("to_rgb")
    kernel, bias = to_rgb.get_weights()
    to_rgb.set_weights([kernel, bias - 0.1])  # a darker output: what a training step might do
    after, _ = validation.evaluate()
    assert after["psnr"] > before["psnr"] + 1.0


# --------------------------------------------------------------------------- #
# The moving average of the weights (--ema)
# --------------------------------------------------------------------------- #
def _generator_weights(model) -> list[np.ndarray]:
    return [variable.numpy() for variable in model.generator.trainable_variables]


@pytest.mark.parametrize("ema", [0.9, 0.0])
def test_the_export_holds_the_averaged_weights_and_training_keeps_the_raw_ones(ema, tmp_path):
    config = TrainConfig(data=".", out=str(tmp_path), generator="tiny", ema=ema, mixed_precision="off", xla="off")
    model = build_pix2pix(config, 1e-3, mixed=False, xla=False)
    model.generator_optimizer.build(model.generator.trainable_variables)
    raw = _generator_weights(model)
    for average, variable in zip(weight_averages(model.generator_optimizer) or (), model.generator.trainable_variables):
        average.assign(variable + 0.5)  # an average apart from the weights
    exported = []
    validation = Validation([], None, tmp_path, lambda step, figures: exported.append(_generator_weights(model)), None)
    validation.set_model(model)
    validation.on_epoch_end(0)
    (seen,) = exported
    shift = 0.5 if ema else 0.0
    assert all(np.allclose(s, r + shift) for s, r in zip(seen, raw))
    assert all(np.array_equal(after, r) for after, r in zip(_generator_weights(model), raw))


def test_a_run_from_before_ema_resumes_without_averages(photos, tmp_path):
    out = tmp_path / "model"
    train(_tiny(photos, out, ema=0.0))
    assert not checkpoint_has_averages(str(out / "checkpoints" / "ckpt-4"))
    with _train_log() as log:
        train(_tiny(photos, out, steps=6, resume=True, ema=0.99))
    assert any("holds no weight averages" in m for m in log.messages(logging.WARNING)), log.messages()
    assert any(re.search(r"resumed from .*ckpt-4 at step 4\b", m) for m in log.messages())
    config = assert_model_folder(out, steps=6)
    assert config["training"]["ema"] == 0.0
    assert not checkpoint_has_averages(str(out / "checkpoints" / "ckpt-6"))


def test_checkpoints_of_a_run_with_ema_keep_the_averages(trained):
    out, _ = trained  # the default --ema
    assert checkpoint_has_averages(str(out / "checkpoints" / "ckpt-4"))


# --------------------------------------------------------------------------- #
# Distillation (--teacher)
# --------------------------------------------------------------------------- #
def test_a_run_distils_from_a_teacher_and_says_so(photos, tmp_path):
    teacher = make_tiny_model_folder(tmp_path / "teacher")
    out = tmp_path / "student"
    train(_tiny(photos, out, teacher=str(teacher), teacher_weight=50.0))
    config = assert_model_folder(out, steps=4)
    assert config["training"]["teacher"] == str(teacher)
    assert f"L1 to the teacher `{teacher}` ×50.0 (distillation)" in (out / CARD_NAME).read_text()


def test_a_teacher_that_cannot_take_the_crops_is_refused(photos, tmp_path):
    deep = dataclasses.replace(GENERATOR_CONFIGS["tiny"], depth=6)  # a multiple of 64 against 32-px crops
    teacher = make_tiny_model_folder(tmp_path / "teacher", config=deep)
    with pytest.raises(ValueError, match="multiple of 64 px; --crop is 32"):
        train(_tiny(photos, tmp_path / "student", teacher=str(teacher)))
