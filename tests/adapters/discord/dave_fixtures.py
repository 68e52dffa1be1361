"""An MLS group of `davey.DaveSession`s built without a Discord voice server.

The test plays the voice gateway's external sender (RFC 9420 section 12.1.8.1):
it signs external Add proposals with its own P-256 key, and the members commit
and welcome each other exactly as they would on opcodes 25 to 30. Integers are
big-endian and `<V>` is the MLS variable-length integer prefix (RFC 9420
section 2.1.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import davey
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

MLS_VERSION_10 = b"\x00\x01"
WIRE_FORMAT_PUBLIC_MESSAGE = b"\x00\x01"
SENDER_TYPE_EXTERNAL = b"\x02"
CONTENT_TYPE_PROPOSAL = b"\x02"
PROPOSAL_TYPE_ADD = b"\x00\x01"
CREDENTIAL_TYPE_BASIC = b"\x00\x01"
FRAMED_CONTENT_TBS_LABEL = b"MLS 1.0 FramedContentTBS"


def mls_varint(length: int) -> bytes:
    """Encode `length` as an MLS variable-length integer (1, 2 or 4 bytes)."""
    if length < 0x40:
        return bytes([length])
    if length < 0x4000:
        return (0x4000 | length).to_bytes(2, "big")
    if length < 0x40000000:
        return (0x80000000 | length).to_bytes(4, "big")
    raise ValueError(f"MLS vector too long: {length} bytes")


def mls_vector(data: bytes) -> bytes:
    """Prefix `data` with its MLS variable-length size."""
    return mls_varint(len(data)) + data


class ExternalSender:
    """The voice gateway's role in the MLS group: it signs external proposals."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    def package(self) -> bytes:
        """Return the opcode 25 payload for `DaveSession.set_external_sender`."""
        public = self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return mls_vector(public) + CREDENTIAL_TYPE_BASIC + mls_vector(b"")

    def add_proposal(self, channel_id: int, epoch: int, key_package: bytes) -> bytes:
        """Return one signed external Add proposal as an MLSMessage."""
        content = (
            mls_vector(channel_id.to_bytes(8, "big"))
            + epoch.to_bytes(8, "big")
            + SENDER_TYPE_EXTERNAL
            + (0).to_bytes(4, "big")
            + mls_vector(b"")
            + CONTENT_TYPE_PROPOSAL
            + PROPOSAL_TYPE_ADD
            + key_package
        )
        to_be_signed = mls_vector(FRAMED_CONTENT_TBS_LABEL) + mls_vector(
            MLS_VERSION_10 + WIRE_FORMAT_PUBLIC_MESSAGE + content
        )
        signature = self._key.sign(to_be_signed, ec.ECDSA(hashes.SHA256()))
        return MLS_VERSION_10 + WIRE_FORMAT_PUBLIC_MESSAGE + content + mls_vector(signature)

    def proposals(self, messages: Iterable[bytes]) -> bytes:
        """Return the opcode 27 proposals payload (without its operation byte)."""
        return mls_vector(b"".join(messages))


@dataclass
class DaveGroup:
    """DAVE sessions of several users joined in one MLS group for one channel.

    The first user creates the group by committing the others' Add proposals.
    `rekey()` replaces every session with a fresh one and builds a new group,
    as the voice gateway does after a reconnect or a protocol transition.
    """

    channel_id: int
    user_ids: list[int]
    sessions: dict[int, davey.DaveSession] = field(default_factory=dict)
    sender: ExternalSender = field(default_factory=ExternalSender)

    def __post_init__(self) -> None:
        self.build()

    def build(self) -> None:
        """Create fresh sessions for every user and join them in a new group."""
        version = davey.DAVE_PROTOCOL_VERSION
        self.sender = ExternalSender()
        self.sessions = {
            user_id: davey.DaveSession(version, user_id, self.channel_id)
            for user_id in self.user_ids
        }
        for session in self.sessions.values():
            session.set_external_sender(self.sender.package())
        creator_id, *joiner_ids = self.user_ids
        creator = self.sessions[creator_id]
        payload = self.sender.proposals(
            self.sender.add_proposal(
                self.channel_id, 0, self.sessions[user_id].get_serialized_key_package()
            )
            for user_id in joiner_ids
        )
        result = creator.process_proposals(
            davey.ProposalsOperationType.append, payload, list(self.user_ids)
        )
        if result is None or result.welcome is None:
            raise RuntimeError("the group creator produced no commit and welcome")
        creator.process_commit(result.commit)
        for user_id in joiner_ids:
            self.sessions[user_id].process_welcome(result.welcome)

    def rekey(self) -> None:
        """Replace every session and build a new group with new keys."""
        self.build()
