"""The per-packet receive pipeline, run on discord.py's socket reader thread.

    filter (RTCP, payload type, SSRC) -> transport decrypt -> DAVE decrypt
    -> jitter buffer -> Opus decode or conceal -> CandidateStream (16 kHz mono)
    -> sink on the event loop

Filtering happens before any cryptography, so a spectator's packets cost a
header peek and nothing else. Packets from an SSRC that no op has announced yet
are held for `hold_seconds` and replayed when SPEAKING maps the SSRC to the
candidate. DAVE frames that cannot be decrypted yet (right after connecting,
before this side's MLS group includes the candidate) are held the same way, so
the first words of the candidate are not lost to a handshake race.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from adapters.discord.voice.dave import DaveDecryptor, DaveOutcome, DaveSessionProvider
from adapters.discord.voice.health import RateLimitedLog, ReceiveHealth
from adapters.discord.voice.jitter import JitterBuffer, JitterFrame
from adapters.discord.voice.rtp import (
    OPUS_PAYLOAD_TYPE,
    RtpError,
    RtpHeader,
    is_rtcp,
    parse_rtp_header,
    peek_payload_type_and_ssrc,
)
from adapters.discord.voice.ssrc import SsrcMap
from adapters.discord.voice.transport import TransportDecryptError, decrypt_rtpsize

_log = logging.getLogger(__name__)

DEFAULT_HOLD_SECONDS = 0.2
_HELD_PACKETS_MAX = 16

AudioSink = Callable[[bytes], Any]
SecretKeyProvider = Callable[[], "bytes | None"]


class OpusDecoderLike(Protocol):
    def decode(self, packet: bytes) -> bytes: ...
    def conceal(self) -> bytes: ...


class CandidateStreamLike(Protocol):
    def process(self, frame: bytes) -> bytes: ...


def _default_decoder() -> OpusDecoderLike:
    from bot.audio import OpusDecoder

    return OpusDecoder()


def _default_stream() -> CandidateStreamLike:
    from bot.audio import CandidateStream

    return CandidateStream()


class CandidateReceiver:
    """Turns the candidate's RTP packets into 16 kHz mono PCM chunks for a sink.

    `on_packet` is the socket listener. `set_candidate`, `set_sink` and
    `release_held` may be called from the event loop; a lock serialises them
    with the reader thread.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        ssrc_map: SsrcMap,
        secret_key: SecretKeyProvider,
        dave_session: DaveSessionProvider,
        *,
        health: ReceiveHealth | None = None,
        decoder_factory: Callable[[], OpusDecoderLike] = _default_decoder,
        stream_factory: Callable[[], CandidateStreamLike] = _default_stream,
        hold_seconds: float = DEFAULT_HOLD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.health = health or ReceiveHealth()
        self._loop = loop
        self._ssrc_map = ssrc_map
        self._secret_key = secret_key
        self._dave = DaveDecryptor(dave_session, self.health)
        self._decoder_factory = decoder_factory
        self._stream_factory = stream_factory
        self._hold_seconds = hold_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._errors = RateLimitedLog(_log)
        self._candidate_id: int | None = None
        self._sink: AudioSink | None = None
        self._unmapped: deque[tuple[float, bytes]] = deque()
        self._undecryptable: deque[tuple[float, RtpHeader, bytes]] = deque()
        self._stream_ssrc: int | None = None
        self._jitter = JitterBuffer()
        self._decoder: OpusDecoderLike | None = None
        self._stream: CandidateStreamLike | None = None

    @property
    def candidate_id(self) -> int | None:
        """The user id whose audio reaches the sink, or None to drop everything."""
        return self._candidate_id

    def set_candidate(self, user_id: int | None) -> None:
        """Listen to `user_id` only, from the next packet on; None stops listening."""
        with self._lock:
            if user_id == self._candidate_id:
                return
            self._candidate_id = user_id
            self._reset_stream(None)
            self._stream = None
            self._undecryptable.clear()
        _log.info("Voice receive candidate set to user %s", user_id)

    def set_sink(self, sink: AudioSink | None) -> None:
        """Send each 16 kHz mono s16le chunk to `sink`, called on the event loop."""
        self._sink = sink

    def reset(self) -> None:
        """Drop held packets and codec state, as after a new voice connection."""
        with self._lock:
            self._unmapped.clear()
            self._undecryptable.clear()
            self._reset_stream(None)

    def on_packet(self, packet: bytes) -> None:
        """Handle one UDP datagram from the socket reader thread; never raises."""
        try:
            with self._lock:
                self._handle(packet)
        except Exception:
            self.health.drop("internal_error")
            self._errors.warning("internal", "Voice receive pipeline failed on a packet")
            _log.debug("Voice receive pipeline error", exc_info=True)

    def release_held(self) -> None:
        """Replay or drop held packets whose SSRC an op has just mapped; never raises."""
        try:
            with self._lock:
                self._release_unmapped()
        except Exception:
            self._errors.warning("internal", "Voice receive pipeline failed on held packets")
            _log.debug("Voice receive pipeline error", exc_info=True)

    def _handle(self, packet: bytes) -> None:
        self.health.packets_received += 1
        if is_rtcp(packet):
            self.health.drop("rtcp")
            return
        try:
            payload_type, ssrc = peek_payload_type_and_ssrc(packet)
        except RtpError:
            self.health.drop("malformed_rtp")
            return
        if payload_type != OPUS_PAYLOAD_TYPE:
            self.health.drop("payload_type")
            return
        if self._candidate_id is None:
            self.health.drop("no_candidate")
            return
        if self._unmapped:
            self._release_unmapped()
        owner = self._ssrc_map.user_for(ssrc)
        if owner is None:
            self._hold_unmapped(packet)
        elif owner != self._candidate_id:
            self.health.drop("not_candidate")
        else:
            self._process(packet, ssrc, owner)

    def _hold_unmapped(self, packet: bytes) -> None:
        if len(self._unmapped) >= _HELD_PACKETS_MAX:
            self._unmapped.popleft()
            self.health.drop("unknown_ssrc")
        self._unmapped.append((self._clock(), packet))

    def _release_unmapped(self) -> None:
        deadline = self._clock() - self._hold_seconds
        held, self._unmapped = self._unmapped, deque()
        for arrived, packet in held:
            owner = self._ssrc_map.user_for(int.from_bytes(packet[8:12], "big"))
            if arrived < deadline:
                self.health.drop("unknown_ssrc")
            elif owner is None:
                self._unmapped.append((arrived, packet))
            elif owner != self._candidate_id:
                self.health.drop("not_candidate")
            else:
                self._process(packet, int.from_bytes(packet[8:12], "big"), owner)

    def _process(self, packet: bytes, ssrc: int, user_id: int) -> None:
        try:
            header = parse_rtp_header(packet)
        except RtpError:
            self.health.drop("malformed_rtp")
            return
        key = self._secret_key()
        if key is None:
            self.health.drop("no_secret_key")
            return
        self.health.transport_decrypts += 1
        try:
            frame = decrypt_rtpsize(packet, header, key)
        except TransportDecryptError as error:
            self.health.decrypt_failed("transport")
            self._errors.warning("transport", "Transport decryption failed: %s", error)
            return
        if ssrc != self._stream_ssrc:
            self._reset_stream(ssrc)
        if self._undecryptable:
            self._retry_undecryptable(user_id)
        if self._undecryptable:
            self._hold_undecryptable(header, frame)
            return
        self._decrypt_and_play(header, frame, user_id, may_hold=True)

    def _decrypt_and_play(
        self, header: RtpHeader, frame: bytes, user_id: int, *, may_hold: bool
    ) -> bool:
        outcome, opus = self._dave.decrypt(user_id, frame)
        if outcome is DaveOutcome.NOT_READY:
            if may_hold:
                self._hold_undecryptable(header, frame)
            return False
        payload = opus if outcome is DaveOutcome.AUDIO else None
        self._play(self._jitter.push(header.sequence, header.timestamp, payload))
        return True

    def _hold_undecryptable(self, header: RtpHeader, frame: bytes) -> None:
        if len(self._undecryptable) >= _HELD_PACKETS_MAX:
            self._give_up(self._undecryptable.popleft()[1])
        self._undecryptable.append((self._clock(), header, frame))

    def _retry_undecryptable(self, user_id: int) -> None:
        deadline = self._clock() - self._hold_seconds
        while self._undecryptable:
            arrived, header, frame = self._undecryptable[0]
            if self._decrypt_and_play(header, frame, user_id, may_hold=False):
                self._undecryptable.popleft()
            elif arrived < deadline:
                self._undecryptable.popleft()
                self._give_up(header)
            else:
                return

    def _give_up(self, header: RtpHeader) -> None:
        if self._candidate_id is not None:
            self._dave.give_up(self._candidate_id)
        self._play(self._jitter.push(header.sequence, header.timestamp, None))

    def _reset_stream(self, ssrc: int | None) -> None:
        if self._stream_ssrc is not None or ssrc is not None:
            _log.debug("Voice receive stream reset for SSRC %s", ssrc)
        self._stream_ssrc = ssrc
        self._jitter = JitterBuffer()
        self._decoder = None

    def _play(self, frames: list[JitterFrame]) -> None:
        for frame in frames:
            pcm48k = self._decode(frame.payload)
            if self._stream is None:
                self._stream = self._stream_factory()
            chunk = self._stream.process(pcm48k)
            if chunk:
                self._deliver(chunk)

    def _decode(self, payload: bytes | None) -> bytes:
        if self._decoder is None:
            self._decoder = self._decoder_factory()
        if payload is not None:
            try:
                pcm = self._decoder.decode(payload)
            except ValueError:
                self.health.drop("opus_decode")
                self._errors.warning("opus", "Opus decoding failed; concealing the frame")
            else:
                self.health.decoded += 1
                return pcm
        self.health.concealed += 1
        return self._decoder.conceal()

    def _deliver(self, chunk: bytes) -> None:
        sink = self._sink
        if sink is None:
            self.health.drop("no_sink")
            return
        try:
            self._loop.call_soon_threadsafe(_call_sink, sink, chunk)
        except RuntimeError:
            self.health.drop("loop_closed")
            return
        self.health.chunks_delivered += 1


def _call_sink(sink: AudioSink, chunk: bytes) -> None:
    try:
        sink(chunk)
    except Exception:
        _log.exception("Voice receive sink failed on a chunk")
