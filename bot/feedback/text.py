"""Text normalisation shared by quote checking and speech measures."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def words(text: str) -> list[str]:
    """Split `text` into case-folded words; apostrophes inside a word are kept ("don't")."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _WORD.findall(folded)


def normalize(text: str) -> str:
    """Return `text` case-folded, without punctuation, with single spaces between words."""
    return " ".join(words(text))
