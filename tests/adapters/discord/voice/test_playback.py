import struct

from adapters.discord.voice.playback import SILENCE_FRAME, InterviewerAudioSource
from bot.audio import FRAME_BYTES, InterviewerStream


def _speech(samples: int) -> bytes:
    """24 kHz mono s16le of a loud square wave."""
    return struct.pack(f"<{samples}h", *([12000, -12000] * (samples // 2)))


def test_idle_source_plays_silence() -> None:
    source = InterviewerAudioSource(InterviewerStream())
    frames = [source.read() for _ in range(5)]
    assert frames == [SILENCE_FRAME] * 5
    assert not source.is_opus()


def test_fed_audio_is_played() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(24000))
    frames = [source.read() for _ in range(20)]
    assert all(len(frame) == FRAME_BYTES for frame in frames)
    assert any(frame != SILENCE_FRAME for frame in frames)


def test_interrupt_flushes_at_once() -> None:
    stream = InterviewerStream()
    source = InterviewerAudioSource(stream)
    stream.feed(_speech(24000))
    assert source.read() != SILENCE_FRAME or source.read() != SILENCE_FRAME
    source.interrupt()
    assert source.read() == SILENCE_FRAME


def test_close_ends_playback() -> None:
    source = InterviewerAudioSource(InterviewerStream())
    assert source.read() == SILENCE_FRAME
    source.close()
    assert source.read() == b""


def test_stream_error_plays_silence() -> None:
    class BrokenStream(InterviewerStream):
        def read_frame(self) -> bytes:
            raise RuntimeError("resampler failed")

    source = InterviewerAudioSource(BrokenStream())
    assert source.read() == SILENCE_FRAME
