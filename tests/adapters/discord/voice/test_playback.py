"""`InterviewerAudioSource` alone and inside discord.py 2.7.1's real `AudioPlayer`."""

from __future__ import annotations

import asyncio
import struct
import threading
import types
from collections.abc import Iterator

import davey
import pytest
from discord.player import AudioPlayer

from adapters.discord.voice.dave import DaveDecryptor, DaveOutcome
from adapters.discord.voice.health import ReceiveHealth
from adapters.discord.voice.playback import OPUS_SILENCE_FRAME, InterviewerAudioSource
from bot.audio import FRAME_BYTES, InterviewerStream, OpusDecoder
from tests.adapters.discord.dave_fixtures import DaveGroup

BOT_ID, LISTENER_ID = 11, 22


def _speech(samples: int) -> bytes:
    """24 kHz mono s16le of a loud square wave."""
    return struct.pack(f"<{samples}h", *([12000, -12000] * (samples // 2)))


def _is_silent(pcm: bytes) -> bool:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return max(abs(sample) for sample in samples) < 64


def test_idle_source_plays_opus_silence() -> None:
    source = InterviewerAudioSource(InterviewerStream())
    frames = [source.read() for _ in range(5)]
    assert frames == [OPUS_SILENCE_FRAME] * 5
    assert source.is_opus()


def test_idle_source_makes_no_encoder() -> None:
    source = InterviewerAudioSource(InterviewerStream())
    source.read()
    assert source._encoder is None


def test_fed_audio_decodes_to_speech() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(24000))
    decoder = OpusDecoder()
    pcm = [decoder.decode(source.read()) for _ in range(20)]
    assert all(len(frame) == FRAME_BYTES for frame in pcm)
    assert not all(_is_silent(frame) for frame in pcm)


def test_source_returns_silence_after_turn() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(2400))
    stream.end_of_turn()
    packets = [source.read() for _ in range(10)]
    assert packets[0] != OPUS_SILENCE_FRAME
    assert packets[-1] == OPUS_SILENCE_FRAME


def test_interrupt_flushes_at_once() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(24000))
    assert source.read() != OPUS_SILENCE_FRAME
    source.interrupt()
    assert source.read() == OPUS_SILENCE_FRAME


def test_close_ends_playback() -> None:
    source = InterviewerAudioSource(InterviewerStream())
    assert source.read() == OPUS_SILENCE_FRAME
    source.close()
    assert source.read() == b""


def test_stream_error_plays_silence() -> None:
    class BrokenStream(InterviewerStream):
        def read_frame(self) -> bytes:
            raise RuntimeError("resampler failed")

    stream = BrokenStream()
    stream.feed(_speech(2400))
    source = InterviewerAudioSource(stream)
    assert source.read() == OPUS_SILENCE_FRAME


def test_silence_passes_dave_unencrypted() -> None:
    group = DaveGroup(4242, [BOT_ID, LISTENER_ID])
    frame = group.sessions[BOT_ID].encrypt_opus(OPUS_SILENCE_FRAME)
    decryptor = DaveDecryptor(lambda: group.sessions[LISTENER_ID], ReceiveHealth())
    assert decryptor.decrypt(BOT_ID, frame) == (DaveOutcome.AUDIO, OPUS_SILENCE_FRAME)


class _PlayerClient:
    """The part of `discord.VoiceClient` that discord.py 2.7.1's `AudioPlayer` calls.

    Each packet goes through DAVE encryption as `VoiceClient._get_voice_packet`
    does, then is decrypted again by the listener's session and recorded.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, group: DaveGroup) -> None:
        self.client = types.SimpleNamespace(loop=loop)
        self.ws = types.SimpleNamespace(speak=self._speak)
        self.timeout = 1.0
        self._group = group
        self._lock = threading.Lock()
        self.sent: list[tuple[bytes, bool]] = []
        self.speaking: list[object] = []

    async def _speak(self, state: object) -> None:
        self.speaking.append(state)

    def is_connected(self) -> bool:
        return True

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        frame = self._group.sessions[BOT_ID].encrypt_opus(data)
        opus = self._group.sessions[LISTENER_ID].decrypt(BOT_ID, davey.MediaType.audio, frame)
        with self._lock:
            self.sent.append((opus, encode))

    def packets(self) -> list[tuple[bytes, bool]]:
        with self._lock:
            return list(self.sent)


@pytest.fixture
def player_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    # Let the player's last `speak` coroutine run before the loop stops.
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def _play_until(
    source: InterviewerAudioSource, client: _PlayerClient, packets: int
) -> threading.Event:
    """Start a real `AudioPlayer` and wait until it has sent `packets` packets."""
    finished = threading.Event()
    player = AudioPlayer(source, client, after=lambda error: finished.set())  # type: ignore[arg-type]
    player.start()
    while len(client.packets()) < packets:
        finished.wait(0.02)
    source.close()
    finished.wait()
    player.join()
    return finished


def test_player_sends_packets_unencoded(player_loop: asyncio.AbstractEventLoop) -> None:
    group = DaveGroup(4243, [BOT_ID, LISTENER_ID])
    client = _PlayerClient(player_loop, group)
    stream = InterviewerStream()
    stream.feed(_speech(4800))
    stream.end_of_turn()
    finished = _play_until(InterviewerAudioSource(stream), client, 15)
    sent = client.packets()
    assert finished.is_set()
    assert all(not encode for _, encode in sent)
    assert sent[0][0] != OPUS_SILENCE_FRAME
    assert sent[-1][0] == OPUS_SILENCE_FRAME


def test_player_speech_decodes_after_dave(player_loop: asyncio.AbstractEventLoop) -> None:
    group = DaveGroup(4244, [BOT_ID, LISTENER_ID])
    client = _PlayerClient(player_loop, group)
    stream = InterviewerStream()
    stream.feed(_speech(4800))
    stream.end_of_turn()
    _play_until(InterviewerAudioSource(stream), client, 15)
    decoder = OpusDecoder()
    pcm = [decoder.decode(opus) for opus, _ in client.packets()]
    assert not _is_silent(b"".join(pcm[:10]))
    assert _is_silent(pcm[-1])


def test_partial_frame_waits_as_silence() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(960))
    assert stream.buffered_frames == 1
    assert source.read() != OPUS_SILENCE_FRAME
    assert stream.is_speaking
    assert source.read() == OPUS_SILENCE_FRAME
    stream.end_of_turn()
    assert source.read() != OPUS_SILENCE_FRAME
