"""train.pix2pix: the Pix2Pix model on a tiny generator (4 base filters, depth 3), CPU only.
Finite losses with the generator alone and with the PatchGAN, a short overfit on one pair
lowering the L1 error, identity pairs weighing more in the L1 loss, and distillation pulling
the generator towards a frozen teacher that stays out of the checkpoints."""

from __future__ import annotations

import math

import cv2
import keras
import numpy as np
import pytest
from skimage import data as samples

from restore import PRESETS, degrade
from restore.engine.model import GENERATOR_CONFIGS, DiscriminatorConfig, build_discriminator, build_generator
from train.pix2pix import Pix2Pix


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


# --------------------------------------------------------------------------- #
# Distillation from a teacher
# --------------------------------------------------------------------------- #
def _darker_teacher():
    """A tiny generator whose output is the input made darker: a teacher unlike the targets."""
    teacher = build_generator(GENERATOR_CONFIGS["tiny"])
    to_rgb = teacher.get_layer("to_rgb")
    kernel, bias = to_rgb.get_weights()
    to_rgb.set_weights([kernel, bias - 0.4])  # the correction is halved: 0.2 darker
    return teacher


def test_distillation_pulls_the_generator_towards_the_frozen_teacher():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    clean = rng.random((16, 32, 32, 3), dtype=np.float32) * 0.6 + 0.3
    teacher = _darker_teacher()
    teacher_before = [w.copy() for w in teacher.get_weights()]
    generator = build_generator(GENERATOR_CONFIGS["tiny"])
    model = Pix2Pix(generator, teacher=teacher)
    # Only the teacher term: identity pairs, so the targets alone would teach nothing.
    model.compile(keras.optimizers.Adam(3e-3), l1_weight=0.0, ssim_weight=0.0, teacher_weight=1.0)

    def distance() -> float:
        return float(np.mean(np.abs(np.asarray(generator(clean, training=False)) - np.asarray(teacher(clean, training=False)))))

    initial = distance()
    assert initial == pytest.approx(0.2, abs=0.02)
    history = model.fit(clean, clean, batch_size=4, epochs=8, shuffle=False, verbose=0).history
    assert distance() < 0.5 * initial
    assert math.isfinite(history["teacher_l1"][-1])
    assert all(np.array_equal(a, b) for a, b in zip(teacher_before, teacher.get_weights()))


def test_the_teacher_is_not_part_of_the_checkpoint(tmp_path):
    import tensorflow as tf

    def saved_variables(teacher) -> list[str]:
        model = Pix2Pix(build_generator(GENERATOR_CONFIGS["tiny"]), teacher=teacher)
        path = tf.train.Checkpoint(model=model).write(str(tmp_path / ("with" if teacher else "without")))
        return sorted(name for name, _ in tf.train.list_variables(path))

    assert saved_variables(_darker_teacher()) == saved_variables(None)


def test_negative_teacher_weight_is_refused():
    with pytest.raises(ValueError, match="loss weights"):
        Pix2Pix(build_generator(GENERATOR_CONFIGS["tiny"]), teacher=_darker_teacher()).compile(keras.optimizers.Adam(), teacher_weight=-1.0)
