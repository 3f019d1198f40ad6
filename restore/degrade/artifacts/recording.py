"""Recording-stage artifacts: what the camera and the recorder's bandwidth do.

Low luma bandwidth (`softness`), optical or digital `blur`, colour-under chroma
bandwidth and PAL's delay line (`chroma_smear`), and halos along the lines (`ringing`).
Each artifact: ``<Name>Params``, ``random_<name>``, ``add_<name>``, as described in
`restore.degrade.artifacts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from restore.degrade.artifacts.forms import pick_form
from restore.degrade.frame import Frame, Size, frame_scale, horizontal_blur
from restore.pal import PAL_WIDTH, shift_lines


@dataclass(frozen=True)
class SoftnessParams:
    sigma: float  # px: horizontal luma low-pass
    factor: float  # down-up rescale factor (2 = half resolution)


def random_softness(strength: float, rng: np.random.Generator, size: Size, settings) -> SoftnessParams:
    scale_x, _ = frame_scale(size)
    return SoftnessParams(sigma=strength * rng.uniform(1.6, 2.4) * scale_x, factor=1.0 + strength * rng.uniform(0.4, 1.0))


def add_softness(frame: Frame, params: SoftnessParams, rng: np.random.Generator) -> Frame:
    """Low luma bandwidth: horizontal luma low-pass, then a down-up rescale (low resolution)."""
    frame[0] = horizontal_blur(frame[0], params.sigma)
    height, width = frame[0].shape
    small = (max(8, round(width / params.factor)), max(8, round(height / params.factor)))
    if small != (width, height):
        image = cv2.resize(cv2.merge(frame), small, interpolation=cv2.INTER_AREA)
        frame[:] = cv2.split(cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR))
    return frame


@dataclass(frozen=True)
class BlurParams:
    kernel: str  # gaussian | box | anisotropic
    sigma_major: float  # px (gaussian, anisotropic); the box's width for "box"
    sigma_minor: float  # px (anisotropic; equal to sigma_major otherwise)
    angle: float  # degrees of the major axis from horizontal (anisotropic)


def random_blur(strength: float, rng: np.random.Generator, size: Size, settings) -> BlurParams:
    scale_x, _ = frame_scale(size)
    kernel = pick_form("blur_kernel", settings.blur_kernel, rng)
    if kernel == "box":
        width = 1.0 + strength * rng.uniform(1.0, 5.0) * scale_x
        return BlurParams(kernel, width, width, 0.0)
    major = strength * rng.uniform(0.6, 3.2) * scale_x
    minor = major * (rng.uniform(0.15, 0.7) if kernel == "anisotropic" else 1.0)
    return BlurParams(kernel, major, minor, float(rng.uniform(0, 180)) if kernel == "anisotropic" else 0.0)


def blur_kernel(params: BlurParams) -> np.ndarray:
    """The normalised float32 2-D kernel of ``params`` (odd side)."""
    if params.kernel == "box":
        # A centred box ``sigma_major`` px wide: the taps it covers fully weigh 1, the two
        # end taps the fraction of them it covers. So the side is always odd (an even box
        # would shift the picture half a pixel) and the blur grows smoothly with the width
        # (a whole-pixel box is a no-op below 1.5 px and jumps at every half pixel).
        half = max(float(params.sigma_major), 1.0) / 2
        radius = math.ceil(half - 0.5)
        taps = np.clip(half + 0.5 - np.abs(np.arange(-radius, radius + 1, dtype=np.float32)), 0.0, 1.0)
        kernel = np.outer(taps, taps).astype(np.float32)
    else:
        radius = max(1, math.ceil(3 * params.sigma_major))
        axis = np.arange(-radius, radius + 1, dtype=np.float32)
        x, y = np.meshgrid(axis, axis)
        theta = math.radians(params.angle)
        along, across = x * math.cos(theta) + y * math.sin(theta), -x * math.sin(theta) + y * math.cos(theta)
        major, minor = max(params.sigma_major, 0.2), max(params.sigma_minor, 0.2)
        kernel = np.exp(-0.5 * ((along / major) ** 2 + (across / minor) ** 2)).astype(np.float32)
    return kernel / kernel.sum()


def add_blur(frame: Frame, params: BlurParams, rng: np.random.Generator) -> Frame:
    """Optical or digital blur of the whole picture: Gaussian, box or anisotropic
    (rotated Gaussian) kernel."""
    kernel = blur_kernel(params)
    if kernel.size > 1:
        frame[:] = cv2.split(cv2.filter2D(cv2.merge(frame), -1, kernel, borderType=cv2.BORDER_REFLECT))
    return frame


@dataclass(frozen=True)
class ChromaSmearParams:
    sigma: float  # px: horizontal chroma low-pass
    vertical_mix: float  # how much each line's chroma takes from the line above (PAL delay line)


def random_chroma_smear(strength: float, rng: np.random.Generator, size: Size, settings) -> ChromaSmearParams:
    scale_x, _ = frame_scale(size)
    return ChromaSmearParams(sigma=strength * rng.uniform(5.0, 8.0) * scale_x, vertical_mix=0.5 * strength)


def add_chroma_smear(frame: Frame, params: ChromaSmearParams, rng: np.random.Generator) -> Frame:
    """Colour-under bandwidth (~0.4 MHz): chroma smeared 10-20 px along lines, plus PAL's
    delay line averaging chroma over two lines."""
    for index in (1, 2):
        chroma = horizontal_blur(frame[index], params.sigma)
        chroma[1:] += params.vertical_mix * (chroma[:-1] - chroma[1:])
        frame[index] = chroma
    return frame


@dataclass(frozen=True)
class RingingParams:
    form: str  # peaking (over-sharpening with an echo) | sinc (band-limit ripples)
    amount: float  # peaking gain; for sinc, the mix of the ringing signal
    echo_delay: float  # px (peaking)
    cutoff: float  # sinc cutoff as a fraction of Nyquist (sinc)
    taps: int  # sinc half-length in px (sinc)


def random_ringing(strength: float, rng: np.random.Generator, size: Size, settings) -> RingingParams:
    scale_x, _ = frame_scale(size)
    form = pick_form("ringing_form", settings.ringing_form, rng)
    return RingingParams(
        form=form,
        amount=strength * rng.uniform(1.0, 2.0) if form == "peaking" else min(1.0, strength * rng.uniform(0.6, 1.2)),
        echo_delay=rng.uniform(3.0, 6.0) * scale_x,
        cutoff=float(np.clip(0.85 - 0.55 * strength * rng.uniform(0.6, 1.0), 0.2, 0.9)),
        taps=int(rng.integers(4, 11)),
    )


def add_ringing(frame: Frame, params: RingingParams, rng: np.random.Generator) -> Frame:
    """Halos along lines: peaking (luma detail boosted with overshoot, plus a faint echo)
    or a hard band limit (a truncated sinc, whose ripples follow every edge)."""
    luma = frame[0]
    scale_x = luma.shape[1] / PAL_WIDTH
    if params.form == "peaking":
        detail = luma - horizontal_blur(luma, 1.5 * scale_x)
        echo = shift_lines(detail, params.echo_delay)
        frame[0] = luma + params.amount * detail - 0.3 * params.amount * echo
        return frame
    taps = np.arange(-params.taps, params.taps + 1, dtype=np.float32)
    kernel = (params.cutoff * np.sinc(params.cutoff * taps)).astype(np.float32)[None, :]
    kernel /= kernel.sum()
    filtered = cv2.filter2D(luma, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    frame[0] = luma + params.amount * (filtered - luma)
    return frame
