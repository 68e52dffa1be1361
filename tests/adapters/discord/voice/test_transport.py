import types

import discord
import pytest

from adapters.discord.voice.rtp import parse_rtp_header
from adapters.discord.voice.transport import (
    TransportDecryptError,
    decrypt_rtpsize,
    encrypt_rtpsize,
)
from tests.adapters.discord.voice.packets import new_secret_key, rtp_header

OPUS = b"\xf8\x01\x02\x03\x04"


def test_decrypts_what_discord_py_encrypts() -> None:
    key = new_secret_key()
    sender = types.SimpleNamespace(secret_key=list(key), _incr_nonce=70000)
    sender.checked_add = lambda attr, value, limit: setattr(
        sender, attr, getattr(sender, attr) + value
    )
    header = rtp_header(3, 2880, 99)
    packet = discord.VoiceClient._encrypt_aead_xchacha20_poly1305_rtpsize(
        sender,  # type: ignore[arg-type]
        header,
        OPUS,
    )
    assert packet[-4:] == (70000).to_bytes(4, "big")
    assert decrypt_rtpsize(packet, parse_rtp_header(packet), key) == OPUS


def test_strips_extension_body_and_padding_with_csrcs() -> None:
    key = new_secret_key()
    header = rtp_header(3, 2880, 99, csrcs=(1, 2), extension_words=2, padding=True)
    extension_body = bytes([0x10, 0xFF, 0, 0, 0, 0, 0, 0])
    padding = bytes(3) + b"\x04"
    packet = encrypt_rtpsize(header, extension_body + OPUS + padding, key, 5)
    assert decrypt_rtpsize(packet, parse_rtp_header(packet), key) == OPUS


def test_header_is_authenticated() -> None:
    key = new_secret_key()
    packet = bytearray(encrypt_rtpsize(rtp_header(3, 2880, 99), OPUS, key, 5))
    packet[3] ^= 1
    with pytest.raises(TransportDecryptError):
        decrypt_rtpsize(bytes(packet), parse_rtp_header(bytes(packet)), key)


def test_wrong_key_rejected() -> None:
    packet = encrypt_rtpsize(rtp_header(3, 2880, 99), OPUS, new_secret_key(), 5)
    with pytest.raises(TransportDecryptError):
        decrypt_rtpsize(packet, parse_rtp_header(packet), new_secret_key())


def test_padding_larger_than_payload_rejected() -> None:
    key = new_secret_key()
    header = rtp_header(3, 2880, 99, padding=True)
    packet = encrypt_rtpsize(header, b"\x01\x02\x09", key, 5)
    with pytest.raises(TransportDecryptError):
        decrypt_rtpsize(packet, parse_rtp_header(packet), key)


def test_truncated_packet_rejected() -> None:
    key = new_secret_key()
    packet = rtp_header(3, 2880, 99) + bytes(10)
    with pytest.raises(TransportDecryptError):
        decrypt_rtpsize(packet, parse_rtp_header(packet), key)
