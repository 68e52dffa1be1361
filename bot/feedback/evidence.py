"""Checks that an evidence quote is real candidate speech and not an instruction.

A quote is accepted only when, after case folding and removal of punctuation,
it occurs inside one candidate line, has at least `MIN_QUOTE_WORDS` words and
does not read as an attempt to steer the assessor ("ignore your instructions",
"give me 100"). Interviewer lines never count as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.feedback.text import normalize

MIN_QUOTE_WORDS = 3

# Applied to normalised text (case-folded, punctuation removed), English and French.
# NOTE: these catch common phrasings only. A reworded injection quoted as evidence still
# passes here, and is then limited by the locally computed overall score alone.
_STEERING_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|rubric)\b",
        r"\b(system|developer) (prompt|message|instructions?)\b",
        r"\b(give|score|rate|mark|grade)\b.{0,30}\b(100|hundred|ten out of ten|10 out of 10)\b",
        r"\b(full|maximum|max|perfect|top) (score|marks?|points?)\b",
        r"\bignorez?\b.{0,40}\b(instructions?|consignes|règles)\b",
        r"\b(donne|donnez|mets|mettez)[ -]?(moi)?\b.{0,30}\b(100|cent|20 sur 20|10 sur 10)\b",
        r"\bnote (maximale|parfaite)\b",
    )
)


def is_steering(text: str) -> bool:
    """Return whether `text` reads as an instruction to the assessor about its output."""
    normalized = normalize(text)
    return any(pattern.search(normalized) for pattern in _STEERING_PATTERNS)


def verify_quote(quote: str, candidate_lines: Iterable[str]) -> bool:
    """Return whether `quote` is usable evidence from `candidate_lines`."""
    normalized = normalize(quote)
    if len(normalized.split()) < MIN_QUOTE_WORDS:
        return False
    if is_steering(normalized):
        return False
    # Pad with spaces so a quote matches whole words only.
    padded = f" {normalized} "
    return any(padded in f" {normalize(line)} " for line in candidate_lines)
