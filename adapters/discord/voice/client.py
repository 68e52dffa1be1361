"""`ReceivingVoiceClient`: a discord.py voice client that also hears the candidate.

Usage from a command handler::

    voice = await channel.connect(cls=ReceivingVoiceClient)
    voice.set_audio_sink(session.push_candidate_audio)   # 16 kHz mono s16le chunks
    voice.set_candidate(member.id)                       # only after consent
    voice.play(InterviewerAudioSource(interviewer_stream))
    ...
    voice.set_candidate(None)
    await voice.disconnect()

The sink runs on the event loop, one call per 20 ms chunk. `health.snapshot()`
returns the receive counters.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import davey
import discord
from discord.voice_state import ConnectionFlowState, VoiceConnectionState

from adapters.discord.voice.health import RateLimitedLog, ReceiveHealth
from adapters.discord.voice.receiver import AudioSink, CandidateReceiver
from adapters.discord.voice.ssrc import SsrcMap
from adapters.discord.voice.transport import SUPPORTED_MODE

_log = logging.getLogger(__name__)

# Voice websocket ops handled here besides the SSRC ops in ssrc.py (discord.py 2.7.1
# `DiscordVoiceWebSocket` constants).
_OP_READY = 2
_OP_SESSION_DESCRIPTION = 4
_DAVE_OPS = frozenset({21, 22, 24})


class _ConnectionInternals:
    """Every discord.py internal the receive path touches, checked against discord.py 2.7.1.

    - `VoiceConnectionState(voice_client, hook=...)`: the hook coroutine is awaited
      with `(ws, message)` after each JSON voice websocket message. An exception
      in it ends the websocket poller, so the hook must never raise.
    - `add_socket_listener` / `remove_socket_listener`: callbacks get each UDP
      datagram on the socket reader thread. A full disconnect (`cleanup=True`)
      stops the reader and clears its callbacks; reconnects only pause it.
    - `_socket_reader._callbacks`: read to re-register a listener that vanished.
    - `_runner`: the websocket poller task. On a close code it does not handle
      (4006 and 4017 among them) it reconnects with exponential backoff for as
      long as it runs, and `VoiceClient.disconnect` does not stop it.
    - `secret_key` (list of ints), `mode`, `dave_session`, `dave_protocol_version`:
      replaced by SESSION_DESCRIPTION, re-keys and DAVE transitions, so they are
      read on every packet.
    """

    def __init__(self, state: VoiceConnectionState) -> None:
        self.state = state
        self._key_source: object = None
        self._key = b""

    def secret_key(self) -> bytes | None:
        key = self.state.secret_key
        if not isinstance(key, list) or self.state.mode != SUPPORTED_MODE:
            return None
        if key is not self._key_source:
            self._key_source = key
            self._key = bytes(key)
        return self._key

    def dave_session(self) -> davey.DaveSession | None:
        if self.state.dave_protocol_version == 0:
            return None
        return self.state.dave_session

    def ensure_listener(self, callback: Any) -> bool:
        """Register `callback` unless it is registered; return whether it was added."""
        if callback in self.state._socket_reader._callbacks:
            return False
        self.state.add_socket_listener(callback)
        return True

    def remove_listener(self, callback: Any) -> None:
        self.state.remove_socket_listener(callback)

    def stop_reconnecting(self) -> None:
        """Cancel the websocket poller unless it is the caller, so it cannot rejoin."""
        runner = self.state._runner
        if runner is not None and runner is not asyncio.current_task():
            runner.cancel()
            self.state._runner = None


class _WakingConnectionState(VoiceConnectionState):
    """A connection state that wakes the socket reader before closing its socket.

    discord.py 2.7.1's reader thread waits in `select` on the current socket
    for up to 30 s. Closing that socket from the event loop does not wake it
    on Linux, so after a reconnection the reader would stay on the dead socket
    and miss IP discovery and the first seconds of audio. Shutting the socket
    down first makes `select` return at once.
    """

    async def disconnect(
        self, *, force: bool = True, cleanup: bool = True, wait: bool = False
    ) -> None:
        if force or self.is_connected():
            self._wake_reader()
        await super().disconnect(force=force, cleanup=cleanup, wait=wait)

    async def soft_disconnect(
        self, *, with_state: ConnectionFlowState = ConnectionFlowState.got_both_voice_updates
    ) -> None:
        self._wake_reader()
        await super().soft_disconnect(with_state=with_state)

    def _wake_reader(self) -> None:
        if not isinstance(self.socket, socket.socket) or self.socket.fileno() < 0:
            return
        self._socket_reader.pause()
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            # Linux raises ENOTCONN for an unconnected UDP socket but still wakes waiters.
            pass


class ReceivingVoiceClient(discord.VoiceClient):
    """A `discord.VoiceClient` that decrypts the candidate's voice and hands it to a sink.

    Everyone else's audio is dropped before any cryptography. The receive path
    runs in `CandidateReceiver` on discord.py's socket reader thread.
    """

    # Discord accepts only this transport mode for new voice connections, and it
    # is the only one the receive path decrypts.
    supported_modes = ("aead_xchacha20_poly1305_rtpsize",)

    def __init__(self, client: discord.Client, channel: discord.abc.Connectable) -> None:
        self._ssrc_map = SsrcMap()
        self._hook_errors = RateLimitedLog(_log)
        self._receiver: CandidateReceiver | None = None
        super().__init__(client, channel)
        self._internals = _ConnectionInternals(self._connection)
        self._receiver = CandidateReceiver(
            self.loop,
            self._ssrc_map,
            self._internals.secret_key,
            self._internals.dave_session,
        )

    @property
    def health(self) -> ReceiveHealth:
        """Counters of the receive path (packets, drops by reason, decrypt failures)."""
        return self.receiver.health

    @property
    def receiver(self) -> CandidateReceiver:
        """The receive pipeline; its `on_packet` is the registered socket listener."""
        assert self._receiver is not None
        return self._receiver

    @property
    def ssrc_map(self) -> SsrcMap:
        """Which user sends on which SSRC, as announced by the voice websocket."""
        return self._ssrc_map

    def set_candidate(self, user_id: int | None) -> None:
        """Forward the audio of `user_id` only; None drops all received audio."""
        self.receiver.set_candidate(user_id)

    def set_audio_sink(self, sink: AudioSink | None) -> None:
        """Call `sink(chunk)` on the event loop with each 16 kHz mono s16le chunk."""
        self.receiver.set_sink(sink)

    def create_connection_state(self) -> VoiceConnectionState:
        return _WakingConnectionState(self, hook=self._on_voice_message)

    # discord.VoiceProtocol fixes this signature, `timeout` included.
    async def connect(
        self,
        *,
        reconnect: bool,
        timeout: float,  # noqa: ASYNC109
        self_deaf: bool = False,
        self_mute: bool = False,
    ) -> None:
        await super().connect(
            reconnect=reconnect, timeout=timeout, self_deaf=self_deaf, self_mute=self_mute
        )
        self.start_receiving()

    def start_receiving(self) -> None:
        """Register the socket listener if it is not registered (idempotent)."""
        if self._internals.ensure_listener(self.receiver.on_packet):
            _log.info("Voice receive started for channel %s", self.channel.id)

    async def disconnect(self, *, force: bool = False) -> None:
        # A reconnect loop left running would join the channel again after this.
        self._internals.stop_reconnecting()
        await super().disconnect(force=force)

    def cleanup(self) -> None:
        self._internals.remove_listener(self.receiver.on_packet)
        self.receiver.set_candidate(None)
        self.receiver.reset()
        _log.info("Voice receive stopped for channel %s", self.channel.id)
        super().cleanup()

    async def _on_voice_message(self, ws: Any, message: Any) -> None:
        """Track SSRCs and connection changes from the voice websocket; never raises."""
        try:
            self._handle_voice_message(message)
        except Exception:
            self._hook_errors.warning("hook", "Ignored a malformed voice websocket message")
            _log.debug("Voice websocket hook error", exc_info=True)

    def _handle_voice_message(self, message: Any) -> None:
        if self._receiver is None or not isinstance(message, dict):
            return
        op = message.get("op")
        if op == _OP_READY:
            # A new voice session: SSRCs may be reassigned, so forget the old ones.
            self._ssrc_map.clear()
            self.receiver.reset()
        elif op == _OP_SESSION_DESCRIPTION:
            self.start_receiving()
        elif op in _DAVE_OPS:
            _log.debug("DAVE op %s received; the session is re-read on every packet", op)
        if self._ssrc_map.apply(message):
            self.receiver.release_held()
