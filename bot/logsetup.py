"""Logging configuration: standard library logging to standard error."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Send every log record at `level` or above to standard error.

    discord.py and python-telegram-bot log through the standard library, so their
    records share this handler. httpx logs each request URL at INFO, and a Telegram
    URL contains the bot token, so httpx is held at WARNING. At DEBUG, discord.py
    logs REST request bodies (feedback with transcript quotes), gateway events and
    voice websocket frames (the voice session token), and google-genai logs model
    responses, so those two libraries are held at INFO even when LOG_LEVEL is DEBUG.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"invalid LOG_LEVEL {level!r}: use DEBUG, INFO, WARNING or ERROR")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for noisy in ("httpx", "httpcore", "websockets", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    for library in ("discord", "google_genai"):
        logging.getLogger(library).setLevel(max(numeric, logging.INFO))
