"""Bot settings, read from the environment and from `.env`.

Every setting is documented with its unit and default in `.env.example`.
Tokens and keys are `SecretStr`, so they never appear in a repr or a log line.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """All runtime settings; field names map to upper-case environment variables."""

    # An empty value (`GEMINI_API_KEY=` left blank in .env) counts as unset, so it gets
    # the default or a "not set" error instead of an empty key or token.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # General
    log_level: str = "INFO"
    default_locale: Literal["en", "fr"] = "en"

    # Storage: unset means SQLite under ./data/.
    database_url: str | None = None
    data_dir: Path = Path("data")
    database_statement_cache_size: int | None = None

    # Privacy
    policy_version: str = "2026-03-01"
    controller_name: str = "Naromeet"
    controller_contact: str = "contact@naromeet.com"
    supervisory_authority: str = "CNIL"
    transcript_retention_days: int = Field(default=15, ge=1)
    action_log_retention_days: int = Field(default=30, ge=1)
    purge_batch_size: int = Field(default=5000, ge=1)
    purge_interval_seconds: int = Field(default=3600, ge=60)

    # Rate limits and quotas
    commands_per_user_per_minute: int = Field(default=20, ge=1)
    commands_per_server_per_minute: int = Field(default=120, ge=1)
    voice_notes_per_user_per_minute: int = Field(default=6, ge=1)
    interviews_per_user_per_day: int = Field(default=5, ge=1)
    interview_minutes_per_user_per_day: int = Field(default=120, ge=1)
    max_concurrent_interviews: int = Field(default=50, ge=1)

    # Gemini
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str | None = None
    gemini_live_model: str = "gemini-2.5-flash-native-audio-preview-09-2025"
    gemini_text_model: str = "gemini-2.5-flash"
    gemini_feedback_model: str = "gemini-2.5-flash"
    gemini_tts_model: str = "gemini-2.5-flash-preview-tts"
    gemini_voice: str = "Kore"
    gemini_setup_timeout_seconds: float = Field(default=15.0, gt=0)
    gemini_reconnect_budget_seconds: float = Field(default=30.0, gt=0)
    gemini_max_reconnect_attempts: int = Field(default=5, ge=0)
    gemini_request_timeout_seconds: float = Field(default=60.0, gt=0)
    feedback_min_candidate_words: int = Field(default=30, ge=0)
    candidate_silence_timeout_seconds: float = Field(default=120.0, gt=0)
    silence_duration_ms: int = Field(default=1200, ge=100)
    gemini_prefix_padding_ms: int = Field(default=300, ge=0)
    gemini_audio_buffer_seconds: float = Field(default=10.0, gt=0)

    # Audio
    max_voice_note_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_voice_note_seconds: float = Field(default=600.0, gt=0)

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443

    # Discord
    discord_bot_token: SecretStr | None = None
    discord_leave_grace_seconds: float = Field(default=30.0, ge=0)
    discord_voice_reconnect_seconds: float = Field(default=60.0, gt=0)

    @property
    def prompts_dir(self) -> Path:
        return CONFIG_DIR / "prompts"

    @property
    def rubrics_dir(self) -> Path:
        return CONFIG_DIR / "rubrics"

    @property
    def messages_dir(self) -> Path:
        return CONFIG_DIR / "messages"


@functools.cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
