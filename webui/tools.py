"""The app's endpoints as tools for agents (MCP, ``launch(mcp_server=True)``).

Gradio makes every named endpoint an MCP tool: its name is the event function's name, its
description the event's ``api_description``, and each argument's description comes from the
function's docstring (``Args:``, one ``name: text`` line each). `as_tool` gives an event
function its tool name (the endpoint's ``api_name``) and that docstring, written here for an
agent: what each argument means and its range.
"""

from __future__ import annotations

from collections.abc import Callable

from restore.degrade import FORM_OPTIONS
from webui.degrade_handlers import DEGRADE_API_PARAMETERS
from webui.labels import FORM_LABELS, STRENGTH_LABELS

IMAGE = "the image: a URL, or a data URL (data:image/png;base64,...) of a PNG or JPEG"
PAL_ASPECT = ("true: the input is a PAL anamorphic frame (720 samples per line), returned with square pixels "
              "(720x576 becomes 768x576); false (default): the size is kept")


def _degrade_arguments() -> dict[str, str]:
    arguments = {"image": IMAGE + " (clean, to damage)"}
    for name in DEGRADE_API_PARAMETERS[1:]:
        if name in STRENGTH_LABELS:
            label, info = STRENGTH_LABELS[name]
            arguments[name] = f"strength of '{label}' ({info}), a number from 0 (off) to 1"
        elif name in FORM_LABELS:
            label, info = FORM_LABELS[name]
            arguments[name] = f"{label}: {info}; one of {', '.join(FORM_OPTIONS[name])} ('any' draws one from the seed)"
    arguments["tint_hue"] = "hue of the tint band in degrees, 0 to 360 (35 = magenta, 215 = green)"
    arguments["seed"] = "a whole number >= 0; the same seed and settings give the same damage"
    arguments["shuffle_order"] = "true: the artifacts of each stage are applied in a random order drawn from the seed"
    return arguments


ARGUMENTS: dict[str, Callable[[], dict[str, str]]] = {
    "restore": lambda: {"image": IMAGE + " (a digitised VHS/PAL frame)", "pal_aspect": PAL_ASPECT},
    "restore_batch": lambda: {"files": "a list of image files (URLs or data URLs), at most 50", "pal_aspect": PAL_ASPECT},
    "degrade": _degrade_arguments,
    "compare": lambda: {
        "image_a": IMAGE + " (the reference)",
        "image_b": IMAGE + " (the one scored against it)",
        "resize": "true: image_b is resized to image_a's size; false (default): different sizes are an error",
    },
    "study": lambda: {
        "image": IMAGE + " (a clean picture)",
        "preset": "the simulator preset that damages it: default, light, heavy, archive or clean",
        "seed": "a whole number >= 0 for the damage",
    },
    "restore_video": lambda: {
        "clip": "a video clip of at most 10 s (URL or data URL): MP4, MKV, AVI, MOV, ...",
        "mode": "frames (whole frames), fields (each field on its own, keeps 25i) or bob (deinterlaced to 50p)",
    },
}


def as_tool(function: Callable, name: str) -> Callable:
    """``function`` named ``name`` as an MCP tool, its docstring listing `ARGUMENTS[name]`."""
    if name not in ARGUMENTS:
        raise ValueError(f"no tool description for {name!r}; known: {', '.join(ARGUMENTS)}")
    summary = (function.__doc__ or "").strip().split("\n\n")[0]
    lines = [f"    {argument}: {text}" for argument, text in ARGUMENTS[name]().items()]
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{summary}\n\nArgs:\n" + "\n".join(lines)
    return function
