"""Tests for encode_voice_note: Ogg Opus structure, duration, level and size."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from bot.audio import decode_voice_note, encode_voice_note

from .synth import OPUS_GRANULE_RATE, ogg_pages, pcm_to_array, rms_db, sine, speech_like, to_s16

EDGE = 1600


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_encode_ogg_opus_headers(rate: int) -> None:
    pcm = to_s16(sine(rate, 2.5)).tobytes()

    note = encode_voice_note(pcm, rate)

    pages = list(ogg_pages(note.data))
    assert pages[-1].end == len(note.data)
    head = pages[0].packets_data
    assert head[:8] == b"OpusHead"
    channels, pre_skip, input_rate = struct.unpack_from("<BHI", head, 9)
    assert channels == 1
    assert input_rate == rate
    # libopus looks ahead 6.5 ms (312 samples at 48 kHz).
    # A pre-skip far from that cuts or pads speech.
    assert 0 < pre_skip <= 48 * 20
    assert pages[1].packets_data[:8] == b"OpusTags"
    assert pages[-1].header_type & 0x04, "the last page should carry end of stream"
    assert pages[-1].granule - pre_skip == round(2.5 * OPUS_GRANULE_RATE)


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_encode_duration(rate: int) -> None:
    samples = rate * 3 + 123

    note = encode_voice_note(bytes(samples * 2), rate)

    assert note.duration == pytest.approx(samples / rate)


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_encode_round_trip(rate: int) -> None:
    source = sine(rate, 2.0, frequency=300.0, amplitude=0.3)

    note = encode_voice_note(to_s16(source).tobytes(), rate)
    decoded = pcm_to_array(decode_voice_note(note.data))

    assert abs(decoded.size / 16000 - note.duration) <= 0.020
    assert abs(rms_db(decoded[EDGE:-EDGE]) - rms_db(source)) <= 1.0


def test_encode_four_minutes_under_one_megabyte() -> None:
    rate = 24000
    pcm = to_s16(speech_like(rate, 240.0)).tobytes()

    note = encode_voice_note(pcm, rate)

    assert note.duration == pytest.approx(240.0)
    assert len(note.data) < 1_000_000


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_encode_unsupported_rate_raises(rate: int) -> None:
    with pytest.raises(ValueError, match="sample rate"):
        encode_voice_note(bytes(rate * 2), rate)


@pytest.mark.parametrize("pcm", [b"", b"\x00\x01\x02"], ids=["empty", "odd"])
def test_encode_invalid_pcm_raises(pcm: bytes) -> None:
    with pytest.raises(ValueError, match="s16le"):
        encode_voice_note(pcm, 24000)


def test_encode_is_deterministic() -> None:
    pcm = to_s16(speech_like(16000, 1.0)).tobytes()

    first = encode_voice_note(pcm, 16000)
    second = encode_voice_note(pcm, 16000)

    # The Ogg stream serial number may be random, so compare the decoded audio.
    assert np.array_equal(
        pcm_to_array(decode_voice_note(first.data)), pcm_to_array(decode_voice_note(second.data))
    )
