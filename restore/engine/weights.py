"""Where the generator's weights come from, and loading them safely.

This module owns the model *source*: a local folder or file written by ``python -m train``,
a Hugging Face Hub model repo (``hf://owner/name[@revision]``), or — by default — the
bundled ``checkpoints/`` folder, which ``$VHS_RESTORE_MODEL`` overrides.

A model folder holds ``config.json`` (architecture and preprocessing, plain JSON) and
``generator.weights.h5`` (Keras weights: tensors only). Loading builds the generator from
our own code (`restore.engine.model.build_generator`) and then reads the tensors into it, so
nothing in a downloaded file is ever executed: no pickles, no serialized Python, no
``.keras`` archives with custom objects.

When the Hub cannot be reached (no network, ``HF_HUB_OFFLINE=1``, repo or revision not
found), ``huggingface_hub`` first looks in its local cache; if the files are not there,
`resolve_model` says so clearly (a logged WARNING, and `ModelFiles.fallback_reason`) and
falls back to the bundled checkpoint. Every problem with the files themselves — missing,
not JSON, truncated, weights of a different architecture — raises `ModelLoadError`,
whose message names the file and what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any

__all__ = [
    "BUNDLED_FOLDER",
    "CARD_NAME",
    "CONFIG_NAME",
    "ENVIRONMENT_VARIABLE",
    "FORMAT",
    "FORMAT_VERSION",
    "ModelFiles",
    "ModelLoadError",
    "WEIGHTS_NAME",
    "load_generator",
    "parse_hub_source",
    "resolve_model",
]

logger = logging.getLogger(__name__)

# The model folder's format, one home: `train.export` writes what this module reads.
WEIGHTS_NAME = "generator.weights.h5"
CONFIG_NAME = "config.json"
CARD_NAME = "MODEL_CARD.md"
FORMAT = "vhs-restore-generator"
FORMAT_VERSION = 1
# The preprocessing stages a config may switch on (`config["preprocess"]`, JSON booleans).
PREPROCESS_STAGES = ("line_alignment", "colour_bars")

BUNDLED_FOLDER = Path(__file__).resolve().parents[2] / "checkpoints"  # beside the restore package
ENVIRONMENT_VARIABLE = "VHS_RESTORE_MODEL"
HUB_PREFIX = "hf://"

# Hub repo ids: "owner/name", each part alphanumerics plus "-", "_", "."; a revision is a
# branch, tag or commit hash (branches may contain "/", e.g. "refs/pr/1").
_HUB_PATTERN = re.compile(
    r"hf://(?P<owner>[A-Za-z0-9][A-Za-z0-9._-]{0,95})/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,95})"
    r"(?:@(?P<revision>[A-Za-z0-9][A-Za-z0-9._/-]{0,199}))?"
)
# Every HDF5 file written by h5py/Keras starts with this signature (superblock at offset 0).
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class ModelLoadError(ValueError):
    """A model source that cannot be used; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class ModelFiles:
    """The two files of a resolved model source.

    ``description`` says in words where they came from (for logs and the app);
    ``fallback_reason`` is None normally, or the message explaining why the requested
    Hub model could not be had and the bundled checkpoint is used instead.
    """

    config_path: Path
    weights_path: Path
    description: str
    fallback_reason: str | None = None

    @property
    def folder(self) -> Path:
        return self.config_path.parent


def parse_hub_source(source: str) -> tuple[str, str | None]:
    """``"hf://owner/name[@revision]"`` -> ``("owner/name", revision or None)``.

    Raises ValueError for anything else (empty parts, extra slashes, spaces, "--"/"..").
    """
    match = _HUB_PATTERN.fullmatch(source)
    repo_id = f"{match['owner']}/{match['name']}" if match else ""
    if not match or "--" in repo_id or ".." in repo_id or repo_id.endswith((".", "-")):
        raise ValueError(
            f"bad Hugging Face model source {source!r}: expected hf://owner/name or "
            "hf://owner/name@revision (revision: a branch, tag or commit hash)"
        )
    return repo_id, match["revision"]


def resolve_model(source: str | os.PathLike | None = None, *, fallback: bool = True) -> ModelFiles:
    """Find the config and weights files of a model source, downloading from the Hub if needed.

    ``source``: None (then ``$VHS_RESTORE_MODEL`` if set, else the bundled ``checkpoints/``),
    a local folder, a local ``*.weights.h5`` or ``config.json`` (the other file lies next to
    it), or ``hf://owner/name[@revision]``. A Hub model is fetched with
    ``huggingface_hub.hf_hub_download`` into its usual cache; a pinned revision is honoured.

    If the Hub model cannot be had, the bundled checkpoint is used with a WARNING that says
    why (``fallback_reason`` of the result); with ``fallback=False`` a `ModelLoadError`
    is raised instead. A malformed ``hf://`` string raises ValueError. Local paths are only
    checked for existence here; `load_generator` validates the contents.
    """
    requested_by = "argument"
    if source is None:
        source = os.environ.get(ENVIRONMENT_VARIABLE, "").strip() or None
        requested_by = f"${ENVIRONMENT_VARIABLE}" if source else "default"
    if source is None:
        return _bundled_files()

    source = os.fspath(source)
    if source.startswith(HUB_PREFIX):
        repo_id, revision = parse_hub_source(source)
        try:
            return _hub_files(repo_id, revision, source)
        except _HubUnavailable as problem:
            reason = str(problem)
        if not fallback:
            raise ModelLoadError(f"{source}: {reason}")
        return _fall_back(source, reason, requested_by)
    return _local_files(Path(source).expanduser(), f"local model {source}")


def load_generator(files: ModelFiles) -> tuple[Any, dict[str, Any]]:
    """Build the generator that ``config.json`` describes and read the weights into it.

    Returns ``(keras.Model, config dict)``. Raises `ModelLoadError` naming the file for a
    missing or unreadable file, invalid JSON, a config of another format or version, a
    weights file that is empty, not HDF5, truncated, or written for another architecture.
    """
    # Imported here: resolving a source (and parsing hf:// strings) needs no TensorFlow.
    from restore.engine.model import GeneratorConfig, build_generator

    config = read_config(files.config_path)
    try:
        generator_config = GeneratorConfig.from_dict(config["generator"])
    except (TypeError, ValueError) as error:
        raise ModelLoadError(f"{files.config_path}: bad generator architecture ({error})") from None
    _check_weights_file(files.weights_path)

    model = build_generator(generator_config)
    with warnings.catch_warnings():
        # On a mismatch Keras warns about every skipped sublayer before raising; the
        # single error below says it better.
        warnings.simplefilter("ignore")
        try:
            model.load_weights(files.weights_path)
        except FileNotFoundError:
            raise ModelLoadError(f"{files.weights_path}: missing") from None
        except OSError as error:
            # h5py: "truncated file: eof = ...", "file signature not found", I/O errors.
            raise ModelLoadError(
                f"{files.weights_path}: truncated or corrupt weights file ({_first_line(error)})"
            ) from None
        except (ValueError, KeyError, TypeError) as error:
            raise ModelLoadError(
                f"{files.weights_path}: weights do not match the architecture in "
                f"{files.config_path.name} ({_first_line(error)})"
            ) from None
    return model, config


def read_config(path: Path) -> dict[str, Any]:
    """Read and validate a model ``config.json``; `ModelLoadError` naming it if unusable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: missing (a model folder needs {CONFIG_NAME} and {WEIGHTS_NAME})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ModelLoadError(f"{path}: cannot read the model config ({error})") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelLoadError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise ModelLoadError(f"{path}: expected a JSON object, got {type(config).__name__}")
    declared = config.get("format", FORMAT)
    if declared != FORMAT:
        raise ModelLoadError(f"{path}: format is {declared!r}, expected {FORMAT!r}")
    version = config.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelLoadError(
            f"{path}: format_version {version!r} is newer than this code reads ({FORMAT_VERSION}); "
            "update the vhs-restore package"
        )
    if not isinstance(config.get("generator"), dict):
        raise ModelLoadError(f"{path}: no 'generator' architecture (an object) in the config")
    preprocess = config.setdefault("preprocess", {})
    if not isinstance(preprocess, dict):
        raise ModelLoadError(f"{path}: 'preprocess' must be an object, got {type(preprocess).__name__}")
    # JSON true/false only: a string such as "no" is truthy and would switch a stage on.
    for stage in PREPROCESS_STAGES:
        value = preprocess.get(stage, False)
        if not isinstance(value, bool):
            raise ModelLoadError(f"{path}: preprocess.{stage} must be true or false, got {value!r}")
    return config


# --------------------------------------------------------------------------- #
# Sources
# --------------------------------------------------------------------------- #
class _HubUnavailable(Exception):
    """The Hub model could not be had (network, offline mode, not found, not cached)."""


def _bundled_files() -> ModelFiles:
    # Not checked here: a missing bundled file is reported by `load_generator`, by name.
    return ModelFiles(BUNDLED_FOLDER / CONFIG_NAME, BUNDLED_FOLDER / WEIGHTS_NAME, "the bundled model in checkpoints/")


def _local_files(path: Path, description: str) -> ModelFiles:
    if path.is_dir():
        return ModelFiles(path / CONFIG_NAME, path / WEIGHTS_NAME, description)
    if path.name.endswith(".h5"):
        return ModelFiles(path.parent / CONFIG_NAME, path, description)
    if path.suffix == ".json":
        return ModelFiles(path, path.parent / WEIGHTS_NAME, description)
    if not path.exists():
        raise ModelLoadError(f"{path}: no such model folder or file")
    raise ModelLoadError(
        f"{path}: not a model; expected a folder written by `python -m train`, its "
        f"{WEIGHTS_NAME} or its {CONFIG_NAME}"
    )


def _hub_files(repo_id: str, revision: str | None, source: str) -> ModelFiles:
    from huggingface_hub import hf_hub_download

    paths = {}
    for filename in (CONFIG_NAME, WEIGHTS_NAME):
        try:
            paths[filename] = Path(hf_hub_download(repo_id, filename, revision=revision))
        except _hub_errors() as error:
            raise _HubUnavailable(_describe_hub_error(error, filename)) from error
    return ModelFiles(
        paths[CONFIG_NAME], paths[WEIGHTS_NAME], f"Hugging Face Hub model {source} (cached in {paths[CONFIG_NAME].parent})"
    )


def _hub_errors() -> tuple[type[BaseException], ...]:
    # OSError covers huggingface_hub's own errors (HfHubHTTPError, LocalEntryNotFoundError,
    # OfflineModeIsEnabled) and socket errors; the HTTP client's transport errors are not
    # OSErrors, so they are added where the client is installed.
    errors: list[type[BaseException]] = [OSError, TimeoutError]
    for module_name in ("httpx2", "httpx", "requests"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        error = getattr(module, "HTTPError", None) or getattr(module, "RequestException", None)
        if isinstance(error, type) and issubclass(error, BaseException):
            errors.append(error)
    return tuple(errors)


def _describe_hub_error(error: BaseException, filename: str) -> str:
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    # Order matters: LocalEntryNotFoundError is also an EntryNotFoundError.
    if isinstance(error, LocalEntryNotFoundError):
        offline = isinstance(error.__cause__, OfflineModeIsEnabled) or _offline_mode()
        why = "HF_HUB_OFFLINE is set" if offline else "Hugging Face Hub unreachable"
        return f"{why} and {filename} is not in the local cache"
    if isinstance(error, OfflineModeIsEnabled):
        return f"HF_HUB_OFFLINE is set and {filename} is not in the local cache"
    if isinstance(error, RevisionNotFoundError):
        return "revision not found on the Hugging Face Hub"
    if isinstance(error, RepositoryNotFoundError):
        return "repository not found on the Hugging Face Hub (or private and no access)"
    if isinstance(error, EntryNotFoundError):
        return f"the repository has no {filename}"
    return f"Hugging Face Hub unreachable ({_first_line(error)})"


def _offline_mode() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _fall_back(source: str, reason: str, requested_by: str) -> ModelFiles:
    bundled = _bundled_files()
    if not bundled.weights_path.is_file():
        raise ModelLoadError(
            f"{source}: {reason}; and the bundled model is missing too ({bundled.weights_path})"
        )
    if requested_by == "argument":
        # The user asked for this model by name: make the substitution impossible to miss.
        message = (
            f"could not get the requested model {source}: {reason}. "
            "USING THE BUNDLED MODEL in checkpoints/ INSTEAD"
        )
    else:
        message = f"{source} (from {requested_by}): {reason}; using the bundled model in checkpoints/"
    logger.warning(message)
    return dataclasses.replace(bundled, fallback_reason=message)


def _check_weights_file(path: Path) -> None:
    """Cheap checks with clear messages before Keras/h5py get to see the file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_HDF5_SIGNATURE))
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: missing (a model folder needs {CONFIG_NAME} and {WEIGHTS_NAME})") from None
    except IsADirectoryError:
        raise ModelLoadError(f"{path}: is a directory, expected the weights file") from None
    except OSError as error:
        raise ModelLoadError(f"{path}: cannot read the weights file ({error.strerror or error})") from None
    if not head:
        raise ModelLoadError(f"{path}: empty weights file (0 bytes)")
    if head != _HDF5_SIGNATURE:
        raise ModelLoadError(f"{path}: not a Keras .weights.h5 file (no HDF5 signature)")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
