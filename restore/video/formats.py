"""File names, containers and codecs: which files are videos, what an output is written
with and into, and what an interrupted run's file is called.

Codecs and containers
---------------------
* ``ffv1`` (default): FFV1 level 3, lossless, intra-only, with slice CRCs: the archival
  codec of many film and video archives; large files (tens of Mbit/s for SD). Written
  to Matroska (``.mkv``), the container that holds it and any audio codec.
* ``h264``: H.264 (libx264, CRF 16, yuv420p): visually near-lossless, about a tenth of
  FFV1's size, and plays everywhere (browsers included). Kept in the input's container
  when that is ``.mp4``, ``.m4v``, ``.mov`` or ``.mkv`` and it can hold every audio
  stream (FFmpeg is asked; MP4 cannot hold DV or 8-bit PCM audio, for example); otherwise ``.mkv``.
See `output_suffix`. Copying sound from MP4 into Matroska keeps every packet and the
sync, but not MP4's edit list: AAC's ~21 ms of encoder priming then plays as a moment of
silence before the picture's first frame (Matroska starts the file at the sound's
earlier first timestamp). FFV1 keeps the input's chroma layout (4:2:0, 4:2:2, 4:1:1, 4:4:4)
when it is 8-bit planar YUV, else uses 4:2:0; H.264 always uses 4:2:0 for playback.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Lowercase file suffixes taken as video inputs.
VIDEO_SUFFIXES = frozenset(
    {".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".webm", ".dv", ".vob", ".wmv", ".flv"}
)

#: Output codecs: name -> (FFmpeg encoder, containers that may keep the input's suffix).
CODECS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ffv1": ("ffv1", (".mkv",)),
    "h264": ("libx264", (".mkv", ".mp4", ".m4v", ".mov")),
}
DEFAULT_CODEC = "ffv1"

#: Output suffix -> FFmpeg muxer.
FORMAT_FOR_SUFFIX = {".mkv": "matroska", ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".avi": "avi"}
#: FFmpeg encoder -> its options.
ENCODER_OPTIONS = {
    "ffv1": {"level": "3", "slicecrc": "1", "slices": "4", "g": "1"},
    "libx264": {"crf": "16", "preset": "fast"},
}
# 8-bit planar YUV layouts FFV1 may keep from the input (else 4:2:0).
FFV1_KEEPABLE_FORMATS = frozenset({"yuv420p", "yuv422p", "yuv411p", "yuv444p", "yuv410p"})

# FFmpeg's AVFieldOrder values (libavcodec/defs.h): which field is displayed first.
FIELD_PROGRESSIVE = 1
FIELD_ORDER_TOP_FIRST = {2: True, 5: True, 3: False, 4: False}  # TT, BT: top first; BB, TB: bottom first
FIELD_ORDER_CODE = {True: 2, False: 3}


def is_video_path(path: str | os.PathLike) -> bool:
    """True when the file name's suffix is a video suffix (`VIDEO_SUFFIXES`)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def check_codec(codec: str) -> str:
    """``codec`` when it is a key of `CODECS`; ValueError otherwise."""
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {sorted(CODECS)}, got {codec!r}")
    return codec


def container_format(path: str | os.PathLike) -> str:
    """The FFmpeg muxer for an output file, from its suffix; ValueError for other suffixes."""
    path = Path(path)
    name = FORMAT_FOR_SUFFIX.get(path.suffix.lower())
    if name is None:
        raise ValueError(f"output must end in one of {sorted(FORMAT_FOR_SUFFIX)}, got {path.name!r}")
    return name


def output_suffix(input_path: str | os.PathLike, codec: str = DEFAULT_CODEC, audio_codecs: list[str] | tuple = ()) -> str:
    """The output container's suffix: the input's own when the codec may live in it and the
    container can hold every audio codec in ``audio_codecs``, else ``.mkv`` (holds anything)."""
    check_codec(codec)
    suffix = Path(input_path).suffix.lower()
    if suffix in CODECS[codec][1] and suffix != ".mkv":
        supported = _supported_codecs(FORMAT_FOR_SUFFIX[suffix])
        if all(name in supported for name in audio_codecs):
            return suffix
    return ".mkv"


def partial_path_for(output_path: str | os.PathLike) -> Path:
    """Where an interrupted run keeps its frames: ``capture.mkv`` -> ``capture.partial.mkv``."""
    output_path = Path(output_path)
    return output_path.with_name(f"{output_path.stem}.partial{output_path.suffix}")


_SUPPORTED_CACHE: dict[str, frozenset[str]] = {}


def _supported_codecs(format_name: str) -> frozenset[str]:
    """Codec names an FFmpeg muxer accepts (asks FFmpeg; cached, the query walks all codecs)."""
    if format_name not in _SUPPORTED_CACHE:
        import av

        with av.open(os.devnull, "w", format=format_name) as container:
            _SUPPORTED_CACHE[format_name] = frozenset(container.supported_codecs)
    return _SUPPORTED_CACHE[format_name]
