"""The `naromeet-bot` command line on both backends, run in-process and as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from config.settings import get_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def _use(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def _run_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GEMINI_")}
    clean.update(env)
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        check=False,
    )


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    for command in ("run", "migrate", "purge", "export", "delete", "doctor"):
        assert command in output


def test_run_without_settings_names_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--platform", "telegram"]) == 2
    error = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in error
    assert "GEMINI_API_KEY" in error
    assert len(error.strip().splitlines()) == 1


def test_run_all_without_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    error = capsys.readouterr().err
    assert "missing settings: DISCORD_BOT_TOKEN or TELEGRAM_BOT_TOKEN; GEMINI_API_KEY." in error
    assert "TELEGRAM_BOT_TOKEN=..." not in error


def test_run_with_empty_settings_names_them(tmp_path: Path) -> None:
    env = {"GEMINI_API_KEY": "", "TELEGRAM_BOT_TOKEN": "", "DATA_DIR": str(tmp_path)}
    result = _run_process("run", env=env)
    assert result.returncode == 2
    assert "GEMINI_API_KEY" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_database_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, DATABASE_URL="mysql://root:hunter2@db.example:3306/x")
    assert main(["migrate"]) == 1
    error = capsys.readouterr().err
    assert "DATABASE_URL" in error
    assert "hunter2" not in error


def test_unreachable_database_names_host_not_password(tmp_path: Path) -> None:
    url = "postgresql://naromeet:s3cret-password@127.0.0.1:9/naromeet"
    result = _run_process("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert "127.0.0.1" in result.stderr
    assert "s3cret-password" not in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unusable_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = _run_process("migrate", env={"DATA_DIR": str(blocker / "data")})
    assert result.returncode == 1
    assert "cannot open SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_setting_value_is_one_line() -> None:
    result = _run_process("migrate", env={"PURGE_BATCH_SIZE": "lots"})
    assert result.returncode == 2
    assert "PURGE_BATCH_SIZE" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_is_idempotent(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, DATABASE_URL=database_url)
    assert main(["migrate"]) == 0
    assert "applied" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_export_unknown_user(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _use(monkeypatch, DATABASE_URL=database_url)
    output = tmp_path / "export.json"
    assert (
        main(["export", "--platform", "telegram", "--user-id", "7", "--output", str(output)]) == 0
    )
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["user"] is None
    assert document["sessions"] == []
    assert document["controller"]["contact"] == "contact@naromeet.com"
    assert "no telegram user 7 is stored" in capsys.readouterr().err


def test_export_file_is_owner_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    output = tmp_path / "export.json"
    output.write_text("old", encoding="utf-8")
    output.chmod(0o644)
    assert (
        main(["export", "--platform", "discord", "--user-id", "5", "--output", str(output)]) == 0
    )
    assert output.stat().st_mode & 0o777 == 0o600
    assert json.loads(output.read_text(encoding="utf-8"))["format_version"] == 1


def test_delete_unknown_user_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert main(["delete", "--platform", "discord", "--user-id", "404", "--yes"]) == 0
    captured = capsys.readouterr()
    assert "no discord user 404 is stored: nothing was erased" in captured.err
    assert "users: 0" in captured.out


def test_delete_and_export_agree(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.privacy import PrivacyService
    from config.settings import Settings
    from storage.base import UserProfile
    from storage.factory import open_store

    _use(monkeypatch, DATABASE_URL=database_url)

    async def seed() -> None:
        store = open_store(Settings())
        await store.connect()
        await store.migrate()
        await PrivacyService(store, Settings()).record_consent(
            UserProfile("discord", "99", name="Ada", locale="fr")
        )
        await store.close()

    asyncio.run(seed())
    assert main(["export", "--platform", "discord", "--user-id", "99"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["user"]["name"] == "Ada"
    assert len(document["consents"]) == 1

    assert main(["delete", "--platform", "discord", "--user-id", "99", "--yes"]) == 0
    counts = dict(line.split(": ") for line in capsys.readouterr().out.strip().splitlines())
    assert counts["users"] == "1"
    assert counts["consents"] == "1"

    assert main(["export", "--platform", "discord", "--user-id", "99"]) == 0
    assert json.loads(capsys.readouterr().out)["user"] is None


def test_delete_without_yes_on_pipe_is_rejected(tmp_path: Path) -> None:
    result = _run_process(
        "delete",
        "--platform",
        "telegram",
        "--user-id",
        "1",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
    )
    assert result.returncode == 2
    assert "--yes" in result.stderr


def test_purge_dry_run_prints_counts(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, DATABASE_URL=database_url)
    assert main(["purge", "--dry-run"]) == 0
    output = capsys.readouterr().out
    assert "dry run" in output
    assert "transcript_messages: 0" in output


def test_doctor_reports_missing_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'doctor.sqlite3'}")
    assert main(["doctor"]) == 1
    output = capsys.readouterr().out
    assert "[FAIL] GEMINI_API_KEY" in output
    assert "[ok] codecs" in output
    assert "pending" in output  # a new SQLite file has every migration pending


def test_empty_user_id_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--platform", "telegram", "--user-id", "  "])
    assert exit_info.value.code == 2
    assert "--user-id" in capsys.readouterr().err


def test_unknown_default_locale_is_one_line() -> None:
    result = _run_process("migrate", env={"DEFAULT_LOCALE": "de"})
    assert result.returncode == 2
    assert "DEFAULT_LOCALE" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_shot_commands_print_no_info_logs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quiet.sqlite3'}"
    quiet = _run_process("migrate", env={"DATABASE_URL": url})
    assert quiet.returncode == 0
    assert "INFO" not in quiet.stderr
    verbose = _run_process("migrate", env={"DATABASE_URL": url, "LOG_LEVEL": "INFO"})
    assert "INFO" in verbose.stderr
