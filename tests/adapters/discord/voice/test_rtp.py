import pytest

from adapters.discord.voice.rtp import (
    RtpError,
    is_rtcp,
    parse_one_byte_extensions,
    parse_rtp_header,
    sequence_add,
    sequence_diff,
    timestamp_diff,
)
from tests.adapters.discord.voice.packets import rtp_header


def test_parse_plain_header() -> None:
    header = parse_rtp_header(rtp_header(65535, 4294967000, 0xDEADBEEF, marker=True) + b"x")
    assert header.sequence == 65535
    assert header.timestamp == 4294967000
    assert header.ssrc == 0xDEADBEEF
    assert header.payload_type == 120
    assert header.marker
    assert not header.padding
    assert not header.extension
    assert header.header_size == 12


def test_parse_csrcs_extension_and_padding_bits() -> None:
    raw = rtp_header(7, 960, 5, csrcs=(11, 22, 33), extension_words=2, padding=True)
    header = parse_rtp_header(raw + bytes(20))
    assert header.csrc_count == 3
    assert header.csrcs == (11, 22, 33)
    assert header.extension
    assert header.extension_profile == 0xBEDE
    assert header.extension_length == 2
    assert header.padding
    assert header.header_size == 12 + 12 + 4


@pytest.mark.parametrize(
    "raw",
    [
        b"\x80\x78\x00",
        bytes([0x40, 0x78]) + bytes(10),
        bytes([0x82, 0x78]) + bytes(14),
        bytes([0x90, 0x78]) + bytes(12),
    ],
    ids=["short", "version-1", "csrcs-missing", "preamble-missing"],
)
def test_parse_rejects_malformed(raw: bytes) -> None:
    with pytest.raises(RtpError):
        parse_rtp_header(raw)


@pytest.mark.parametrize("packet_type", [200, 201, 202, 203, 204])
def test_rtcp_detected(packet_type: int) -> None:
    assert is_rtcp(bytes([0x80, packet_type]) + bytes(6))


def test_rtp_opus_not_rtcp() -> None:
    assert not is_rtcp(rtp_header(1, 1, 1, marker=True))
    assert not is_rtcp(rtp_header(1, 1, 1))


def test_one_byte_extension_elements() -> None:
    # id 1 with 2 bytes, a padding byte, id 3 with 1 byte, then padding to a word.
    body = bytes([0x11, 0xAA, 0xBB, 0x00, 0x30, 0xCC, 0x00, 0x00])
    assert parse_one_byte_extensions(body) == {1: b"\xaa\xbb", 3: b"\xcc"}


def test_one_byte_extension_overrun_rejected() -> None:
    with pytest.raises(RtpError):
        parse_one_byte_extensions(bytes([0x13, 0xAA]))


def test_sequence_arithmetic_wraps() -> None:
    assert sequence_diff(0, 65535) == 1
    assert sequence_diff(65535, 0) == -1
    assert sequence_diff(10, 5) == 5
    assert sequence_add(65535, 2) == 1


def test_timestamp_arithmetic_wraps() -> None:
    assert timestamp_diff(480, 0xFFFFFFFF - 479) == 960
    assert timestamp_diff(0xFFFFFFFF - 479, 480) == -960
