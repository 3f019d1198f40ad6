"""Clips and facts for the video tests: `write_frames` writes uint8 RGB frames, and a
sound track, as a video file (the library's own `VideoWriter` for the picture; the
sound is encoded here); `make_clips` makes the small clips most tests share (a pan over
the astronaut, clean and damaged by the simulator's video mode, with a sine tone);
`stream_facts` reads back what a test checks (frames, rate, timestamps, sound)."""

from __future__ import annotations

import itertools
import math
import os
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

from restore.degrade import PRESETS, VideoDegrader
from restore.video import OutputFormat, VideoWriter

REPOSITORY = Path(__file__).resolve().parent.parent
FPS = 25
FRAMES = 12
HEIGHT, WIDTH = 96, 128
SAMPLE_RATE = 48000
_LAYOUTS = {1: "mono", 2: "stereo"}
_BLOCK = 1024  # audio samples per frame handed to the encoder


def clean_frames(count: int = FRAMES, height: int = HEIGHT, width: int = WIDTH) -> list[np.ndarray]:
    """A slow pan over the astronaut: every frame differs, as in real footage."""
    source = cv2.resize(data.astronaut(), (width + 2 * count, height + count), interpolation=cv2.INTER_AREA)
    return [np.ascontiguousarray(source[i // 2 : i // 2 + height, 2 * i : 2 * i + width]) for i in range(count)]


def sine(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def decode_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def stream_facts(path: Path) -> dict:
    """Frame count, rate, timestamps (s, from the first frame), duration, where the sound
    starts against the picture, and the audio packets' bytes and decoded samples.
    (Timestamps are compared from the first frame: Matroska cannot store the negative
    start of AAC's priming samples, so its muxer shifts picture and sound together.)"""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]
        rate = stream.average_rate
    audio_packets, samples, audio_start = [], [], None
    with av.open(str(path)) as container:
        if container.streams.audio:
            audio = container.streams.audio[0]
            for packet in container.demux(audio):
                if packet.size:
                    if audio_start is None:
                        audio_start = float(packet.pts * packet.time_base)
                    audio_packets.append(bytes(packet))
                    samples.extend(frame.to_ndarray() for frame in packet.decode())
    return {
        "frames": len(times), "rate": rate, "times": [t - times[0] for t in times],
        "duration": times[-1] - times[0] + 1 / float(rate) if times else 0.0,
        "sound_lead": None if audio_start is None or not times else times[0] - audio_start,
        "audio_packets": audio_packets,
        "samples": np.concatenate(samples, axis=1) if samples else None,
    }


def make_clips(folder: Path) -> dict:
    """Three 12-frame clips with a sine tone: ``clean`` and ``damaged`` (FFV1, .mkv) and
    ``mp4`` (the damaged frames, H.264 + AAC), with their frames."""
    clean = clean_frames()
    degrader = VideoDegrader(PRESETS["light"], seed=1, fps=FPS)
    damaged = [degrader.frame(frame, index) for index, frame in enumerate(clean)]
    paths = {
        "clean": write_frames(folder / "clean.mkv", clean, FPS, codec="ffv1", audio=sine(FRAMES / FPS)),
        "damaged": write_frames(folder / "damaged.mkv", damaged, FPS, codec="ffv1", audio=sine(FRAMES / FPS)),
        "mp4": write_frames(folder / "capture.mp4", damaged, FPS, codec="h264", audio=sine(FRAMES / FPS)),
    }
    return {"folder": folder, "clean_frames": clean, "damaged_frames": damaged, **paths}


def write_frames(
    path: str | os.PathLike,
    frames,
    frame_rate: Fraction | int = 25,
    *,
    codec: str = "h264",
    audio: np.ndarray | None = None,
    sample_rate: int = 48000,
    top_field_first: bool | None = None,
    keyframe_every: int | None = None,
) -> Path:
    """Write uint8 RGB frames (any iterable, consumed one at a time) as a video file, with
    an optional audio track: ``audio`` int16 samples, shape ``(samples,)`` or
    ``(samples, channels)``, stored as FLAC (lossless; MP4 gets AAC). ``top_field_first``
    flags the video interlaced with that field order; ``keyframe_every`` sets the encoder's
    GOP length (H.264: B-frames between, so decoding order differs from display order)."""
    path = Path(path)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("no frames to write")
    height, width = first.shape[:2]
    output = OutputFormat.for_file(path, codec, width, height, frame_rate, top_field_first=top_field_first)
    writer = VideoWriter(path, output)
    if keyframe_every:
        writer.stream.options = {**writer.stream.options, "g": str(keyframe_every), "keyint_min": str(keyframe_every)}
    try:
        sound = None if audio is None else _Sound(writer.container, audio, sample_rate, output.container_format)
        for index, rgb in enumerate(itertools.chain([first], frames)):
            writer.write(np.ascontiguousarray(rgb), index)
            if sound is not None:  # the sound up to the current video time, so the muxer never holds much
                sound.write(until=math.ceil((index + 1) / output.frame_rate * sample_rate))
        writer.flush()
        if sound is not None:
            sound.finish()
        writer.close()
    except BaseException:
        writer.abandon()
        raise
    return path


class _Sound:
    """An audio track encoded from int16 samples into an output container."""

    def __init__(self, container, audio: np.ndarray, sample_rate: int, muxer: str):
        samples = np.asarray(audio, dtype=np.int16)
        self.samples = samples[:, None] if samples.ndim == 1 else samples
        self.layout = _LAYOUTS[self.samples.shape[1]]
        self.rate = sample_rate
        self.container = container
        self.stream = container.add_stream("aac" if muxer == "mp4" else "flac", rate=sample_rate, layout=self.layout)
        self.written = 0

    def write(self, until: int) -> None:
        """Encode the samples up to number ``until``."""
        while self.written < min(until, self.samples.shape[0]):
            block = self.samples[self.written : min(self.written + _BLOCK, self.samples.shape[0])]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block).reshape(1, -1), format="s16", layout=self.layout)
            frame.sample_rate = self.rate
            frame.pts = self.written
            frame.time_base = Fraction(1, self.rate)
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
            self.written += block.shape[0]

    def finish(self) -> None:
        """Encode the rest and flush the encoder."""
        self.write(self.samples.shape[0])
        for packet in self.stream.encode(None):
            self.container.mux(packet)
