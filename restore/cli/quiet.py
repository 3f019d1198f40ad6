"""Keeping TensorFlow's start-up chatter off the command line's stderr, where every line
is a report about an input."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

# TensorFlow's native start-up lines (oneDNN notice, "no CUDA drivers", cuInit failure on
# a machine without a GPU) go straight to file descriptor 2, whatever TF_CPP_MIN_LOG_LEVEL
# says. They would interleave with the one-line-per-input report, so they are dropped;
# anything else written during the import is passed on.
_TENSORFLOW_CHATTER = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog|[IWE]\d{4} [\d:. ]+\d+ "
    r"(port\.cc|cudart_stub\.cc|cuda_platform\.cc|cpu_feature_guard\.cc|cuda_executor\.cc|cuda_dnn\.cc|"
    r"cuda_fft\.cc|cuda_blas\.cc|gpu_device\.cc|computation_placer\.cc))"
)


@contextlib.contextmanager
def tensorflow_startup_filtered():
    """Drop TensorFlow's start-up lines from file descriptor 2 while the block runs; keep the rest."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr descriptor: nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode("utf-8", "replace").splitlines():
                if line.strip() and not _TENSORFLOW_CHATTER.match(line):
                    print(line, file=sys.stderr)


def quiet_tensorflow() -> None:
    """TensorFlow's C++ log level 2 (errors still show), unless the user set one."""
    # TensorFlow's C++ start-up chatter (CPU features, oneDNN) is noise on a command line;
    # errors still show. Respect a value the user set.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

