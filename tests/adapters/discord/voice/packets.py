"""Real Discord voice packets for the receive path tests: Opus, DAVE, rtpsize, RTP."""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field

import davey

from adapters.discord.voice.rtp import ONE_BYTE_EXTENSION_PROFILE, OPUS_PAYLOAD_TYPE
from adapters.discord.voice.transport import encrypt_rtpsize
from bot.audio import FRAME_BYTES, OpusEncoder

SAMPLES_PER_FRAME = 960


def tone_frames(count: int, frequency: float = 440.0) -> list[bytes]:
    """Return `count` 20 ms frames of a 48 kHz stereo s16le sine tone."""
    frames = []
    for index in range(count):
        samples: list[int] = []
        for n in range(FRAME_BYTES // 4):
            t = (index * SAMPLES_PER_FRAME + n) / 48000
            value = int(8000 * math.sin(2 * math.pi * frequency * t))
            samples.extend((value, value))
        frames.append(struct.pack(f"<{len(samples)}h", *samples))
    return frames


def opus_packets(count: int) -> list[bytes]:
    """Encode `count` frames of tone with the project's Opus encoder."""
    encoder = OpusEncoder()
    return [encoder.encode(frame) for frame in tone_frames(count)]


def rtp_header(
    sequence: int,
    timestamp: int,
    ssrc: int,
    *,
    payload_type: int = OPUS_PAYLOAD_TYPE,
    csrcs: tuple[int, ...] = (),
    extension_words: int | None = None,
    padding: bool = False,
    marker: bool = False,
) -> bytes:
    """Build a clear-text RTP header, ending with the extension preamble when requested."""
    first = 0x80 | len(csrcs)
    if padding:
        first |= 0x20
    if extension_words is not None:
        first |= 0x10
    second = payload_type | (0x80 if marker else 0)
    header = struct.pack(">BBHII", first, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
    header += b"".join(struct.pack(">I", csrc) for csrc in csrcs)
    if extension_words is not None:
        header += struct.pack(">HH", ONE_BYTE_EXTENSION_PROFILE, extension_words)
    return header


@dataclass
class Sender:
    """One participant sending Opus over RTP, DAVE-encrypted when it has a session."""

    ssrc: int
    secret_key: bytes
    dave_session: davey.DaveSession | None = None
    sequence: int = 0
    timestamp: int = 0
    nonce: int = 0
    extension_body: bytes | None = None
    padding: int = 0
    csrcs: tuple[int, ...] = ()
    sent: list[int] = field(default_factory=list)

    def packet(self, opus: bytes, *, encrypt_dave: bool = True) -> bytes:
        """Return the next RTP packet carrying `opus` and advance sequence and timestamp."""
        frame = opus
        if encrypt_dave and self.dave_session is not None:
            frame = self.dave_session.encrypt_opus(opus)
        words = None if self.extension_body is None else len(self.extension_body) // 4
        header = rtp_header(
            self.sequence,
            self.timestamp,
            self.ssrc,
            csrcs=self.csrcs,
            extension_words=words,
            padding=self.padding > 0,
        )
        plaintext = (self.extension_body or b"") + frame
        if self.padding:
            plaintext += bytes(self.padding - 1) + bytes([self.padding])
        packet = encrypt_rtpsize(header, plaintext, self.secret_key, self.nonce)
        self.sent.append(self.sequence)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + SAMPLES_PER_FRAME) & 0xFFFFFFFF
        self.nonce += 1
        return packet


def new_secret_key() -> bytes:
    """Return a random 32-byte transport key, as SESSION_DESCRIPTION provides."""
    return os.urandom(32)
