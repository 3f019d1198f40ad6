"""Many image files (restore/batch.py): `restore_files` overlaps reading and writing with
the network, yet gives what `restore_one` gives each file, in order; a bad file or an
output that cannot be written is an outcome, not an exception; Ctrl-C finishes the write
in flight and reports it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore.batch import restore_files, restore_one  # noqa: E402
from restore.engine.restorer import load_restorer  # noqa: E402
from restore.images import read_image  # noqa: E402


@pytest.fixture(scope="module")
def restorer(model_folder):
    return load_restorer(str(model_folder), tile=None)


def _photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        rng = np.random.default_rng(index)
        path = folder / f"frame{index}.png"
        Image.fromarray(rng.integers(0, 256, (40 + 8 * index, 56, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def test_restore_files_gives_what_restore_one_gives_each_file_in_order(restorer, tmp_path):
    inputs = _photos(tmp_path / "in", 5)
    (tmp_path / "in" / "frame2.png").write_bytes(b"not a png")  # a bad file in the middle
    (tmp_path / "overlapped").mkdir()
    (tmp_path / "one_by_one").mkdir()
    outcomes = list(restore_files(restorer, [(path, tmp_path / "overlapped" / path.name) for path in inputs]))
    assert [outcome.path for outcome in outcomes] == inputs
    assert [outcome.ok for outcome in outcomes] == [True, True, False, True, True]
    assert "frame2.png" in str(outcomes[2].reported_path) and outcomes[2].reason
    for path, outcome in zip(inputs, outcomes):
        single = restore_one(restorer, path, tmp_path / "one_by_one" / path.name)
        assert (single.ok, single.reason) == (outcome.ok, outcome.reason)
        if outcome.ok:
            overlapped, alone = read_image(outcome.output).rgb, read_image(single.output).rgb
            assert np.array_equal(overlapped, alone)
            assert not np.array_equal(overlapped, read_image(path).rgb)  # really restored


def test_an_output_that_cannot_be_written_is_an_outcome(restorer, tmp_path):
    inputs = _photos(tmp_path / "in", 3)
    (tmp_path / "out").mkdir()
    outputs = [tmp_path / "out" / "a.png", tmp_path / "missing-folder" / "b.png", tmp_path / "out" / "c.png"]
    outcomes = list(restore_files(restorer, list(zip(inputs, outputs))))
    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    assert outcomes[1].reason.startswith(f"cannot write {outputs[1]}")
    assert outputs[0].is_file() and outputs[2].is_file()


def test_ctrl_c_finishes_and_reports_the_write_in_flight(restorer, tmp_path):
    inputs = _photos(tmp_path / "in", 4)
    (tmp_path / "out").mkdir()

    class InterruptedAtTheThird:
        def __init__(self):
            self.calls = 0

        def restore_loaded(self, loaded, pal_aspect=False):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt
            return restorer.restore_loaded(loaded, pal_aspect=pal_aspect)

        write_restored = staticmethod(restorer.write_restored)

    seen = []
    with pytest.raises(KeyboardInterrupt):
        for outcome in restore_files(InterruptedAtTheThird(), [(path, tmp_path / "out" / path.name) for path in inputs]):
            seen.append(outcome)
    # The second file was being written while the third was restored: it is finished and reported.
    assert [outcome.path for outcome in seen] == inputs[:2] and all(outcome.ok for outcome in seen)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["frame0.png", "frame1.png"]


def test_no_jobs_no_outcomes(restorer):
    assert list(restore_files(restorer, [])) == []
