"""The web app's limits and settings: upload sizes, batch and clip lengths, the request queue
and each event's concurrency lane, the defaults of the example images.

Plain constants, no Gradio: the serving code reads them before Gradio is imported. Handlers
read them as ``limits.NAME`` at call time, so one value here governs every tab (and a test can
change it in one place).
"""

from __future__ import annotations

from typing import Any

from restore.images import MAX_PIXELS as LIBRARY_MAX_PIXELS

MAX_UPLOAD_MB = 40
MAX_FILE_SIZE = f"{MAX_UPLOAD_MB}mb"  # enforced by Gradio at upload time (launch max_file_size)
MAX_PIXELS = min(12_000_000, LIBRARY_MAX_PIXELS)  # width × height, checked from the file header
MAX_BATCH = 50  # images per "Restore all"
MAX_VIDEO_SECONDS = 10
MAX_VIDEO_FRAMES = 250  # 10 s of PAL

# Requests waiting, all events together (Gradio's queue max_size). A waiting request costs only
# its upload, already on disk; the limit is there so a flood is refused rather than piled up.
QUEUE_SIZE = 256
# Calls of one kind running at once. The model runs one call at a time (restore, batch, study,
# video share it); the simulator and the metrics need no model and run beside it, in their own
# lanes, so a queue of restorations never holds them up. Compare is kept to two at once: each
# 12-megapixel pair takes a few hundred MB.
MODEL_EVENTS: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
DEGRADE_EVENTS: dict[str, Any] = {"concurrency_id": "degrade", "concurrency_limit": 4}
COMPARE_EVENTS: dict[str, Any] = {"concurrency_id": "compare", "concurrency_limit": 2}
DEFAULT_CONCURRENCY = 2  # anything else (presets, random settings)

MAP_MAX_SIDE = 1280  # the SSIM heat-map is shown at most this long (the scores use every pixel)
PSNR_CAP_DB = 100.0  # PSNR shown for identical images (the true value is infinite)
OUTPUT_TTL_S = 3600  # our own result files older than this are deleted

EXAMPLE_IMAGES = ("astronaut", "coffee", "chelsea", "rocket")  # bundled with scikit-image
EXAMPLE_SEED = 7
DEFAULT_PRESET = "default"

LAUNCH_OPTIONS: dict[str, Any] = {"max_file_size": MAX_FILE_SIZE, "show_error": True, "mcp_server": True}
