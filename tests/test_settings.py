"""Settings: every one is documented, and secrets never show in a repr."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_documents_every_setting() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    expected = {name.upper() for name in Settings.model_fields}
    assert expected - documented == set()
    assert documented - expected == set()


def test_secrets_are_hidden_in_repr() -> None:
    settings = Settings(
        gemini_api_key=SecretStr("AIza-secret"), telegram_bot_token=SecretStr("123:tok")
    )
    assert "AIza-secret" not in repr(settings)
    assert "123:tok" not in str(settings)


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "7")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert settings.transcript_retention_days == 7
    assert settings.log_level == "DEBUG"


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("GEMINI_VOICE=Puck\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert Settings().gemini_voice == "Puck"


def test_empty_values_count_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("GEMINI_API_KEY=\nTELEGRAM_BOT_TOKEN=\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "")
    settings = Settings()
    assert settings.gemini_api_key is None
    assert settings.telegram_bot_token is None
    assert settings.database_url is None
    assert settings.transcript_retention_days == 15
