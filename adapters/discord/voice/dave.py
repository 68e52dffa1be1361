"""DAVE end-to-end decryption of received Opus frames, with davey 0.1.7.

The connection's `davey.DaveSession` is read through a callable on every frame,
because discord.py re-initialises it on re-keys and protocol transitions.
A frame that fails DAVE decryption is reported as lost, never returned as
audio: ciphertext handed to an Opus decoder decodes to noise or raises.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

import davey

from adapters.discord.voice.health import RateLimitedLog, ReceiveHealth

_log = logging.getLogger(__name__)

# Every DAVE frame ends with this magic marker (DAVE protocol, "Frame format").
DAVE_MAGIC_MARKER = b"\xfa\xfa"
OPUS_SILENCE_FRAME = b"\xf8\xff\xfe"
_MAX_OPUS_FRAME_BYTES = 1275
# Opus frame durations in units of 2.5 ms, indexed by TOC configuration (RFC 6716 section 3.1).
_FRAME_UNITS = (4, 8, 16, 24) * 3 + (4, 8) * 2 + (1, 2, 4, 8) * 4
_MAX_PACKET_UNITS = 48

# davey raises ValueError for every failure; the error kind is in the message.
DAVEY_FAILURE_KINDS = (
    "UnencryptedWhenPassthroughDisabled",
    "NoValidCryptorFound",
    "NoDecryptorForUser",
)

DaveSessionProvider = Callable[[], "davey.DaveSession | None"]


class DaveOutcome(enum.Enum):
    """The result kind of DAVE decryption for one frame."""

    AUDIO = "audio"
    NOT_READY = "not_ready"
    FAILED = "failed"


def is_valid_opus_packet(packet: bytes) -> bool:
    """Check an Opus packet's framing against RFC 6716 section 3.4 (rules R1 to R7)."""
    if not packet:
        return False
    toc = packet[0]
    code = toc & 0x03
    body = len(packet) - 1
    if code == 0:
        return body <= _MAX_OPUS_FRAME_BYTES
    if code == 1:
        return body % 2 == 0 and body // 2 <= _MAX_OPUS_FRAME_BYTES
    if code == 2:
        return _is_valid_code2(packet)
    if body < 1:
        return False
    count = packet[1] & 0x3F
    return count >= 1 and count * _FRAME_UNITS[toc >> 3] <= _MAX_PACKET_UNITS


def _is_valid_code2(packet: bytes) -> bool:
    if len(packet) < 2:
        return False
    first = packet[1]
    size_bytes = 1
    if first >= 252:
        if len(packet) < 3:
            return False
        first += 4 * packet[2]
        size_bytes = 2
    remaining = len(packet) - 1 - size_bytes - first
    return first <= _MAX_OPUS_FRAME_BYTES and 0 <= remaining <= _MAX_OPUS_FRAME_BYTES


def failure_kind(error: ValueError) -> str:
    """Name the davey failure behind `error`, or "other"."""
    text = str(error)
    for kind in DAVEY_FAILURE_KINDS:
        if kind in text:
            return kind
    return "other"


class DaveDecryptor:
    """DAVE-decrypts Opus frames of one connection, counting and logging failures."""

    def __init__(self, session_provider: DaveSessionProvider, health: ReceiveHealth) -> None:
        self._session_provider = session_provider
        self._health = health
        self._failures = RateLimitedLog(_log)

    def decrypt(self, user_id: int, frame: bytes) -> tuple[DaveOutcome, bytes]:
        """Return the Opus frame of `user_id` inside `frame`, or why there is none.

        NOT_READY means the frame is DAVE-encrypted but this side cannot decrypt it
        yet (no group, or the sender's decryptor is not set up): a caller may
        retry it shortly. FAILED means the frame is to be concealed as lost.
        """
        session = self._session_provider()
        if session is None or not session.ready:
            return self._without_session(frame)
        self._health.dave_decrypts += 1
        try:
            opus = session.decrypt(user_id, davey.MediaType.audio, frame)
        except ValueError as error:
            kind = failure_kind(error)
            if kind == "NoDecryptorForUser":
                return DaveOutcome.NOT_READY, b""
            self._fail(kind, user_id)
            return DaveOutcome.FAILED, b""
        if opus is frame or opus == frame:
            # Passed through unencrypted (Opus silence, or passthrough mode during a
            # protocol transition): use it only if it is valid Opus.
            return self._plaintext(frame)
        return DaveOutcome.AUDIO, opus

    def give_up(self, user_id: int) -> None:
        """Count a frame held as NOT_READY that never became decryptable."""
        self._fail("not_ready", user_id)

    def _without_session(self, frame: bytes) -> tuple[DaveOutcome, bytes]:
        if frame.endswith(DAVE_MAGIC_MARKER) and frame != OPUS_SILENCE_FRAME:
            return DaveOutcome.NOT_READY, b""
        return self._plaintext(frame)

    def _plaintext(self, frame: bytes) -> tuple[DaveOutcome, bytes]:
        if is_valid_opus_packet(frame):
            return DaveOutcome.AUDIO, frame
        self._fail("invalid_plaintext_opus", None)
        return DaveOutcome.FAILED, b""

    def _fail(self, kind: str, user_id: int | None) -> None:
        self._health.decrypt_failed(kind)
        self._failures.warning(kind, "DAVE decryption failed for user %s: %s", user_id, kind)
