"""Real, tiny media made by real encoders (FFmpeg through PyAV, which aiortc already brings, and
the wave module): what the scanner must recognise wherever it is planted. Test code only."""

import io
import wave
from fractions import Fraction
from functools import cache

import av

SIZE = 16  # pixels: small and quick, yet a real picture


def _picture(pix_fmt: str) -> av.VideoFrame:
    frame = av.VideoFrame(SIZE, SIZE, "yuv420p")
    for number, plane in enumerate(frame.planes):
        plane.update(bytes([90 + 40 * number]) * plane.buffer_size)
    frame = frame.reformat(format=pix_fmt)
    frame.pts = 0
    return frame


def _encoded_picture(codec: str, pix_fmt: str) -> bytes:
    context = av.CodecContext.create(codec, "w")
    context.width = context.height = SIZE
    context.pix_fmt = pix_fmt
    context.time_base = Fraction(1, 30)
    packets = context.encode(_picture(pix_fmt)) + context.encode(None)
    return bytes(packets[0])


def _container(format_name: str, codec: str) -> bytes:
    """A few frames (or 60 ms of sound) muxed into a real container file."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=format_name) as container:
        if codec == "libopus":
            stream = container.add_stream(codec, rate=48000, layout="mono")
            for number in range(3):
                frame = av.AudioFrame(format="s16", layout="mono", samples=960)
                frame.planes[0].update(bytes(frame.planes[0].buffer_size))
                frame.sample_rate, frame.pts = 48000, number * 960
                container.mux(stream.encode(frame))
        else:
            stream = container.add_stream(codec, rate=30)
            stream.width = stream.height = SIZE
            stream.pix_fmt = "yuv420p"
            for number in range(3):
                frame = _picture("yuv420p")
                frame.pts = number
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(bytes(160))
    return buffer.getvalue()


# name -> (MIME type, what the scanner must report for it: the file and what it holds)
KINDS: dict[str, tuple[str, set[str]]] = {
    "jpeg": ("image/jpeg", {"JPEG image"}),
    "png": ("image/png", {"PNG image"}),
    "gif": ("image/gif", {"GIF image"}),
    "bmp": ("image/bmp", {"BMP image"}),
    "webp": ("image/webp", {"WebP image", "VP8 key frame"}),
    "vp8": ("video/vp8", {"VP8 key frame"}),
    "ivf": ("video/x-ivf", {"IVF video", "VP8 key frame"}),
    "webm": ("video/webm", {"WebM/Matroska video", "VP8 key frame"}),
    "mp4": ("video/mp4", {"MP4/ISO media"}),
    "ogg": ("audio/ogg", {"Ogg page", "Opus audio header"}),
    "wav": ("audio/wav", {"WAV audio"}),
}


@cache
def sample(name: str) -> bytes:
    """The bytes of one real media file (or a bare VP8 key frame, as a decoder is fed it)."""
    makers = {
        "jpeg": lambda: _encoded_picture("mjpeg", "yuvj420p"),
        "png": lambda: _encoded_picture("png", "rgb24"),
        "gif": lambda: _encoded_picture("gif", "rgb8"),
        "bmp": lambda: _encoded_picture("bmp", "bgr24"),
        "webp": lambda: _encoded_picture("libwebp", "yuv420p"),
        "vp8": lambda: _encoded_picture("libvpx", "yuv420p"),
        "ivf": lambda: _container("ivf", "libvpx"),
        "webm": lambda: _container("webm", "libvpx"),
        "mp4": lambda: _container("mp4", "mpeg4"),
        "ogg": lambda: _container("ogg", "libopus"),
        "wav": _wav,
    }
    return makers[name]()


def vp8_rtp_payloads() -> list[bytes]:
    """A key frame as aiortc's own VP8 encoder packetises it for RTP (payload descriptor first)."""
    from aiortc.codecs.vpx import Vp8Encoder

    frame = av.VideoFrame(320, 240, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([128]) * plane.buffer_size)
    frame.pts, frame.time_base = 0, Fraction(1, 90000)
    payloads, _timestamp = Vp8Encoder().encode(frame, force_keyframe=True)
    return payloads
