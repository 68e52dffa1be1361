"""Logging set-up: library DEBUG records that carry secrets or interview text stay out."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logsetup import configure_logging

LIBRARY_LOGGERS = ("discord", "google_genai", "httpx", "httpcore", "websockets")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers = root.handlers[:]
    level = root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


def test_debug_keeps_library_bodies_out(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG")
    logging.getLogger("discord.http").debug("POST /channels with %s", "transcript-quote")
    logging.getLogger("discord.gateway").debug("Sending voice frame: %s", "voice-token")
    logging.getLogger("google_genai._transformers").debug("response: %s", "model-output")
    logging.getLogger("bot.example").debug("own debug line")
    error = capsys.readouterr().err
    assert "transcript-quote" not in error
    assert "voice-token" not in error
    assert "model-output" not in error
    assert "own debug line" in error


def test_library_info_still_logged(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG")
    logging.getLogger("discord.client").info("logging in using static token")
    assert "logging in using static token" in capsys.readouterr().err


def test_invalid_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid LOG_LEVEL 'LOUD'"):
        configure_logging("LOUD")
