"""The SSRC to user id map of one voice connection, fed by voice websocket ops.

Discord announces who sends on which SSRC with SPEAKING (op 5: `user_id`,
`ssrc`) and, from older servers, CLIENT_CONNECT (op 12: `user_id`,
`audio_ssrc`). CLIENTS_CONNECT (op 11: `user_ids`) lists users who joined, and
CLIENT_DISCONNECT (op 13: `user_id`) removes a user and their SSRC.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

_log = logging.getLogger(__name__)

OP_SPEAKING = 5
OP_CLIENTS_CONNECT = 11
OP_CLIENT_CONNECT = 12
OP_CLIENT_DISCONNECT = 13


class SsrcMap:
    """Maps SSRCs to user ids; updated on the event loop, read on the socket reader thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, int] = {}
        self._ssrcs: dict[int, int] = {}
        self.connected_user_ids: set[int] = set()

    def user_for(self, ssrc: int) -> int | None:
        """Return the user id sending on `ssrc`, or None when no op has announced it."""
        return self._users.get(ssrc)

    def ssrc_for(self, user_id: int) -> int | None:
        """Return the audio SSRC of `user_id`, or None when it is not known yet."""
        return self._ssrcs.get(user_id)

    def assign(self, ssrc: int, user_id: int) -> bool:
        """Map `ssrc` to `user_id`; return whether the map changed."""
        with self._lock:
            if self._users.get(ssrc) == user_id and self._ssrcs.get(user_id) == ssrc:
                return False
            previous = self._ssrcs.get(user_id)
            if previous is not None:
                self._users.pop(previous, None)
            previous_owner = self._users.get(ssrc)
            if previous_owner is not None:
                self._ssrcs.pop(previous_owner, None)
            self._users[ssrc] = user_id
            self._ssrcs[user_id] = ssrc
            self.connected_user_ids.add(user_id)
        _log.debug("SSRC %d mapped to user %d", ssrc, user_id)
        return True

    def remove_user(self, user_id: int) -> bool:
        """Forget `user_id` and their SSRC; return whether the map changed."""
        with self._lock:
            self.connected_user_ids.discard(user_id)
            ssrc = self._ssrcs.pop(user_id, None)
            if ssrc is None:
                return False
            self._users.pop(ssrc, None)
        _log.debug("SSRC %d of user %d removed", ssrc, user_id)
        return True

    def clear(self) -> None:
        """Forget every mapping, as after a new voice session."""
        with self._lock:
            self._users.clear()
            self._ssrcs.clear()
            self.connected_user_ids.clear()

    def apply(self, message: Any) -> bool:
        """Update the map from one voice websocket JSON message; return whether it changed.

        Raises KeyError, TypeError or ValueError on a malformed message of a known op.
        """
        if not isinstance(message, dict):
            return False
        op = message.get("op")
        data = message.get("d")
        if not isinstance(data, dict):
            return False
        if op == OP_SPEAKING:
            return self.assign(int(data["ssrc"]), int(data["user_id"]))
        if op == OP_CLIENT_CONNECT and "audio_ssrc" in data:
            return self.assign(int(data["audio_ssrc"]), int(data["user_id"]))
        if op == OP_CLIENTS_CONNECT:
            with self._lock:
                self.connected_user_ids.update(int(user_id) for user_id in data["user_ids"])
            return False
        if op == OP_CLIENT_DISCONNECT:
            return self.remove_user(int(data["user_id"]))
        return False
