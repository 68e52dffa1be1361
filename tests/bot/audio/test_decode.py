"""Tests for decode_voice_note on synthesised files and real voice notes."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest

from bot.audio import AudioDecodeError, decode_voice_note

from .synth import (
    FORMATS,
    OPUS_GRANULE_RATE,
    encode_file,
    encode_opus_packets,
    encode_video_only,
    ogg_opus_file,
    ogg_pages,
    pcm_to_array,
    rms_db,
    sine,
    to_s16,
)

OUTPUT_RATE = 16000
TESTDATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata"
# Leave out the resampler's and codec's ramps at both ends when measuring level.
EDGE = OUTPUT_RATE // 10


def reference_mono(data: bytes) -> np.ndarray:
    """Decode with plain PyAV at the file's own rate, as an independent level reference."""
    blocks = []
    with av.open(io.BytesIO(data)) as container:
        try:
            for frame in container.decode(audio=0):
                blocks.append(frame.to_ndarray().astype(np.float64).mean(axis=0))
        except av.FFmpegError:
            pass
    return np.concatenate(blocks)


def duration_tolerance(seconds: float) -> float:
    return max(0.01 * seconds, 0.020)


def decoded_seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / OUTPUT_RATE


CASES = [
    (name, rate, channels)
    for name in FORMATS
    for rate in (8000, 16000, 24000, 48000)
    for channels in (1, 2)
    # FFmpeg's own Vorbis encoder writes stereo only; the real mono Vorbis note covers mono.
    if not (name == "vorbis" and channels == 1)
]


@pytest.mark.parametrize(("name", "rate", "channels"), CASES)
def test_decode_format_duration_and_level(name: str, rate: int, channels: int) -> None:
    source = sine(rate, 1.5)
    data = encode_file(FORMATS[name], np.vstack([source] * channels), rate)

    pcm = decode_voice_note(data)

    assert abs(decoded_seconds(pcm) - 1.5) <= duration_tolerance(1.5)
    level = rms_db(pcm_to_array(pcm)[EDGE:-EDGE])
    assert abs(level - rms_db(source)) <= 1.0


def test_decode_averages_stereo_channels() -> None:
    left = sine(48000, 1.0)
    data = encode_file(FORMATS["wav"], np.vstack([left, np.zeros_like(left)]), 48000)

    pcm = pcm_to_array(decode_voice_note(data))

    # Half the amplitude is 6.02 dB down.
    assert abs(rms_db(pcm[EDGE:-EDGE]) - (rms_db(left) - 6.02)) <= 0.2


def test_decode_large_pre_skip() -> None:
    junk_samples = 24000
    encoder_delay = 312
    tone = sine(48000, 1.0, frequency=300.0)
    junk = sine(48000, junk_samples / 48000, frequency=3000.0, amplitude=0.9)
    packets = encode_opus_packets(np.vstack([np.concatenate([junk, tone])]), channels=1)
    data = ogg_opus_file(
        packets, channels=1, pre_skip=encoder_delay + junk_samples, total_samples=tone.size
    )

    pcm = pcm_to_array(decode_voice_note(data))

    assert abs(pcm.size / OUTPUT_RATE - 1.0) <= duration_tolerance(1.0)
    assert abs(rms_db(pcm[EDGE:-EDGE]) - rms_db(tone)) <= 1.0
    # The 3 kHz tone inside the pre-skip must be gone: the first samples follow the 300 Hz tone.
    spectrum = np.abs(np.fft.rfft(pcm[:1600].astype(np.float64)))
    peak_hz = np.argmax(spectrum) * OUTPUT_RATE / 1600
    assert abs(peak_hz - 300.0) <= 20.0


def test_decode_truncated_ogg_keeps_complete_audio() -> None:
    data = encode_file(FORMATS["opus"], np.vstack([sine(48000, 3.0)] * 2), 48000)
    cut = data[: len(data) * 2 // 3]
    pages = list(ogg_pages(cut))
    assert pages[-1].end < len(cut), "the cut should fall inside a page"
    complete_seconds = (pages[-1].granule - 312) / OPUS_GRANULE_RATE

    pcm = decode_voice_note(cut)

    assert decoded_seconds(pcm) >= complete_seconds - 0.020
    assert decoded_seconds(pcm) < 3.0


def test_decode_headers_only_raises() -> None:
    data = encode_file(FORMATS["opus"], np.vstack([sine(48000, 3.0)]), 48000)
    pages = list(ogg_pages(data))
    headers_only = data[: pages[1].end]

    # FFmpeg cannot even probe an Ogg stream without audio packets.
    with pytest.raises(AudioDecodeError, match="audio"):
        decode_voice_note(headers_only)


def test_decode_empty_raises() -> None:
    with pytest.raises(AudioDecodeError, match="empty"):
        decode_voice_note(b"")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00" * 4096,
        np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8).tobytes(),
        b"this is a text file, not a voice note\n" * 100,
    ],
    ids=["zeros", "random", "text"],
)
def test_decode_garbage_raises(data: bytes) -> None:
    with pytest.raises(AudioDecodeError):
        decode_voice_note(data)


def test_decode_video_only_raises() -> None:
    with pytest.raises(AudioDecodeError, match="no audio track"):
        decode_voice_note(encode_video_only())


def test_decode_too_long_raises() -> None:
    data = encode_file(FORMATS["wav"], np.vstack([sine(8000, 3.0)]), 8000)

    with pytest.raises(AudioDecodeError, match="too long"):
        decode_voice_note(data, max_seconds=2.0)
    assert decoded_seconds(decode_voice_note(data, max_seconds=3.5)) == pytest.approx(3.0)


def test_decode_default_limit_is_ten_minutes() -> None:
    silence = np.zeros((1, 8000 * 601))
    data = encode_file(FORMATS["flac"], silence, 8000)

    with pytest.raises(AudioDecodeError, match="too long"):
        decode_voice_note(data)


def test_decode_too_large_raises_before_decoding() -> None:
    data = encode_file(FORMATS["wav"], np.vstack([sine(16000, 1.0)]), 16000)

    with pytest.raises(AudioDecodeError, match="too large"):
        decode_voice_note(data, max_bytes=len(data) - 1)
    assert decode_voice_note(data, max_bytes=len(data))


def test_decode_default_size_limit() -> None:
    # Zeros are not audio, so only a size check made before decoding yields "too large".
    with pytest.raises(AudioDecodeError, match="too large"):
        decode_voice_note(bytes(20 * 1024 * 1024 + 1))


def test_decode_wav_is_exact_at_16_khz() -> None:
    source = to_s16(sine(16000, 1.0))
    data = encode_file(FORMATS["wav"], np.vstack([source / 32768]), 16000)

    pcm = pcm_to_array(decode_voice_note(data))

    assert pcm.size == source.size
    assert np.max(np.abs(pcm.astype(np.int32) - source)) <= 2


REAL_FILES = [
    ("telegram_voice_note.ogg", 3.45),
    ("stereo_truncated.opus", 1.0),
    ("vorbis_voice_note.ogg", 1.9),
]


@pytest.mark.parametrize(("file_name", "seconds"), REAL_FILES)
def test_decode_real_voice_note(file_name: str, seconds: float) -> None:
    path = TESTDATA / file_name
    if not path.exists():
        pytest.skip(f"{path} is not available")

    pcm = decode_voice_note(path.read_bytes())

    # The expected durations are rounded, so allow 50 ms on top of the usual tolerance.
    assert abs(decoded_seconds(pcm) - seconds) <= duration_tolerance(seconds) + 0.05
    reference = reference_mono(path.read_bytes())
    # stereo_truncated.opus is near-digital silence (about -99 dBFS), below 16-bit resolution.
    if rms_db(reference) > -80.0:
        assert abs(rms_db(pcm_to_array(pcm)) - rms_db(reference)) <= 1.0


def test_decode_real_empty_file() -> None:
    path = TESTDATA / "empty.ogg"
    if not path.exists():
        pytest.skip(f"{path} is not available")

    with pytest.raises(AudioDecodeError, match="empty"):
        decode_voice_note(path.read_bytes())
