import asyncio
import fractions
import time

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

VIDEO_CLOCK = 90_000
# One clock for every track: a relayed frame is one object shared by all who receive it (the other
# participant and a monitor), and each re-stamps it; on a shared clock the stamps agree closely
# enough that no encoder ever sees time go backwards, which libvpx refuses.
_STARTED = time.monotonic()


class SwitchableTrack(MediaStreamTrack):
    """What one participant is sent of another: nothing until a source is set, then its frames.

    The source changes without renegotiation when the other side reconnects or is admitted.
    Frames are re-stamped so the timestamps stay monotonic across a change of source.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._source: MediaStreamTrack | None = None
        # The other participant's incoming track the current source relays (None when idle).
        self.origin: MediaStreamTrack | None = None
        self._changed = asyncio.Event()
        self._audio_pts = 0

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
            return self._restamp(frame)

    def _restamp(self, frame):
        if self.kind == "audio":
            frame.pts = self._audio_pts
            frame.time_base = fractions.Fraction(1, frame.sample_rate)
            self._audio_pts += frame.samples
        else:
            frame.pts = int((time.monotonic() - _STARTED) * VIDEO_CLOCK)
            frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame

    def stop(self) -> None:
        self.switch(None)
        super().stop()
