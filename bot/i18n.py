"""Message catalogues: every text a user sees, in English and French.

Catalogues are JSON files in `config/messages/`, one per language, mapping a key
to a `str.format` template. A missing key or language falls back to English.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"


def language_of(locale: str | None) -> str:
    """Reduce a platform locale ("fr", "fr-FR", "en_GB") to a catalogue language."""
    if not locale:
        return FALLBACK_LANGUAGE
    language = locale.replace("_", "-").split("-", 1)[0].lower()
    return language if language in available_languages() else FALLBACK_LANGUAGE


@functools.cache
def _catalogues(directory: Path = CONFIG_DIR / "messages") -> dict[str, dict[str, str]]:
    catalogues: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.json")):
        catalogues[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return catalogues


def available_languages() -> list[str]:
    """Languages that have a catalogue."""
    return sorted(_catalogues())


def catalogue(language: str) -> dict[str, str]:
    """Return the whole catalogue of one language (English when it has none)."""
    catalogues = _catalogues()
    return catalogues.get(language, catalogues[FALLBACK_LANGUAGE])


def translate(locale: str | None, key: str, **values: Any) -> str:
    """Render message `key` in the language of `locale` with `values` filled in."""
    language = language_of(locale)
    template = _catalogues()[language].get(key)
    if template is None:
        template = _catalogues()[FALLBACK_LANGUAGE].get(key)
    if template is None:
        logger.error("Message key %r is missing from every catalogue", key)
        return key
    return template.format(**values)
