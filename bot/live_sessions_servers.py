"""Per-server settings that managers set with `/setup`: where and by whom interviews
may run, the server's default language and its interview length limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from storage.base import Store

logger = logging.getLogger(__name__)

_KNOWN_KEYS = frozenset(
    {"allowed_channel_ids", "allowed_role_ids", "default_language", "max_interview_minutes"}
)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """A server's settings; empty allow-lists allow every channel and every member."""

    allowed_channel_ids: tuple[str, ...] = ()
    allowed_role_ids: tuple[str, ...] = ()
    default_language: str | None = None
    max_interview_minutes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extra,
            "allowed_channel_ids": list(self.allowed_channel_ids),
            "allowed_role_ids": list(self.allowed_role_ids),
            "default_language": self.default_language,
            "max_interview_minutes": self.max_interview_minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerSettings:
        return cls(
            allowed_channel_ids=tuple(str(v) for v in data.get("allowed_channel_ids") or ()),
            allowed_role_ids=tuple(str(v) for v in data.get("allowed_role_ids") or ()),
            default_language=data.get("default_language"),
            max_interview_minutes=data.get("max_interview_minutes"),
            extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        )

    def allows(self, channel_id: str, role_ids: list[str]) -> bool:
        """Whether a member with `role_ids` may start an interview in `channel_id`."""
        if self.allowed_channel_ids and channel_id not in self.allowed_channel_ids:
            return False
        if not self.allowed_role_ids:
            return True
        return any(role_id in self.allowed_role_ids for role_id in role_ids)


class ServerSettingsService:
    """Reads and writes `ServerSettings` through the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, platform: str, server_id: str) -> ServerSettings:
        return ServerSettings.from_dict(await self._store.get_server_settings(platform, server_id))

    async def save(self, platform: str, server_id: str, settings: ServerSettings) -> None:
        await self._store.set_server_settings(platform, server_id, settings.to_dict())
        logger.info("Settings of %s server %s updated", platform, server_id)
