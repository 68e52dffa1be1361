"""Opus packets to PCM and back for Discord voice, through PyAV's libopus.

Discord carries one Opus packet per 20 ms of 48 kHz stereo audio. Both
classes work on that frame: 960 samples per channel, s16le interleaved,
3840 bytes.
"""

from __future__ import annotations

import logging

import av
from av.audio.codeccontext import AudioCodecContext
from av.audio.frame import AudioFrame

from bot.audio._errors import OpusError
from bot.audio._ratelimit import RateLimitedLog

logger = logging.getLogger(__name__)

SAMPLE_RATE = 48000
CHANNELS = 2
FRAME_SAMPLES = 960
"""Samples per channel in one 20 ms frame at 48 kHz."""
FRAME_BYTES = FRAME_SAMPLES * CHANNELS * 2
"""Bytes in one 20 ms frame of 48 kHz stereo s16le (3840)."""
SILENCE_FRAME = bytes(FRAME_BYTES)

_BYTES_PER_SAMPLE = CHANNELS * 2
# Table of contents byte for a CELT fullband 20 ms packet holding one frame
# (RFC 6716 section 3.1, configuration 31, code 0). Bit 0x04 marks stereo.
_TOC_20_MS = 0xF8
_TOC_STEREO = 0x04


class OpusDecoder:
    """Decode Discord's Opus packets to 48 kHz stereo s16le PCM.

    One decoder per speaker, because libopus keeps state between packets.
    """

    def __init__(self) -> None:
        self._context = _open_decoder()
        self._stereo_bit: int | None = None
        self._errors = RateLimitedLog(logger, "Invalid Opus packets rejected")

    @property
    def error_count(self) -> int:
        """Number of packets rejected as malformed since the decoder was made."""
        return self._errors.total

    def decode(self, packet: bytes) -> bytes:
        """Decode one Opus packet, normally to one 3840-byte frame.

        Raises:
            OpusError: the packet is empty or libopus rejects it. The decoder
                stays usable for the next packet.
        """
        if not packet:
            error = OpusError("invalid Opus packet: empty")
            self._errors.record(error)
            raise error
        try:
            frames = self._context.decode(av.Packet(packet))
        except av.FFmpegError as exc:
            error = OpusError(f"invalid Opus packet ({len(packet)} bytes): {exc}")
            self._errors.record(error)
            raise error from exc
        self._stereo_bit = packet[0] & _TOC_STEREO
        return _frames_to_pcm(frames)

    def conceal(self) -> bytes:
        """Return one 20 ms frame that replaces a lost packet.

        NOTE: this is libopus packet-loss concealment. FFmpeg treats an empty
        packet as end of stream, so the decoder is given a packet that holds
        only a table of contents byte (20 ms, no frame data), which libopus
        decodes as a lost frame in the mode of the previous packet. Before the
        first packet there is nothing to extend, so the result is silence.
        """
        if self._stereo_bit is None:
            return SILENCE_FRAME
        toc = bytes([_TOC_20_MS | self._stereo_bit])
        try:
            frames = self._context.decode(av.Packet(toc))
        except av.FFmpegError as exc:
            self._errors.record(exc)
            return SILENCE_FRAME
        return _frames_to_pcm(frames) or SILENCE_FRAME

    def reset(self) -> None:
        """Forget the previous packets, as for a new speaker or a new stream."""
        self._context = _open_decoder()
        self._stereo_bit = None


class OpusEncoder:
    """Encode 20 ms frames of 48 kHz stereo s16le PCM to Opus packets.

    The encoder is set for music-grade audio (application ``audio``) at
    about 64 kb/s, the default bit rate of a Discord voice channel.
    """

    def __init__(self, bit_rate: int = 64000) -> None:
        context = av.CodecContext.create("libopus", "w")
        assert isinstance(context, AudioCodecContext)
        context.sample_rate = SAMPLE_RATE
        context.layout = "stereo"
        context.format = "s16"
        context.bit_rate = bit_rate
        context.options = {"application": "audio"}
        context.open()
        self._context = context
        self._frame = AudioFrame(format="s16", layout="stereo", samples=FRAME_SAMPLES)
        self._frame.sample_rate = SAMPLE_RATE
        self._pts = 0

    def encode(self, frame: bytes) -> bytes:
        """Encode one 3840-byte frame and return its Opus packet.

        Raises:
            ValueError: the frame is not exactly 3840 bytes.
        """
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"expected a {FRAME_BYTES}-byte frame, got {len(frame)} bytes")
        self._frame.planes[0].update(frame)
        self._frame.pts = self._pts
        self._pts += FRAME_SAMPLES
        packets = self._context.encode(self._frame)
        if len(packets) == 1:
            return bytes(packets[0])
        return b"".join(bytes(packet) for packet in packets)


def _open_decoder() -> AudioCodecContext:
    context = av.CodecContext.create("libopus", "r")
    assert isinstance(context, AudioCodecContext)
    context.sample_rate = SAMPLE_RATE
    context.layout = "stereo"
    context.open()
    return context


def _frames_to_pcm(frames: list[AudioFrame]) -> bytes:
    # FFmpeg's libopus decoder returns packed s16, so the first plane is the
    # interleaved PCM. Its buffer is sized for 120 ms, hence the slice.
    if len(frames) == 1:
        frame = frames[0]
        return bytes(memoryview(frame.planes[0])[: frame.samples * _BYTES_PER_SAMPLE])
    return b"".join(
        bytes(memoryview(frame.planes[0])[: frame.samples * _BYTES_PER_SAMPLE]) for frame in frames
    )
