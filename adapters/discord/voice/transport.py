"""Transport encryption of Discord voice: `aead_xchacha20_poly1305_rtpsize`.

The layout matches discord.py 2.7.1's sender (`VoiceClient.
_encrypt_aead_xchacha20_poly1305_rtpsize`) and Discord's voice documentation:

    [RTP header + CSRCs + extension preamble] [ciphertext + 16-byte tag] [nonce: 4 bytes]

The clear-text header is the associated data. The nonce is a 32-bit big-endian
counter sent as the last 4 bytes of the packet and zero-padded to 24 bytes. The
plaintext starts with the extension body (its length is in the preamble, in
32-bit words) and, when the padding bit is set, ends with RTP padding whose last
byte is its own length.
"""

from __future__ import annotations

import nacl.bindings
import nacl.exceptions

from adapters.discord.voice.rtp import RtpHeader

SUPPORTED_MODE = "aead_xchacha20_poly1305_rtpsize"
NONCE_SUFFIX_SIZE = 4
NONCE_SIZE = 24
TAG_SIZE = 16
_NONCE_PADDING = bytes(NONCE_SIZE - NONCE_SUFFIX_SIZE)


class TransportDecryptError(ValueError):
    """A packet failed authentication or its decrypted layout is invalid."""


def decrypt_rtpsize(packet: bytes, header: RtpHeader, secret_key: bytes) -> bytes:
    """Decrypt one packet and return its RTP payload without extension body or padding."""
    end = len(packet) - NONCE_SUFFIX_SIZE
    if end - header.header_size < TAG_SIZE:
        raise TransportDecryptError(f"encrypted RTP packet too short: {len(packet)} bytes")
    nonce = packet[end:] + _NONCE_PADDING
    try:
        plaintext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            packet[header.header_size : end], packet[: header.header_size], nonce, secret_key
        )
    except nacl.exceptions.CryptoError as error:
        raise TransportDecryptError("RTP packet failed authentication") from error
    return strip_extension_and_padding(plaintext, header)


def strip_extension_and_padding(plaintext: bytes, header: RtpHeader) -> bytes:
    """Remove the encrypted extension body and the RTP padding from a decrypted payload."""
    start = 4 * header.extension_length if header.extension else 0
    end = len(plaintext)
    if header.padding:
        if end == 0 or plaintext[-1] == 0:
            raise TransportDecryptError("RTP padding bit set but the padding count is 0")
        end -= plaintext[-1]
    if end < start:
        raise TransportDecryptError(
            f"RTP extension body and padding ({start} + {len(plaintext) - end} bytes) "
            f"exceed the {len(plaintext)}-byte payload"
        )
    return plaintext[start:end]


def encrypt_rtpsize(header: bytes, payload: bytes, secret_key: bytes, nonce: int) -> bytes:
    """Encrypt `payload` behind the clear-text `header`, as a Discord sender does.

    `header` must end with the extension preamble when the extension bit is set,
    and `payload` then starts with the extension body.
    """
    suffix = (nonce & 0xFFFFFFFF).to_bytes(NONCE_SUFFIX_SIZE, "big")
    ciphertext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        payload, header, suffix + _NONCE_PADDING, secret_key
    )
    return header + ciphertext + suffix
