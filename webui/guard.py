"""Refused requests: a plain message for the user, one line in the server log, no traceback
(`guard_requests`).

Gradio checks an API call's values before the handler runs; left alone, a value out of range,
of the wrong type, or a path that was not uploaded prints a full traceback and tells the user
"Could not preprocess input component at index 6". Here every refused request (bad value, bad
file, bad setting) becomes a `gr.Error` with a plain message that names the parameter, and
leaves one ``refused /<api>: <reason>`` line on the ``vhs_restore.app`` logger.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import sys
from typing import Any

import gradio as gr
import numpy as np

from webui.inputs import input_error

LOG = logging.getLogger("vhs_restore.app")


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _event_parameter_names(block_fn) -> list[str]:
    """The names of an event's inputs, in order: its handler's parameters (the names
    gradio_client shows), without the ones Gradio fills in itself (gr.Progress)."""
    try:
        parameters = inspect.signature(block_fn.fn).parameters.values()
    except (TypeError, ValueError):
        return []
    names = []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            break
        if not isinstance(parameter.default, gr.Progress):
            names.append(parameter.name)
    return names


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _checked_input(component, name: str) -> None:
    """Make ``component``'s own input check refuse a bad value with a `gr.Error` that names
    ``name`` and prints no traceback (Gradio's would print one, and say "Could not preprocess
    input component at index 6 ... TypeError" to the user). Sliders and numbers also refuse a
    non-number before Gradio compares it with their range."""
    if getattr(component, "_vhs_checked_input", False):
        return
    original = component.preprocess
    numeric = isinstance(component, (gr.Slider, gr.Number))

    def preprocess(payload):
        if numeric and payload is not None and not _is_number(payload):
            raise input_error(f"{name} must be a number, got {_one_line(repr(payload), 80)}", title="Invalid value")
        try:
            return original(payload)
        except gr.Error as exc:
            raise input_error(f"{name}: {exc.message}", title=exc.title or "Invalid value") from None
        except Exception as exc:  # noqa: BLE001 - any failure to read the value is a bad value
            raise input_error(f"{name}: cannot use this value ({type(exc).__name__}: {_one_line(exc, 160)})",
                               title="Invalid value") from None

    component.preprocess = preprocess
    component._vhs_checked_input = True


def _refusal_reason(exc: Exception) -> str:
    """What was wrong with a request that Gradio could not even hand to an event, in words."""
    from gradio.exceptions import InvalidPathError

    if isinstance(exc, InvalidPathError):
        return f"this file cannot be used: {_one_line(exc, 240)}"
    errors = getattr(exc, "errors", None)  # pydantic's ValidationError: the value's form is wrong
    if callable(errors):
        with contextlib.suppress(Exception):  # no readable detail: the message's first line below
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return f"a value is not in the expected form ({where + ': ' if where else ''}{first.get('msg', '')})"
    return _one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 240)


def guard_requests(demo: gr.Blocks) -> gr.Blocks:
    """Make every refused request a plain `gr.Error` with one log line and no traceback.

    Gradio checks an API call's values before the handler runs: each input component's own
    check (wrapped by `_checked_input`, which names the parameter), then, around them, file
    paths that were not uploaded and values of the wrong form. Any of those failures becomes
    a `gr.Error` that prints no traceback, and every request refused with such an error
    (by Gradio's checks or by a handler: a bad file, a bad setting) is logged as one line,
    ``refused /<api_name>: <message>``, on the ``vhs_restore.app`` logger. Errors that are
    not the request's fault (a handler's bug, a model that does not load) keep their traceback.
    """
    fns = sorted(demo.fns.values(), key=lambda fn: fn.api_visibility != "public")  # public names win
    for block_fn in fns:
        names = _event_parameter_names(block_fn) if block_fn.api_visibility == "public" else []
        for index, component in enumerate(block_fn.inputs):
            label = getattr(component, "label", None)
            _checked_input(component, names[index] if index < len(names) else (label or f"input {index + 1}"))

    preprocess_data = demo.preprocess_data
    process_api = demo.process_api

    async def checked_preprocess_data(*args, **kwargs):
        try:
            return await preprocess_data(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the request's values could not be read
            raise input_error(_refusal_reason(exc), title="Invalid request") from None

    async def logged_process_api(*args, **kwargs):
        try:
            return await process_api(*args, **kwargs)
        except gr.Error as exc:
            if not exc.print_exception:  # the request's fault: one line, no traceback
                block_fn = kwargs.get("block_fn", args[0] if args else None)
                if isinstance(block_fn, int):
                    block_fn = demo.fns.get(block_fn)
                event = getattr(block_fn, "api_name", None) or getattr(block_fn, "name", None) or "?"
                LOG.warning("refused /%s: %s", event, _one_line(exc.message))
            raise

    demo.preprocess_data = checked_preprocess_data
    demo.process_api = logged_process_api
    return demo



def log_to_stderr() -> None:
    """Refused requests as plain lines on stderr, unless logging is configured already."""
    if not LOG.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
