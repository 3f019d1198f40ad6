"""restore.engine.precision: every precision restores, stays near float32, and ``auto`` only
picks a faster mode where the CPU has the units and the model is qualified for it."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from restore import load_restorer, psnr
from restore.engine import precision as precision_module
from restore.engine.precision import (
    PrecisionUnavailable,
    available_precisions,
    check_precision,
    choose_precision,
    cpu_flags,
    qualified_precisions,
)
from restore.engine.restorer import Restorer

# How far each mode may stray from float32 on the tiny random model (uint8 levels / dB).
BFLOAT16_MAX_LEVELS = 3
INT8_MIN_PSNR_DB = 30.0


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut()[100:164:1, 150:246])  # 64×96 RGB


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(precision_module.INT8_CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def float32_output(model_folder, picture):
    return load_restorer(str(model_folder), precision="float32").restore(picture)


def test_bfloat16_restores_close_to_float32(model_folder, picture, float32_output):
    restorer = load_restorer(str(model_folder), precision="bfloat16")
    assert restorer.precision == "bfloat16" and restorer.describe_precision() == "bfloat16"
    restored = restorer.restore(picture)
    assert restored.shape == picture.shape and restored.dtype == np.uint8
    difference = np.abs(restored.astype(int) - float32_output.astype(int))
    assert difference.max() <= BFLOAT16_MAX_LEVELS
    assert not np.array_equal(restored, picture)  # the network really ran


def test_int8_restores_close_to_float32_and_is_cached(model_folder, picture, float32_output, tmp_path, monkeypatch):
    restorer = load_restorer(str(model_folder), precision="int8")
    restored = restorer.restore(picture)
    assert restored.shape == picture.shape and restored.dtype == np.uint8
    assert psnr(restored, float32_output) >= INT8_MIN_PSNR_DB
    assert len(list((tmp_path / "cache").glob("generator-int8-*.tflite"))) == 1

    def no_second_conversion(model):
        raise AssertionError("converted again although the cache holds the model")

    monkeypatch.setattr(precision_module, "_convert_int8", no_second_conversion)
    again = load_restorer(str(model_folder), precision="int8").restore(picture)
    np.testing.assert_array_equal(again, restored)


# Integer pixels are converted inside the graph; the numbers are numpy's conversions to the
# bit in float32, and within a level in bfloat16 (its graph may fuse differently).
@pytest.mark.parametrize("precision, levels", [("float32", 0), ("bfloat16", 1)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_run_pixels_is_the_float_network_between_numpy_conversions(model_folder, picture, precision, levels, dtype):
    runner = load_restorer(str(model_folder), precision=precision)._runner
    scale = {np.uint8: 255, np.uint16: 65535, np.float32: 1}[dtype]
    pixels = (picture[:, :64].astype(np.float64) / 255 * scale).astype(dtype)[None]  # 1×64×64×3
    restored = runner.run_pixels(pixels)
    assert restored.dtype == dtype and restored.shape == pixels.shape
    expected = precision_module.float_pixels(runner, pixels)
    tolerance = levels * scale / 255 if dtype == np.float32 else levels * scale // 255
    np.testing.assert_allclose(restored.astype(np.float64), expected.astype(np.float64), rtol=0, atol=tolerance + 1e-6)
    assert np.abs(restored.astype(np.float64) - pixels).max() > scale / 255  # the network really ran


def test_bfloat16_keeps_the_residual_add_in_float32(untrained_model_folder, picture):
    # An untrained residual generator adds exactly zero. On 16-bit input only a float32 add
    # returns every value unchanged: bfloat16 keeps 8 significant bits.
    deep = picture.astype(np.uint16) * 257 + np.random.default_rng(0).integers(0, 257, picture.shape, dtype=np.uint16)
    restorer = load_restorer(str(untrained_model_folder), precision="bfloat16", line_alignment=False)
    np.testing.assert_array_equal(restorer.restore(deep), deep)


# float32: to the bit. bfloat16: oneDNN may fuse a constant-weight graph differently, which
# rounds differently in 8 significant bits; within a uint8 level.
@pytest.mark.parametrize("precision, tolerance", [("float32", 0.0), ("bfloat16", 1 / 255)])
def test_the_frozen_graph_computes_what_the_keras_model_computes(model_folder, picture, precision, tolerance):
    # The runner freezes its weights into the graph for speed; the numbers must not change.
    restorer = load_restorer(str(model_folder), precision=precision)
    runner = restorer._runner
    batch = np.stack([picture, picture[::-1]]).astype(np.float32)[:, :64, :64] / 255.0  # 2×64×64×3
    frozen = runner(batch)
    assert runner.tracing_count == 1
    # The same traced function, its variables read on the call (a second trace of "whole").
    expected = runner._functions["whole"](batch).numpy()
    np.testing.assert_allclose(frozen, expected, rtol=0, atol=tolerance)
    assert np.abs(expected - batch).max() > 1e-3  # the random output layer really corrects


@pytest.mark.parametrize("bad", ["fast", "FLOAT32", "", None, 16])
def test_unknown_precisions_are_refused(model_folder, bad):
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, int8"):
        load_restorer(str(model_folder), precision=bad)
    with pytest.raises(ValueError, match="precision must be one of"):
        check_precision(bad)


def test_a_missing_runtime_is_a_clear_error(model_folder, monkeypatch):
    def missing(model, generator_config):
        raise ImportError("No module named 'ai_edge_litert'")

    monkeypatch.setattr(precision_module, "_int8_model", missing)
    with pytest.raises(PrecisionUnavailable, match="precision int8 is not available here.*ai_edge_litert"):
        load_restorer(str(model_folder), precision="int8")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n\nprocessor\t: 1\n")
    assert {"avx512_bf16", "avx512_vnni"} <= cpu_flags(cpuinfo)
    assert cpu_flags(tmp_path / "missing") == frozenset()
    assert available_precisions(cpu_flags(cpuinfo)) == ("float32", "bfloat16", "int8")
    assert available_precisions(frozenset({"avx512_vnni"})) == ("float32", "int8")
    assert available_precisions(frozenset()) == ("float32",)


def test_qualified_precisions_come_from_the_model_config():
    assert qualified_precisions({}) == ()
    assert qualified_precisions({"precision": {"qualified": ["float32", "bfloat16", "fp8"]}}) == ("bfloat16",)


def _qualified_restorer(model_folder, **options) -> Restorer:
    restorer = load_restorer(str(model_folder), precision="float32")
    config = {**restorer.config, "precision": {"qualified": ["bfloat16", "int8"]}}
    return Restorer(restorer.model, config, tile=64, overlap=16, **options)


def test_auto_falls_back_to_float32_without_the_units(model_folder, monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset())
    restorer = _qualified_restorer(model_folder)
    assert restorer.precision == "float32" and restorer.precision_timings == {}
    assert "no faster mode qualified" in restorer.describe_precision()


def test_auto_without_a_quality_record_stays_float32(model_folder, monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset({"avx512_bf16", "avx512_vnni"}))
    restorer = load_restorer(str(model_folder))  # the tiny model's config has no "precision" record
    assert restorer.requested_precision == "auto" and restorer.precision == "float32"
    assert restorer.precision_timings == {}


def test_auto_times_the_qualified_modes_and_keeps_the_fastest(model_folder, monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    seconds = {"float32": 0.30, "bfloat16": 0.12}
    monkeypatch.setattr(precision_module, "_seconds", lambda runner, sample: seconds[runner.precision])
    restorer = _qualified_restorer(model_folder)
    assert restorer.precision == "bfloat16" and restorer.precision_timings == seconds
    assert restorer.describe_precision() == "bfloat16 (auto: 2.5× float32's speed)"

    seconds["bfloat16"] = 0.45  # slower here: auto must not pick it
    assert _qualified_restorer(model_folder).precision == "float32"


class _FakeRunner:
    def __init__(self, precision, fail=False):
        self.precision, self.fail = precision, fail

    def __call__(self, batch):
        if self.fail:
            raise RuntimeError("no kernel for this op")
        return batch


def test_choose_precision_skips_modes_that_fail_but_never_float32():
    sample = np.zeros((1, 8, 8, 3), np.float32)
    runner, timings = choose_precision({"float32": lambda: _FakeRunner("float32"),
                                        "int8": lambda: _FakeRunner("int8", fail=True)}, sample)
    assert runner.precision == "float32" and set(timings) == {"float32"}
    with pytest.raises(RuntimeError, match="no kernel"):
        choose_precision({"float32": lambda: _FakeRunner("float32", fail=True)}, sample)
