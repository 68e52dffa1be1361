import davey
import pytest

from adapters.discord.voice.dave import (
    DaveDecryptor,
    DaveOutcome,
    failure_kind,
    is_valid_opus_packet,
)
from adapters.discord.voice.health import ReceiveHealth
from tests.adapters.discord.dave_fixtures import DaveGroup
from tests.adapters.discord.voice.packets import opus_packets

BOT, CANDIDATE = 1, 2


@pytest.fixture(scope="module")
def opus() -> list[bytes]:
    return opus_packets(3)


@pytest.fixture
def group() -> DaveGroup:
    return DaveGroup(77, [BOT, CANDIDATE])


def _decryptor(session: davey.DaveSession | None) -> tuple[DaveDecryptor, ReceiveHealth]:
    health = ReceiveHealth()
    return DaveDecryptor(lambda: session, health), health


def test_decrypts_group_member(group: DaveGroup, opus: list[bytes]) -> None:
    decryptor, health = _decryptor(group.sessions[BOT])
    frame = group.sessions[CANDIDATE].encrypt_opus(opus[0])
    assert decryptor.decrypt(CANDIDATE, frame) == (DaveOutcome.AUDIO, opus[0])
    assert health.dave_decrypts == 1


def test_tampered_and_replayed_fail(group: DaveGroup, opus: list[bytes]) -> None:
    decryptor, health = _decryptor(group.sessions[BOT])
    frame = group.sessions[CANDIDATE].encrypt_opus(opus[0])
    tampered = bytes([frame[0] ^ 0x01]) + frame[1:]
    assert decryptor.decrypt(CANDIDATE, tampered)[0] is DaveOutcome.FAILED
    assert decryptor.decrypt(CANDIDATE, frame)[0] is DaveOutcome.AUDIO
    assert decryptor.decrypt(CANDIDATE, frame)[0] is DaveOutcome.FAILED
    assert health.decrypt_failures["NoValidCryptorFound"] == 2


def test_plaintext_after_join_fails(group: DaveGroup, opus: list[bytes]) -> None:
    decryptor, health = _decryptor(group.sessions[BOT])
    assert decryptor.decrypt(CANDIDATE, opus[0])[0] is DaveOutcome.FAILED
    assert health.decrypt_failures["UnencryptedWhenPassthroughDisabled"] == 1


def test_opus_silence_passes_unencrypted(group: DaveGroup) -> None:
    decryptor, _ = _decryptor(group.sessions[BOT])
    assert decryptor.decrypt(CANDIDATE, b"\xf8\xff\xfe") == (DaveOutcome.AUDIO, b"\xf8\xff\xfe")


def test_unknown_user_not_ready(group: DaveGroup, opus: list[bytes]) -> None:
    decryptor, _ = _decryptor(group.sessions[BOT])
    frame = group.sessions[CANDIDATE].encrypt_opus(opus[0])
    assert decryptor.decrypt(999, frame)[0] is DaveOutcome.NOT_READY


def test_without_session_plain_opus_used(opus: list[bytes]) -> None:
    decryptor, _ = _decryptor(None)
    assert decryptor.decrypt(CANDIDATE, opus[0]) == (DaveOutcome.AUDIO, opus[0])


def test_without_session_dave_frame_held(group: DaveGroup, opus: list[bytes]) -> None:
    decryptor, _ = _decryptor(None)
    frame = group.sessions[CANDIDATE].encrypt_opus(opus[0])
    assert decryptor.decrypt(CANDIDATE, frame)[0] is DaveOutcome.NOT_READY


def test_without_session_invalid_opus_fails() -> None:
    decryptor, health = _decryptor(None)
    # Code 1 (two equal frames) with an odd body length breaks RFC 6716 rule R3.
    assert decryptor.decrypt(CANDIDATE, b"\xf9\x01\x02\x03")[0] is DaveOutcome.FAILED
    assert health.decrypt_failures["invalid_plaintext_opus"] == 1


@pytest.mark.parametrize(
    ("packet", "valid"),
    [
        (b"", False),
        (b"\xf8", True),
        (b"\xf9\x01\x02", True),
        (b"\xf9\x01", False),
        (b"\xfa\x05\x01", False),
        (b"\xfa\x01\x05\x06", True),
        (b"\xfb", False),
        (b"\xfb\x00", False),
        (b"\xfb\x06", True),
        (b"\xfb\x07", False),
    ],
)
def test_opus_framing_rules(packet: bytes, valid: bool) -> None:
    assert is_valid_opus_packet(packet) is valid


def test_failure_kind_from_davey_message() -> None:
    error = ValueError("Failed to decrypt: DecryptionFailed(NoValidCryptorFound { x })")
    assert failure_kind(error) == "NoValidCryptorFound"
    assert failure_kind(ValueError("something else")) == "other"
