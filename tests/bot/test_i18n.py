"""Message catalogues: parity between languages and locale handling."""

from __future__ import annotations

import string

import pytest

from bot import i18n


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_same_keys() -> None:
    english = i18n.catalogue("en")
    french = i18n.catalogue("fr")
    assert set(english) == set(french)


def test_catalogues_have_same_placeholders() -> None:
    english = i18n.catalogue("en")
    french = i18n.catalogue("fr")
    for key, template in english.items():
        assert _placeholders(template) == _placeholders(french[key]), key


@pytest.mark.parametrize(
    ("locale", "language"),
    [("fr", "fr"), ("fr-FR", "fr"), ("fr_CA", "fr"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_language_of_locale(locale: str | None, language: str) -> None:
    assert i18n.language_of(locale) == language


def test_translate_fills_values() -> None:
    assert "42" in i18n.translate("fr", "rate_limited", seconds=42)
    assert i18n.translate("fr", "rate_limited", seconds=1) != i18n.translate(
        "en", "rate_limited", seconds=1
    )


def test_translate_unknown_key_returns_key() -> None:
    assert i18n.translate("en", "no_such_message") == "no_such_message"
