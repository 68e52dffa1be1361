"""The voice websocket hook, listener registration and the SSRC map."""

from typing import Any

import pytest

from tests.adapters.discord.voice.conftest import (
    CANDIDATE_ID,
    CANDIDATE_SSRC,
    SPECTATOR_ID,
    VoiceRig,
)
from tests.adapters.discord.voice.packets import opus_packets

GARBAGE_MESSAGES = [
    {"op": 5, "d": {"ssrc": "not a number", "user_id": "1"}},
    {"op": 5, "d": {"speaking": 1}},
    {"op": 5, "d": None},
    {"op": 11, "d": {"user_ids": 5}},
    {"op": 12, "d": {"user_id": None, "audio_ssrc": 3}},
    {"op": 13, "d": {}},
    {"op": 13, "d": "x"},
    {"op": 999, "d": [1, 2]},
    {"op": None, "d": {}},
]


@pytest.mark.parametrize("message", GARBAGE_MESSAGES)
async def test_hook_never_raises_through_discord(rig: VoiceRig, message: dict[str, Any]) -> None:
    await rig.ws.received_message(message)


@pytest.mark.parametrize("message", [None, 42, "op", [1], {"d": {}}, b"\x00"])
async def test_hook_never_raises_on_non_messages(rig: VoiceRig, message: object) -> None:
    await rig.hook(message)


async def test_speaking_maps_and_disconnect_unmaps(rig: VoiceRig) -> None:
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    assert rig.voice.ssrc_map.user_for(CANDIDATE_SSRC) == CANDIDATE_ID
    await rig.op(13, {"user_id": str(CANDIDATE_ID)})
    assert rig.voice.ssrc_map.user_for(CANDIDATE_SSRC) is None


async def test_ssrc_reused_by_other_user(rig: VoiceRig) -> None:
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.speaking(SPECTATOR_ID, CANDIDATE_SSRC)
    assert rig.voice.ssrc_map.user_for(CANDIDATE_SSRC) == SPECTATOR_ID
    assert rig.voice.ssrc_map.ssrc_for(CANDIDATE_ID) is None


async def test_client_connect_ops(rig: VoiceRig) -> None:
    await rig.op(11, {"user_ids": [str(CANDIDATE_ID), str(SPECTATOR_ID)]})
    await rig.op(12, {"user_id": str(CANDIDATE_ID), "audio_ssrc": 77})
    assert rig.voice.ssrc_map.connected_user_ids == {CANDIDATE_ID, SPECTATOR_ID}
    assert rig.voice.ssrc_map.user_for(77) == CANDIDATE_ID


async def test_ready_forgets_ssrcs(rig: VoiceRig) -> None:
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.hook({"op": 2, "d": {"ssrc": 1, "port": 1, "ip": "127.0.0.1"}})
    assert rig.voice.ssrc_map.user_for(CANDIDATE_SSRC) is None


async def test_listener_restored_after_reconnect(rig: VoiceRig) -> None:
    # A full discord.py disconnect clears the reader's callbacks, so the next
    # SESSION_DESCRIPTION must register the receive path again.
    rig.state._socket_reader._callbacks.clear()
    await rig.hook({"op": 4, "d": {"mode": "aead_xchacha20_poly1305_rtpsize"}})
    assert rig.state._socket_reader._callbacks == [rig.voice.receiver.on_packet]
    rig.voice.set_candidate(CANDIDATE_ID)
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    rig.deliver(rig.candidate.packet(opus_packets(1)[0]))
    assert rig.voice.health.decoded == 1


async def test_listener_registered_once(rig: VoiceRig) -> None:
    rig.voice.start_receiving()
    rig.voice.start_receiving()
    assert rig.state._socket_reader._callbacks.count(rig.voice.receiver.on_packet) == 1


async def test_dave_ops_reach_hook_without_raising(rig: VoiceRig) -> None:
    # Transition 0 executes at once, so discord.py sends nothing on the websocket.
    await rig.op(21, {"transition_id": 0, "protocol_version": 1})
    await rig.op(22, {"transition_id": 9})
    await rig.op(24, {"epoch": 2, "protocol_version": 1})
    assert rig.state.dave_protocol_version == 1
    assert rig.state.dave_pending_transitions == {}


async def test_cleanup_removes_listener(rig: VoiceRig) -> None:
    rig.voice.set_candidate(CANDIDATE_ID)
    rig.state.remove_socket_listener(rig.voice.receiver.on_packet)
    rig.voice.start_receiving()
    rig.voice.receiver.set_candidate(None)
    rig.state.remove_socket_listener(rig.voice.receiver.on_packet)
    assert rig.state._socket_reader._callbacks == []
    assert rig.voice.receiver.candidate_id is None


async def test_unsupported_mode_drops_before_decrypt(rig: VoiceRig) -> None:
    rig.state.mode = "xsalsa20_poly1305_lite"
    rig.voice.set_candidate(CANDIDATE_ID)
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    rig.deliver(rig.candidate.packet(opus_packets(1)[0]))
    assert rig.voice.health.dropped["no_secret_key"] == 1
    assert rig.voice.health.transport_decrypts == 0
