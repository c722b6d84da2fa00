import asyncio
import fractions
import time

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

# A relayed video frame is one object shared by everyone it is sent to (the other participant and
# a monitor): it is stamped once, by whoever gets it first, on a clock all tracks share, so no
# encoder sees its time go backwards (libvpx refuses that and the sender stops). Its time base,
# in microseconds, unlike the 1/90000 of decoded frames, marks it as stamped.
_STARTED = time.monotonic()
STAMP_TIME_BASE = fractions.Fraction(1, 1_000_000)


def _copy(frame: av.AudioFrame) -> av.AudioFrame:
    copy = av.AudioFrame(format=frame.format.name, layout=frame.layout.name, samples=frame.samples)
    copy.sample_rate = frame.sample_rate
    for source, target in zip(frame.planes, copy.planes, strict=True):
        target.update(bytes(source)[: target.buffer_size])
    return copy


class SwitchableTrack(MediaStreamTrack):
    """What one participant is sent of another: nothing until a source is set, then its frames.

    The source changes without renegotiation when the other side reconnects or is admitted.
    Frames are re-stamped so the timestamps stay monotonic across a change of source.
    """

    def __init__(self, kind: str, *, copy_audio: bool = False) -> None:
        super().__init__()
        self.kind = kind
        # A monitor's audio works on its own copy of each frame: the participant's track re-stamps
        # the shared one with its own sample count (frames are small; video is stamped once instead).
        self._copy_audio = copy_audio
        self._source: MediaStreamTrack | None = None
        # The other participant's incoming track the current source relays (None when idle).
        self.origin: MediaStreamTrack | None = None
        self._changed = asyncio.Event()
        self._audio_pts = 0
        self._video_pts = -1

    @property
    def source(self) -> MediaStreamTrack | None:
        return self._source

    def switch(self, source: MediaStreamTrack | None, *, origin: MediaStreamTrack | None = None) -> None:
        previous, self._source, self.origin = self._source, source, origin
        if previous is not None and previous is not source:
            previous.stop()
        self._changed.set()

    async def recv(self):
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            self._changed.clear()
            if source is None or source.readyState != "live":
                await self._changed.wait()
                continue
            frame_task = asyncio.ensure_future(source.recv())
            changed_task = asyncio.ensure_future(self._changed.wait())
            done, _pending = await asyncio.wait({frame_task, changed_task}, return_when=asyncio.FIRST_COMPLETED)
            changed_task.cancel()
            if frame_task not in done:
                frame_task.cancel()
                continue
            try:
                frame = frame_task.result()
            except MediaStreamError:
                if self._source is source:
                    self._source, self.origin = None, None
                continue
            if self.kind == "audio":
                return self._restamp_audio(_copy(frame) if self._copy_audio else frame)
            if self._stamp_video(frame) > self._video_pts:
                self._video_pts = frame.pts
                return frame
            # Stamped no later than the frame sent before (two arrived within a tick): skip it.

    def _restamp_audio(self, frame):
        frame.pts = self._audio_pts
        frame.time_base = fractions.Fraction(1, frame.sample_rate)
        self._audio_pts += frame.samples
        return frame

    @staticmethod
    def _stamp_video(frame) -> int:
        if frame.time_base != STAMP_TIME_BASE:
            frame.pts = int((time.monotonic() - _STARTED) * 1_000_000)
            frame.time_base = STAMP_TIME_BASE
        return frame.pts

    def stop(self) -> None:
        self.switch(None)
        super().stop()
