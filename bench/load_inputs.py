"""What ``bench/load.py`` sends: the pictures (PAL frames, a 12-megapixel pair, a short clip)
and the calls of each burst and of the soak, as ``(args, kwargs)`` for ``gradio_client``."""

from __future__ import annotations

from pathlib import Path


def make_inputs(folder: Path) -> dict[str, Path]:
    """The pictures the requests send: PAL frames, a 12-megapixel pair, a short clip."""
    import cv2
    import numpy as np
    from skimage import data

    from restore import PRESETS, degrade, video
    from restore.images import write_png

    def pal(picture):
        return cv2.resize(picture, (720, 576), interpolation=cv2.INTER_AREA)

    clean = pal(data.astronaut())
    paths = {
        "clean": write_png(folder / "clean.png", clean),
        "damaged": write_png(folder / "damaged.png", degrade(clean, PRESETS["default"], seed=1)),
        "coffee": write_png(folder / "coffee.png", pal(data.coffee())),
    }
    for name, (width, height) in {"vga": (640, 480), "xga": (1024, 768), "small": (300, 200)}.items():
        picture = cv2.resize(data.chelsea(), (width, height), interpolation=cv2.INTER_AREA)
        paths[name] = write_png(folder / f"{name}.png", degrade(picture, PRESETS["default"], seed=2))
    rng = np.random.default_rng(0)
    big = cv2.resize(data.astronaut(), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    big = np.clip(big + rng.normal(0, 4, big.shape), 0, 255).astype(np.uint8)
    paths["big_a"] = write_png(folder / "big_a.png", big)
    paths["big_b"] = write_png(folder / "big_b.png", degrade(big, PRESETS["light"], seed=3))
    frames = [degrade(np.roll(clean, 6 * i, axis=1)[::4, ::4], PRESETS["light"], seed=i) for i in range(10)]
    paths["clip"] = folder / "clip.mp4"
    height, width = frames[0].shape[:2]
    with video.VideoWriter(paths["clip"], video.OutputFormat.for_file(paths["clip"], "h264", width, height, 25)) as clip:
        for index, frame in enumerate(frames):
            clip.write(frame, index)
    return paths


def burst_calls(paths: dict[str, Path]) -> dict[str, tuple[str, list[tuple[tuple, dict]]]]:
    """Each burst by test name: its title and its calls, all submitted at once."""
    from gradio_client import handle_file

    def image(name):
        return handle_file(str(paths[name]))

    return {
        "restore": ("20 concurrent /restore", [((image("damaged"), False), {"api_name": "/restore"})] * 20),
        "degrade": ("50 concurrent /degrade", [((), {"image": image("clean"), "seed": seed, "api_name": "/degrade"})
                                               for seed in range(50)]),
        "compare": ("5 concurrent 12 MP /compare", [((image("big_a"), image("big_b"), False), {"api_name": "/compare"})] * 5),
    }


def soak_calls(paths: dict[str, Path]):
    """The soak's request mix, in the order each caller cycles through it."""
    from gradio_client import handle_file

    def image(name):
        return handle_file(str(paths[name]))

    return [
        ("restore 720×576", (image("damaged"), False), {"api_name": "/restore"}),
        ("degrade 720×576", (), {"image": image("clean"), "seed": None, "api_name": "/degrade"}),
        ("restore 640×480", (image("vga"), False), {"api_name": "/restore"}),
        ("compare 720×576", (image("clean"), image("damaged"), False), {"api_name": "/compare"}),
        ("restore 1024×768 (tiled)", (image("xga"), False), {"api_name": "/restore"}),
        ("study", (image("coffee"), "default", None), {"api_name": "/study"}),
        ("restore 300×200 PAL", (image("small"), True), {"api_name": "/restore"}),
        ("batch of 3", ([image("damaged"), image("vga"), image("small")], False), {"api_name": "/restore_batch"}),
        ("degrade 720×576 heavy", (), {"image": image("coffee"), "jitter": 1.0, "grain": 1.0, "seed": None,
                                       "api_name": "/degrade"}),
        ("clip 10 frames", (handle_file(str(paths["clip"])), "frames"), {"api_name": "/restore_video"}),
        ("compare 12 MP", (image("big_a"), image("big_b"), False), {"api_name": "/compare"}),
    ]
