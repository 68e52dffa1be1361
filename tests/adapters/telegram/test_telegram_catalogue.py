"""The English and French catalogues carry the same keys and placeholders."""

from __future__ import annotations

import string

from adapters.telegram.app import COMMANDS
from bot.i18n import catalogue


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_same_keys() -> None:
    assert set(catalogue("en")) == set(catalogue("fr"))


def test_catalogues_have_same_placeholders() -> None:
    english, french = catalogue("en"), catalogue("fr")
    for key, template in english.items():
        assert _placeholders(template) == _placeholders(french[key]), key


def test_every_command_has_a_description() -> None:
    for language in ("en", "fr"):
        for command in COMMANDS:
            description = catalogue(language).get(f"command_{command}", "")
            assert 3 <= len(description) <= 256, (language, command)
