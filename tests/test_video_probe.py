"""Opening and naming video files (restore/video/probe.py, formats.py): unusable inputs
(truncated, text, empty, audio only, a still image, a dangling link) are clear
`VideoError`s, a Matroska clip whose video starts late counts its frames right, and the
output container follows the codec and the sound."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import pytest
from video_helpers import FRAMES, SAMPLE_RATE, clean_frames, make_clips, sine

from restore import video


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    return make_clips(tmp_path_factory.mktemp("clips"))


def remux(source: Path, target: Path) -> Path:
    """Copy every stream of ``source`` into ``target`` (another container), as ``ffmpeg -c copy``."""
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        streams = {stream.index: out.add_stream_from_template(stream) for stream in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return target


@pytest.mark.parametrize("damage", ["truncated", "text", "empty", "audio only"])
def test_unusable_inputs_give_a_clear_error(clips, tmp_path, damage):
    path = tmp_path / "input.mp4"
    if damage == "truncated":
        whole = clips["mp4"].read_bytes()
        path.write_bytes(whole[: len(whole) * 2 // 3])
    elif damage == "text":
        path.write_text("not a video\n")
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path = tmp_path / "input.mkv"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
            frame = av.AudioFrame.from_ndarray(sine(0.1)[None], format="s16", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
    with pytest.raises(video.VideoError) as caught:
        video.restore_video(path, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)
    assert str(caught.value).startswith(f"{path}: ")
    assert {"truncated": "truncated", "text": "not a video", "empty": "empty",
            "audio only": "no video stream"}[damage] in caught.value.reason
    assert not list((tmp_path).glob("out*")) and not list(tmp_path.glob(".out*"))


def test_output_container_rules():
    assert video.output_suffix("capture.avi") == ".mkv"
    assert video.output_suffix("capture.mp4") == ".mkv"  # FFV1 lives in Matroska
    assert video.output_suffix("capture.mp4", "h264", ["aac"]) == ".mp4"
    assert video.output_suffix("capture.mov", "h264", ["dvaudio"]) == ".mov"
    assert video.output_suffix("capture.mp4", "h264", ["dvaudio"]) == ".mkv"  # MP4 cannot hold DV audio
    assert video.output_suffix("capture.avi", "h264", ["mp3"]) == ".mkv"
    assert video.partial_path_for(Path("out/capture.mkv")) == Path("out/capture.partial.mkv")
    assert video.is_video_path("A.MKV") and not video.is_video_path("a.png")


def test_a_matroska_clip_whose_video_starts_late_counts_its_frames_right(clips, tmp_path):
    # H.264 + AAC copied from MP4 into Matroska: the muxer shifts the picture by AAC's priming
    # delay (21 ms), and the track's DURATION tag is where it ends. The clip has 12 frames,
    # not round(12.5) = 13 (or 76 for a 75-frame clip, as the issue saw).
    mkv = remux(clips["mp4"], tmp_path / "capture.mkv")
    with av.open(str(mkv)) as container:
        assert container.streams.video[0].start_time > 0  # the set-up really starts late
    info = video.probe_video(mkv)
    assert info.frames == FRAMES and info.frames_certain
    whole = mkv.read_bytes()
    (tmp_path / "half.mkv").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(video.VideoError, match=rf"of {FRAMES} frames could be decoded"):
        video.restore_video(tmp_path / "half.mkv", tmp_path / "out.mkv", lambda rgb: rgb, progress=False)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_still_image_is_not_a_video(tmp_path, suffix):
    # FFmpeg opens a picture as a one-frame "video"; the app took a PNG as a 1-frame clip.
    path = tmp_path / f"frame{suffix}"
    cv2.imwrite(str(path), clean_frames(1)[0][:, :, ::-1])
    with pytest.raises(video.VideoError, match=r"is a still image, not a video; restore it as an image"):
        video.probe_video(path)
    with pytest.raises(video.VideoError, match="still image"):
        video.restore_video(path, tmp_path / "out.mkv", lambda rgb: rgb, progress=False)
