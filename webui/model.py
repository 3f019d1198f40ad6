"""The restoration model: one `restore.Restorer` for the whole app, loaded lazily on first use,
once per process, and shared by every session (`MODEL`). Nothing is loaded at import.

The model comes from ``$VHS_RESTORE_MODEL`` (a folder or ``hf://owner/name@rev``) or the
bundled ``checkpoints/`` (`restore.load_restorer`).
"""

from __future__ import annotations

import threading

import gradio as gr
import numpy as np

from webui.inputs import flag


class SharedRestorer:
    """One `restore.Restorer` for the whole app, created on first use.

    Loading imports TensorFlow and reads the weights (seconds), so it happens when the first
    restoration is asked for, not at start-up. The lock makes concurrent first calls wait for
    one load instead of loading twice; model runs are serialised by the queue
    (``concurrency_id="model"``) and, for direct callers, by a second lock.
    """

    def __init__(self, source: str | None = None):
        self.source = source  # None: $VHS_RESTORE_MODEL, else the bundled checkpoints/
        self._load_lock = threading.Lock()
        self.run_lock = threading.Lock()
        self._restorer = None

    def get(self):
        with self._load_lock:
            if self._restorer is None:
                from restore import load_restorer  # imports TensorFlow

                try:
                    self._restorer = load_restorer(self.source)
                except Exception as exc:  # shown to the user as is
                    raise gr.Error(
                        f"The restoration model could not be loaded: {exc}", title="Model unavailable"
                    ) from exc
            return self._restorer

    def set(self, restorer) -> None:
        """Replace the shared restorer (tests; None means load again on next use)."""
        with self._load_lock:
            self._restorer = restorer

    @property
    def loaded(self) -> bool:
        return self._restorer is not None

    def describe(self) -> str:
        restorer = self._restorer
        if restorer is None:
            return "not loaded yet (it loads on the first restoration)"
        text = str(getattr(restorer, "description", "") or "loaded")
        if hasattr(restorer, "describe_precision"):
            text += f"; precision {restorer.describe_precision()}"
        if hasattr(restorer, "describe_stages"):
            text += f"; before the network: {restorer.describe_stages()}"
        reason = getattr(restorer, "fallback_reason", None)
        return f"{text} (fallback: {reason})" if reason else text

    def restore(self, rgb: np.ndarray, pal_aspect: bool = False) -> np.ndarray:
        pal_aspect = flag(pal_aspect, "pal_aspect")
        restorer = self.get()
        with self.run_lock:
            return restorer.restore(rgb, pal_aspect=pal_aspect)


MODEL = SharedRestorer()  # nothing loaded until the first restoration
