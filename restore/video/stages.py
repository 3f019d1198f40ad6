"""The three stages in step, so decoding and encoding overlap the model: a reader thread
(demux, decode, RGB), the calling thread (the model: the only stage that runs user
code, and where Ctrl-C arrives) and a writer thread (encode, mux, audio). Small bounded
queues between them keep the frames in flight to a handful, whatever the clip's length.
An error in a stage stops the others and is raised in the calling thread; on any exit
the writer first writes what has been restored, so an interrupted file keeps every
finished frame. Closing a file holds off Ctrl-C (`sigint_deferred`), so that a file is
never left without its index.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from restore.video.reader import AudioPacket, Decoded
from restore.video.writer import output_error

_END = object()  # end of a stage's stream
_QUEUE_FRAMES = 3  # frames waiting between two stages: enough to keep each stage busy


class _Failure:
    """An exception raised in the reader thread, on its way to the model thread."""

    def __init__(self, error: BaseException):
        self.error = error


def _put(channel: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first; False when it was not put."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class Stages:
    """One run of the three stages. ``read(stop)`` yields `Decoded` frames and
    `AudioPacket`s (reader thread; it should end soon once ``stop`` is set); ``write(item)``
    takes what the model stage passes on (writer thread): audio packets as they came,
    and for each frame what ``model(frames)`` returned for it. ``frames_per_call``: how
    many decoded frames the model stage takes at once."""

    def __init__(self, read: Callable[[threading.Event], Iterable[Decoded | AudioPacket]], write: Callable[[Any], None],
                 frames_per_call: int = 1):
        self.read = read
        self.write = write
        self.frames_per_call = frames_per_call
        # Room for the frames of the next call and the audio packets between them (AAC
        # has about two per PAL frame), so calls of several frames do form.
        self.decoded: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES + 3 * (frames_per_call - 1))
        self.restored: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self.stop = threading.Event()
        self.writer_failure: BaseException | None = None

    def run(self, model: Callable[[list[Decoded]], list[Any]], frame_done: Callable[[], bool]) -> None:
        """Run ``model`` here on the decoded frames, up to ``frames_per_call`` at a time
        (those already waiting: it never waits for a second one), until the input ends, a
        stage fails or ``frame_done()`` (called once a frame is handed to the writer)
        returns True. ``model(frames)`` returns one item for the writer per frame."""
        reader = threading.Thread(target=self._read_all, name="video-reader", daemon=True)
        writer = threading.Thread(target=self._write_all, name="video-writer", daemon=True)
        reader.start()
        writer.start()
        try:
            self._model_loop(model, frame_done)
        finally:
            late_interrupt = self._wind_down(reader, writer)
        if self.writer_failure is not None:
            raise self.writer_failure
        if late_interrupt:
            raise KeyboardInterrupt

    def _model_loop(self, model: Callable[[list[Decoded]], list[Any]], frame_done: Callable[[], bool]) -> None:
        while True:
            items, after = self._next_items(self.frames_per_call)
            frames = [item for item in items if not isinstance(item, AudioPacket)]
            results = iter(model(frames) if frames else [])
            # Audio packets go to the writer where they came, between the frames.
            for item in items:
                if not _put(self.restored, item if isinstance(item, AudioPacket) else next(results), self.stop):
                    return  # the writer failed: its error is raised by `run`
                if not isinstance(item, AudioPacket) and frame_done():
                    return
            if isinstance(after, _Failure):
                raise after.error  # the frames decoded before it are written first
            if after is _END:
                return

    def _next_items(self, frames: int) -> tuple[list, object]:
        """The reader's next items up to and including the ``frames``-th frame, without
        waiting once there is one; then `_END` or a `_Failure` if one came right after
        them (else None)."""
        items: list = []
        count = 0
        while count < frames:
            item = self._next_decoded() if count == 0 else self._waiting()
            if item is None:
                break
            if item is _END or isinstance(item, _Failure):
                return items, item
            items.append(item)
            count += not isinstance(item, AudioPacket)
        return items, None

    def _next_decoded(self):
        """The reader's next item, waiting for it; `_END` when the writer has failed."""
        while True:
            try:
                return self.decoded.get(timeout=0.1)
            except queue.Empty:
                if self.writer_failure is not None:
                    return _END

    def _waiting(self):
        """The reader's next item if one is waiting, else None."""
        try:
            return self.decoded.get_nowait()
        except queue.Empty:
            return None

    def _wind_down(self, reader: threading.Thread, writer: threading.Thread) -> bool:
        """Stop the reader, let the writer drain its queue, wait for both; True when Ctrl-C
        came meanwhile (it waits: closing the file under a running writer could crash FFmpeg)."""
        with sigint_deferred() as late_interrupt:
            self.stop.set()  # the reader stops at its next packet
            while writer.is_alive():  # the writer drains the queue, then ends
                try:
                    self.restored.put(_END, timeout=0.1)
                    break
                except queue.Full:
                    continue
            writer.join()
            reader.join()
        return bool(late_interrupt)

    def _read_all(self) -> None:
        try:
            for item in self.read(self.stop):
                if not _put(self.decoded, item, self.stop):
                    return
            _put(self.decoded, _END, self.stop)
        except BaseException as error:  # noqa: BLE001 - handed to the model thread, which raises it
            _put(self.decoded, _Failure(error), self.stop)

    def _write_all(self) -> None:
        try:
            while (item := self.restored.get()) is not _END:
                self.write(item)
        except BaseException as error:  # noqa: BLE001 - raised by `run` once the other stages have stopped
            self.writer_failure = output_error(error)
            self.stop.set()


@contextlib.contextmanager
def sigint_deferred():
    """Hold off Ctrl-C while the output is being closed (main thread only; elsewhere a
    no-op). Yields a list that is non-empty afterwards when Ctrl-C was pressed meanwhile."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
