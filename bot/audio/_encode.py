"""Encoding of the interviewer's reply as an Ogg Opus voice note."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import av
import numpy as np
from av.audio.stream import AudioStream

logger = logging.getLogger(__name__)

SUPPORTED_RATES = (16000, 24000, 48000)
"""Input sample rates accepted by ``encode_voice_note``."""
BIT_RATE = 32000
"""Target bit rate in bits per second: four minutes of speech stay under 1 MB."""


@dataclass(frozen=True)
class VoiceNote:
    """An encoded voice note ready to send."""

    data: bytes
    """Ogg Opus bytes: one mono stream."""
    duration: float
    """Length of the audio in seconds."""


def encode_voice_note(pcm: bytes, sample_rate: int) -> VoiceNote:
    """Encode mono s16le PCM as an Ogg Opus voice note.

    The stream is mono with the ``voip`` application at about 32 kb/s in
    constrained VBR. FFmpeg's Ogg muxer writes the encoder's delay as the
    OpusHead pre-skip and 48 kHz granule positions that end at the last real
    sample, so players, Telegram included, show the exact duration.

    Raises:
        ValueError: the rate is not 16, 24 or 48 kHz, or the PCM is empty or
            not whole 16-bit samples.
    """
    if sample_rate not in SUPPORTED_RATES:
        raise ValueError(
            f"unsupported sample rate {sample_rate} Hz: expected one of {SUPPORTED_RATES}"
        )
    if not pcm or len(pcm) % 2:
        raise ValueError(
            f"expected a non-empty whole number of s16le samples, got {len(pcm)} bytes"
        )
    samples = np.frombuffer(pcm, dtype=np.int16).reshape(1, -1)
    output = io.BytesIO()
    with av.open(output, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=sample_rate, layout="mono")
        assert isinstance(stream, AudioStream)
        stream.codec_context.bit_rate = BIT_RATE
        stream.codec_context.options = {"application": "voip", "vbr": "constrained"}
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    data = output.getvalue()
    duration = samples.shape[1] / sample_rate
    logger.debug("Encoded a %.2f s voice note into %d bytes", duration, len(data))
    return VoiceNote(data=data, duration=duration)
