"""One long video cut into segments at keyframes, restored apart, and joined losslessly.

`plan_segments` reads only the packets (no decoding) and cuts the video at keyframes into
about equal runs of frames, so that each segment decodes on its own from its first packet.
Each segment is then restored by `restore.video.restore_video` with ``segment=`` (frames
``start_pts <= pts < stop_pts``, no audio) into a lossless FFV1 file, on any machine.
`join_segments` copies the segments' video packets, in order, and the source's audio
packets, untouched and once, into the final Matroska file, interleaved by time: no
picture is decoded or encoded again, so the frames, their timestamps and the duration are
those a single-process run writes.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from restore.files import write_atomically

__all__ = ["Segment", "join_segments", "plan_segments"]


@dataclass(frozen=True)
class Segment:
    """Frames ``start_pts <= pts < stop_pts`` (the input's time base) of a video."""

    index: int              # the segment's number, from 0
    first_frame: int        # the index of its first frame in the whole video
    frames: int
    start_pts: int
    stop_pts: int | None    # where the next segment starts; None: the end of the video

    @property
    def file_name(self) -> str:
        return f"segment-{self.index:04d}.mkv"


def _video_packets(path: Path) -> tuple[list[int], set[int]]:
    """The video frames' timestamps in presentation order, and those of the keyframes."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stamps, keys = [], set()
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            stamps.append(packet.pts)
            if packet.is_keyframe:
                keys.add(packet.pts)
    return sorted(stamps), keys


def plan_segments(path: str | os.PathLike, count: int) -> list[Segment]:
    """At most ``count`` segments of about equal length, each starting at a keyframe.

    Raises `ValueError` when ``count`` < 1 or the video's packets carry no timestamps.
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, got {count!r}")
    stamps, keys = _video_packets(Path(path))
    if not stamps:
        raise ValueError(f"{path}: no timestamped video packets to cut at")
    key_positions = [index for index, stamp in enumerate(stamps) if stamp in keys]
    starts = [0]
    for part in range(1, count):
        ideal = round(part * len(stamps) / count)
        after = [position for position in key_positions if position >= ideal and position > starts[-1]]
        if after:
            starts.append(after[0])
    starts = sorted(set(starts))
    ends = starts[1:] + [len(stamps)]
    return [
        Segment(index=number, first_frame=start, frames=end - start, start_pts=stamps[start],
                stop_pts=stamps[end] if end < len(stamps) else None)
        for number, (start, end) in enumerate(zip(starts, ends))
    ]


def _packets(container, streams) -> Iterator:
    for packet in container.demux(*streams):
        if packet.dts is not None or packet.pts is not None:  # not a demuxer's flush packet
            yield packet


def _time(packet) -> float:
    stamp = packet.dts if packet.dts is not None else packet.pts
    return float(stamp * packet.time_base)


def join_segments(segment_files: list[Path], source: str | os.PathLike, output: str | os.PathLike) -> Path:
    """Join restored segments (in order) and the source's audio into ``output`` (Matroska),
    written whole or not at all (`restore.files.write_atomically`)."""
    return write_atomically(output, lambda temporary: _join_into(temporary, segment_files, source))


def _join_into(path: Path, segment_files: list[Path], source: str | os.PathLike) -> None:
    import av

    segments = [av.open(str(segment)) for segment in segment_files]
    original = av.open(str(source))
    try:
        with av.open(str(path), "w", format="matroska") as joined:
            video = joined.add_stream_from_template(segments[0].streams.video[0])
            audio = {stream.index: joined.add_stream_from_template(stream) for stream in original.streams.audio}
            video_packets = (packet for segment in segments for packet in _packets(segment, segment.streams.video[:1]))
            audio_packets = _packets(original, original.streams.audio) if audio else iter(())
            for packet in heapq.merge(video_packets, audio_packets, key=_time):
                packet.stream = video if packet.stream.type == "video" else audio[packet.stream.index]
                joined.mux(packet)
    finally:
        for container in (*segments, original):
            container.close()
