"""The receive path driven through discord.py's connection state and voice websocket."""

import asyncio
import socket

import numpy as np
import pytest

from bot.audio import CandidateStream, OpusDecoder
from tests.adapters.discord.voice.conftest import (
    CANDIDATE_ID,
    CANDIDATE_SSRC,
    SPECTATOR_ID,
    SPECTATOR_SSRC,
    VoiceRig,
)
from tests.adapters.discord.voice.packets import opus_packets, rtp_header

CHUNK_BYTES = 640  # 20 ms of 16 kHz mono s16le


@pytest.fixture(scope="module")
def opus() -> list[bytes]:
    return opus_packets(12)


async def _listen_to_candidate(rig: VoiceRig) -> None:
    rig.voice.set_candidate(CANDIDATE_ID)
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.speaking(SPECTATOR_ID, SPECTATOR_SSRC)


def _audio_bytes(rig: VoiceRig) -> int:
    return sum(len(chunk) for chunk in rig.chunks)


async def test_candidate_audio_reaches_sink(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    for packet in opus[:10]:
        rig.deliver(rig.candidate.packet(packet))
    await rig.settle()
    health = rig.voice.health.snapshot()
    assert health["decoded"] == 10
    assert health["concealed"] == 0
    assert health["decrypt_failures"] == {}
    assert _audio_bytes(rig) >= 8 * CHUNK_BYTES
    assert any(any(chunk) for chunk in rig.chunks)


async def test_output_matches_plain_decode(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    for packet in opus[:6]:
        rig.deliver(rig.candidate.packet(packet))
    await rig.settle()
    decoder = OpusDecoder()
    stream = CandidateStream()
    expected = b"".join(stream.process(decoder.decode(packet)) for packet in opus[:6])
    received = np.frombuffer(b"".join(rig.chunks), dtype="<i2").astype(np.int32)
    reference = np.frombuffer(expected, dtype="<i2").astype(np.int32)
    assert len(reference) > 0
    assert len(received) == len(reference)
    # soxr's int16 output differs by a few LSB between two identical runs.
    assert int(np.abs(received - reference).max()) <= 4
    assert int(np.abs(reference).max()) > 1000


async def test_spectator_never_reaches_sink(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    for packet in opus[:10]:
        rig.deliver(rig.spectator.packet(packet))
    await rig.settle()
    health = rig.voice.health.snapshot()
    assert rig.chunks == []
    assert health["dropped"] == {"not_candidate": 10}
    assert health["transport_decrypts"] == 0
    assert health["dave_decrypts"] == 0


async def test_no_candidate_drops_everything(rig: VoiceRig, opus: list[bytes]) -> None:
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    rig.deliver(rig.candidate.packet(opus[0]))
    await rig.settle()
    assert rig.chunks == []
    assert rig.voice.health.transport_decrypts == 0


async def test_rtcp_and_other_payload_types_dropped(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.deliver(bytes([0x81, 200]) + bytes(26))
    rig.deliver(rtp_header(1, 1, CANDIDATE_SSRC, payload_type=96) + bytes(40))
    rig.deliver(b"\x80")
    await rig.settle()
    dropped = rig.voice.health.snapshot()["dropped"]
    assert dropped == {"rtcp": 1, "payload_type": 1, "malformed_rtp": 1}
    assert rig.voice.health.transport_decrypts == 0


async def test_unknown_ssrc_held_then_released(rig: VoiceRig, opus: list[bytes]) -> None:
    rig.voice.set_candidate(CANDIDATE_ID)
    for packet in opus[:4]:
        rig.deliver(rig.candidate.packet(packet))
    await rig.settle()
    assert rig.chunks == []
    assert rig.voice.health.transport_decrypts == 0
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.settle()
    assert rig.voice.health.decoded == 4
    assert rig.voice.health.dropped == {}


async def test_unknown_ssrc_of_spectator_dropped(rig: VoiceRig, opus: list[bytes]) -> None:
    rig.voice.set_candidate(CANDIDATE_ID)
    for packet in opus[:4]:
        rig.deliver(rig.spectator.packet(packet))
    await rig.speaking(SPECTATOR_ID, SPECTATOR_SSRC)
    await rig.settle()
    assert rig.chunks == []
    assert rig.voice.health.dropped["not_candidate"] == 4
    assert rig.voice.health.transport_decrypts == 0


async def test_unknown_ssrc_expires(rig: VoiceRig, opus: list[bytes]) -> None:
    now = [0.0]
    rig.voice.receiver._clock = lambda: now[0]
    rig.voice.set_candidate(CANDIDATE_ID)
    rig.deliver(rig.candidate.packet(opus[0]))
    now[0] = 1.0
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.settle()
    assert rig.voice.health.dropped["unknown_ssrc"] == 1
    assert rig.voice.health.decoded == 0


async def test_wraparound_reorder_and_loss(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.candidate.sequence = 65533
    rig.candidate.timestamp = 0xFFFFFFFF - 2 * 960
    packets = [rig.candidate.packet(packet) for packet in opus[:9]]
    # Sequence numbers run 65533 to 5. 65535 arrives after 0, and 1 never arrives.
    order = [0, 1, 3, 2, 5, 6, 7, 8]
    for index in order:
        rig.deliver(packets[index])
    await rig.settle()
    assert rig.voice.health.decoded == 8
    assert rig.voice.health.concealed == 1
    assert _audio_bytes(rig) > 0


async def test_tampered_dave_frame_concealed(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.deliver(rig.candidate.packet(opus[0]))
    dave_frame = rig.group.sessions[CANDIDATE_ID].encrypt_opus(opus[1])
    tampered = bytes([dave_frame[0] ^ 0x40]) + dave_frame[1:]
    rig.deliver(rig.candidate.packet(tampered, encrypt_dave=False))
    rig.deliver(rig.candidate.packet(opus[2]))
    await rig.settle()
    health = rig.voice.health.snapshot()
    assert health["decrypt_failures"] == {"NoValidCryptorFound": 1}
    assert health["decoded"] == 2
    assert health["concealed"] == 1
    assert health["dropped"] == {}


async def test_plaintext_after_join_concealed(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.deliver(rig.candidate.packet(opus[0]))
    rig.deliver(rig.candidate.packet(opus[1], encrypt_dave=False))
    await rig.settle()
    assert rig.voice.health.decrypt_failures == {"UnencryptedWhenPassthroughDisabled": 1}
    assert rig.voice.health.decoded == 1
    assert rig.voice.health.concealed == 1


async def test_unencrypted_silence_decoded(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.deliver(rig.candidate.packet(opus[0]))
    rig.deliver(rig.candidate.packet(b"\xf8\xff\xfe", encrypt_dave=False))
    await rig.settle()
    assert rig.voice.health.decoded == 2
    assert rig.voice.health.decrypt_failures == {}


async def test_padding_extension_csrcs(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    rig.candidate.extension_body = bytes([0x10, 0x7F, 0, 0, 0x22, 1, 2, 3])
    rig.candidate.padding = 7
    rig.candidate.csrcs = (9, 10)
    for packet in opus[:3]:
        rig.deliver(rig.candidate.packet(packet))
    await rig.settle()
    assert rig.voice.health.decoded == 3
    assert rig.voice.health.decrypt_failures == {}


async def test_rekey_mid_stream_not_deaf(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    old_epoch_frame = rig.candidate.packet(opus[0])
    rig.deliver(old_epoch_frame)
    rig.rekey()
    for packet in opus[1:6]:
        rig.deliver(rig.candidate.packet(packet))
    await rig.settle()
    assert rig.voice.health.decoded == 6
    assert rig.voice.health.decrypt_failures == {}


async def test_frames_before_group_ready_held(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    live_session = rig.state.dave_session
    rig.state.dave_session = None
    for packet in opus[:3]:
        rig.deliver(rig.candidate.packet(packet))
    assert rig.voice.health.decoded == 0
    rig.state.dave_session = live_session
    rig.deliver(rig.candidate.packet(opus[3]))
    await rig.settle()
    assert rig.voice.health.decoded == 4
    assert rig.voice.health.decrypt_failures == {}


async def test_frames_never_decryptable_concealed(rig: VoiceRig, opus: list[bytes]) -> None:
    now = [0.0]
    rig.voice.receiver._clock = lambda: now[0]
    await _listen_to_candidate(rig)
    rig.state.dave_session = None
    for packet in opus[:3]:
        rig.deliver(rig.candidate.packet(packet))
        now[0] += 0.25
    await rig.settle()
    assert rig.voice.health.decoded == 0
    assert rig.voice.health.decrypt_failures["not_ready"] >= 2
    assert rig.voice.health.concealed >= 2


async def test_pipeline_error_never_escapes(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)

    def broken_stream() -> object:
        raise RuntimeError("resampler unavailable")

    rig.voice.receiver._stream_factory = broken_stream  # type: ignore[assignment]
    rig.deliver(rig.candidate.packet(opus[0]))
    assert rig.voice.health.dropped["internal_error"] == 1


async def test_real_socket_reader_delivers(rig: VoiceRig, opus: list[bytes]) -> None:
    await _listen_to_candidate(rig)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for packet in opus[:5]:
            sender.sendto(rig.candidate.packet(packet), rig.state.socket.getsockname())
        for _ in range(500):
            if rig.voice.health.decoded == 5:
                break
            await asyncio.sleep(0.01)
    finally:
        sender.close()
    await rig.settle()
    assert rig.voice.health.decoded == 5
    assert rig.chunks
