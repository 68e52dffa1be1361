"""Tests for the Discord Opus decoder and encoder."""

from __future__ import annotations

import numpy as np
import pytest

from bot.audio import FRAME_BYTES, FRAME_SAMPLES, OpusDecoder, OpusEncoder, OpusError

from .synth import rms_db, sine, speech_like, to_s16

SILENCE = bytes(FRAME_BYTES)


def stereo_frames(seconds: float, speech: bool = False) -> list[bytes]:
    if speech:
        mono = to_s16(speech_like(48000, seconds))
    else:
        mono = to_s16(sine(48000, seconds, frequency=1000.0, amplitude=0.3))
    interleaved = np.repeat(mono, 2).tobytes()
    return [
        interleaved[start : start + FRAME_BYTES]
        for start in range(0, len(interleaved) - FRAME_BYTES + 1, FRAME_BYTES)
    ]


def encode_all(frames: list[bytes]) -> list[bytes]:
    encoder = OpusEncoder()
    return [encoder.encode(frame) for frame in frames]


def test_opus_round_trip_frames_and_level() -> None:
    frames = stereo_frames(1.0)
    packets = encode_all(frames)
    decoder = OpusDecoder()

    decoded = [decoder.decode(packet) for packet in packets]

    assert len(packets) == len(frames)
    assert all(len(pcm) == FRAME_BYTES for pcm in decoded)
    source = np.frombuffer(b"".join(frames), dtype=np.int16)
    output = np.frombuffer(b"".join(decoded[5:]), dtype=np.int16)
    assert abs(rms_db(output) - rms_db(source)) <= 1.0


def test_opus_packets_are_about_64_kbps() -> None:
    packets = encode_all(stereo_frames(4.0, speech=True))

    bits_per_second = sum(len(packet) for packet in packets) * 8 / 4.0

    assert 32_000 <= bits_per_second <= 96_000


@pytest.mark.parametrize(
    "packet",
    [b"\xff" * 50, b"\xfc" + b"\xff" * 2000, b""],
    ids=["code3-overflow", "oversized", "empty"],
)
def test_opus_decoder_rejects_malformed(packet: bytes) -> None:
    decoder = OpusDecoder()

    with pytest.raises(OpusError):
        decoder.decode(packet)
    assert decoder.error_count == 1


def test_opus_decoder_usable_after_error() -> None:
    packets = encode_all(stereo_frames(0.2))
    decoder = OpusDecoder()
    decoder.decode(packets[0])

    with pytest.raises(OpusError):
        decoder.decode(b"\xff" * 50)

    assert len(decoder.decode(packets[1])) == FRAME_BYTES


def test_conceal_before_first_packet_is_silence() -> None:
    assert OpusDecoder().conceal() == SILENCE


def test_conceal_continues_then_fades() -> None:
    packets = encode_all(stereo_frames(0.5))
    decoder = OpusDecoder()
    for packet in packets:
        decoder.decode(packet)

    concealed = [decoder.conceal() for _ in range(20)]

    assert all(len(frame) == FRAME_BYTES for frame in concealed)
    first = rms_db(np.frombuffer(concealed[0], dtype=np.int16))
    last = rms_db(np.frombuffer(concealed[-1], dtype=np.int16))
    assert first > -20.0, "concealment should carry the tone on over the first lost frame"
    assert last < first - 10.0, "concealment should fade over a long loss"


def test_conceal_then_decode_resumes() -> None:
    packets = encode_all(stereo_frames(0.5))
    decoder = OpusDecoder()
    for packet in packets[:10]:
        decoder.decode(packet)
    decoder.conceal()

    resumed = decoder.decode(packets[11])

    assert len(resumed) == FRAME_BYTES


def test_reset_forgets_previous_packets() -> None:
    packets = encode_all(stereo_frames(0.2))
    decoder = OpusDecoder()
    decoder.decode(packets[0])

    decoder.reset()

    assert decoder.conceal() == SILENCE


def test_encoder_rejects_wrong_frame_size() -> None:
    with pytest.raises(ValueError, match="3840"):
        OpusEncoder().encode(bytes(FRAME_BYTES - 4))


def test_frame_constants() -> None:
    assert FRAME_SAMPLES == 960
    assert FRAME_BYTES == FRAME_SAMPLES * 2 * 2
