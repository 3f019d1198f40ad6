"""Pix2Pix as a `keras.Model` subclass: `compile()` takes the optimisers and loss weights,
`train_step()` does one generator (and discriminator) update, so `fit()`, callbacks and
distribution strategies work unchanged.

Loss: ``l1_weight``·L1 + ``ssim_weight``·(1 − SSIM) + ``gan_weight``·adversarial. The L1 term
can weigh identity pairs (clean in, clean out) ``identity_weight`` times more than damaged
ones, to teach the model harder to leave good pictures alone. With
no discriminator it is a plain supervised restorer (the fast way to start); adding the
discriminator turns it into pix2pix (TF tutorial: L1 weight 100, Adam 2e-4, β1 0.5).
With a ``teacher`` (a trained generator, frozen) the loss adds ``teacher_weight``·L1 to the
teacher's output: knowledge distillation, so a smaller generator learns to restore as the
teacher does, on the damage the simulator makes and beyond it.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _ssim(a, b):
    return tf.image.ssim(tf.clip_by_value(a, 0.0, 1.0), b, max_val=1.0)


# Identity training pairs restored exactly have infinite PSNR; cap it so means stay finite.
_PSNR_CAP = 60.0


def _psnr(a, b):
    return tf.minimum(tf.image.psnr(tf.clip_by_value(a, 0.0, 1.0), b, max_val=1.0), _PSNR_CAP)


def weighted_l1(degraded, clean, restored, identity_weight: float):
    """Mean absolute error over a batch, each identity pair (input equal to target within
    half a level) counting ``identity_weight`` times a damaged one. Weight 1 is plain L1."""
    per_pair = tf.reduce_mean(tf.abs(clean - restored), axis=[1, 2, 3])
    identity = tf.cast(tf.reduce_max(tf.abs(degraded - clean), axis=[1, 2, 3]) < 0.5 / 255.0, per_pair.dtype)
    weights = 1.0 + (identity_weight - 1.0) * identity
    return tf.math.divide_no_nan(tf.reduce_sum(weights * per_pair), tf.reduce_sum(weights))  # weight 0, all clean: 0


class Pix2Pix(keras.Model):
    """Generator (+ optional conditional discriminator) trained on (degraded, clean) pairs."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model | None = None, teacher: keras.Model | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        # Set past Keras' attribute tracking: the frozen teacher is an input of the run, not
        # part of its checkpoints (a resume loads the teacher it is given).
        object.__setattr__(self, "teacher", teacher)
        if teacher is not None:
            teacher.trainable = False
        self.tracked = {
            name: keras.metrics.Mean(name=name)
            for name in ("loss", "l1", "ssim", "psnr", "input_psnr", "input_ssim", "generator_gan", "discriminator", "teacher_l1")
        }

    def compile(
        self,
        generator_optimizer: keras.optimizers.Optimizer,
        discriminator_optimizer: keras.optimizers.Optimizer | None = None,
        l1_weight: float = 100.0,
        ssim_weight: float = 0.0,
        gan_weight: float = 1.0,
        identity_weight: float = 1.0,
        teacher_weight: float = 0.0,
        **kwargs,
    ):
        if self.discriminator is not None and discriminator_optimizer is None:
            raise ValueError("a discriminator needs a discriminator_optimizer")
        if min(l1_weight, ssim_weight, gan_weight, identity_weight, teacher_weight) < 0:
            raise ValueError("loss weights must be >= 0")
        super().compile(**kwargs)
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.l1_weight = float(l1_weight)
        self.ssim_weight = float(ssim_weight)
        self.gan_weight = float(gan_weight)
        self.identity_weight = float(identity_weight)
        self.teacher_weight = float(teacher_weight)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True, reduction="none")

    @property
    def metrics(self):
        return list(self.tracked.values())

    def call(self, degraded, training=False):
        return self.generator(degraded, training=training)

    def _update(self, name, value):
        self.tracked[name].update_state(value)

    def _adversarial(self, logits, real: bool):
        labels = tf.ones_like(logits) if real else tf.zeros_like(logits)
        return tf.reduce_mean(self.bce(labels, logits))

    def train_step(self, data):
        degraded, clean = data
        # Under a distribution strategy each replica sees part of the batch, and the
        # optimiser sums replica gradients: divide so the step matches one device.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if self.teacher is not None:  # outside the tape: nothing of the teacher is differentiated
            taught = tf.cast(self.teacher(degraded, training=False), tf.float32)
        with tf.GradientTape(persistent=True) as tape:
            restored = self.generator(degraded, training=True)
            restored_32 = tf.cast(restored, tf.float32)
            l1 = tf.reduce_mean(tf.abs(clean - restored_32))  # reported as is, comparable across runs
            ssim = tf.reduce_mean(_ssim(restored_32, clean))
            generator_loss = self.l1_weight * weighted_l1(degraded, clean, restored_32, self.identity_weight) + self.ssim_weight * (1.0 - ssim)
            if self.teacher is not None:
                teacher_l1 = tf.reduce_mean(tf.abs(taught - restored_32))
                generator_loss += self.teacher_weight * teacher_l1
            if self.discriminator is not None:
                fake_logits = tf.cast(self.discriminator([degraded, restored], training=True), tf.float32)
                real_logits = tf.cast(self.discriminator([degraded, clean], training=True), tf.float32)
                generator_gan = self._adversarial(fake_logits, real=True)
                discriminator_loss = self._adversarial(real_logits, real=True) + self._adversarial(fake_logits, real=False)
                generator_loss += self.gan_weight * generator_gan
            scaled = self.generator_optimizer.scale_loss(generator_loss / replicas)
            if self.discriminator is not None:
                scaled_discriminator = self.discriminator_optimizer.scale_loss(discriminator_loss / replicas)

        gradients = tape.gradient(scaled, self.generator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(gradients, self.generator.trainable_variables))
        if self.discriminator is not None:
            gradients = tape.gradient(scaled_discriminator, self.discriminator.trainable_variables)
            self.discriminator_optimizer.apply_gradients(zip(gradients, self.discriminator.trainable_variables))
            self._update("generator_gan", generator_gan)
            self._update("discriminator", discriminator_loss)
        del tape

        self._update("loss", generator_loss)
        self._update("l1", l1)
        self._update("ssim", ssim)
        self._update("psnr", tf.reduce_mean(_psnr(restored_32, clean)))
        names = ["loss", "l1", "ssim", "psnr"]
        if self.discriminator is not None:
            names += ["generator_gan", "discriminator"]
        if self.teacher is not None:
            self._update("teacher_l1", teacher_l1)
            names.append("teacher_l1")
        return {name: self.tracked[name].result() for name in names}

    def test_step(self, data):
        degraded, clean = data
        restored = tf.cast(self.generator(degraded, training=False), tf.float32)
        self._update("l1", tf.reduce_mean(tf.abs(clean - restored)))
        self._update("ssim", tf.reduce_mean(_ssim(restored, clean)))
        self._update("psnr", tf.reduce_mean(_psnr(restored, clean)))
        self._update("input_ssim", tf.reduce_mean(_ssim(degraded, clean)))
        self._update("input_psnr", tf.reduce_mean(_psnr(degraded, clean)))
        return {name: self.tracked[name].result() for name in ("l1", "ssim", "psnr", "input_ssim", "input_psnr")}
