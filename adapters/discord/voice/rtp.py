"""RTP header parsing (RFC 3550) for Discord voice packets, and RTCP detection.

Discord sends Opus as RTP payload type 120 with an optional one-byte header
extension (RFC 8285, profile 0xBEDE). In the `_rtpsize` encryption modes the
4-byte extension preamble stays in clear text but its body is encrypted, so the
body is parsed only after transport decryption.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
OPUS_PAYLOAD_TYPE = 120
RTP_HEADER_SIZE = 12
EXTENSION_PREAMBLE_SIZE = 4
ONE_BYTE_EXTENSION_PROFILE = 0xBEDE
# RTCP packet types 200-204 (SR, RR, SDES, BYE, APP) read as 72-76 once the
# marker bit is masked off (RFC 5761 section 4).
RTCP_PAYLOAD_TYPES = range(72, 77)

_FIXED_HEADER = struct.Struct(">BBHII")
_EXTENSION_PREAMBLE = struct.Struct(">HH")


class RtpError(ValueError):
    """An RTP packet is truncated or malformed."""


@dataclass(frozen=True, slots=True)
class RtpHeader:
    """The clear-text part of an RTP packet.

    `header_size` counts the fixed header, the CSRCs and the extension preamble:
    exactly the bytes the `_rtpsize` modes authenticate as associated data.
    `extension_length` is the extension body's size in 32-bit words.
    """

    padding: bool
    extension: bool
    csrc_count: int
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    csrcs: tuple[int, ...]
    extension_profile: int
    extension_length: int
    header_size: int


def is_rtcp(packet: bytes) -> bool:
    """Return whether `packet` is RTCP rather than RTP."""
    return len(packet) >= 2 and (packet[1] & 0x7F) in RTCP_PAYLOAD_TYPES


def peek_payload_type_and_ssrc(packet: bytes) -> tuple[int, int]:
    """Read the payload type and SSRC without parsing the rest of the header."""
    if len(packet) < RTP_HEADER_SIZE:
        raise RtpError(f"RTP packet too short: {len(packet)} bytes")
    return packet[1] & 0x7F, int.from_bytes(packet[8:12], "big")


def parse_rtp_header(packet: bytes) -> RtpHeader:
    """Parse the fixed header, the CSRC list and the extension preamble."""
    if len(packet) < RTP_HEADER_SIZE:
        raise RtpError(f"RTP packet too short: {len(packet)} bytes")
    first, second, sequence, timestamp, ssrc = _FIXED_HEADER.unpack_from(packet)
    version = first >> 6
    if version != RTP_VERSION:
        raise RtpError(f"unsupported RTP version {version}")
    csrc_count = first & 0x0F
    offset = RTP_HEADER_SIZE + 4 * csrc_count
    if len(packet) < offset:
        raise RtpError(f"RTP packet too short for {csrc_count} CSRCs: {len(packet)} bytes")
    csrcs = struct.unpack_from(f">{csrc_count}I", packet, RTP_HEADER_SIZE)
    extension = bool(first & 0x10)
    profile = length = 0
    if extension:
        if len(packet) < offset + EXTENSION_PREAMBLE_SIZE:
            raise RtpError("RTP packet too short for its extension preamble")
        profile, length = _EXTENSION_PREAMBLE.unpack_from(packet, offset)
        offset += EXTENSION_PREAMBLE_SIZE
    return RtpHeader(
        padding=bool(first & 0x20),
        extension=extension,
        csrc_count=csrc_count,
        marker=bool(second & 0x80),
        payload_type=second & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        csrcs=csrcs,
        extension_profile=profile,
        extension_length=length,
        header_size=offset,
    )


def parse_one_byte_extensions(body: bytes) -> dict[int, bytes]:
    """Parse a decrypted 0xBEDE extension body into {element id: data}.

    Padding bytes (id 0) are skipped and id 15 ends the list (RFC 8285 section 4.2).
    """
    elements: dict[int, bytes] = {}
    offset = 0
    while offset < len(body):
        element_id = body[offset] >> 4
        if element_id == 0:
            offset += 1
            continue
        if element_id == 15:
            break
        size = (body[offset] & 0x0F) + 1
        start = offset + 1
        if start + size > len(body):
            raise RtpError(f"RTP extension element {element_id} overruns its body")
        elements[element_id] = body[start : start + size]
        offset = start + size
    return elements


def sequence_diff(a: int, b: int) -> int:
    """Return `a - b` for 16-bit sequence numbers, in [-32768, 32767] across wraparound."""
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


def timestamp_diff(a: int, b: int) -> int:
    """Return `a - b` for 32-bit RTP timestamps, signed across wraparound."""
    return ((a - b + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def sequence_add(sequence: int, count: int) -> int:
    """Advance a 16-bit sequence number by `count`, wrapping at 65536."""
    return (sequence + count) & 0xFFFF
