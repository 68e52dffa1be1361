"""The interview a candidate asked for: type, role, seniority, language and length.

The spec is stored as a plain dict with the session (`to_dict` / `from_dict`).
`job_description` and `custom_focus` are the candidate's own text: they are kept
with the transcript and purged with it, and prompts pass them as quoted data.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

InterviewType = Literal["behavioural", "technical", "system_design", "case", "custom"]
Seniority = Literal["intern", "junior", "mid", "senior", "staff", "manager"]

INTERVIEW_TYPES: tuple[InterviewType, ...] = (
    "behavioural",
    "technical",
    "system_design",
    "case",
    "custom",
)
SENIORITIES: tuple[Seniority, ...] = ("intern", "junior", "mid", "senior", "staff", "manager")

MAX_JOB_DESCRIPTION_CHARS = 4000
MAX_CUSTOM_FOCUS_CHARS = 500
FALLBACK_LANGUAGE = "en"

# A BCP 47 tag in the common form: primary language subtag, then optional
# script, region or variant subtags ("en", "fr-CA", "zh-Hant-TW").
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def normalize_language(tag: str) -> str:
    """Return `tag` in canonical case ("pt-br" -> "pt-BR"), or raise ValueError."""
    cleaned = tag.strip().replace("_", "-")
    if not _LANGUAGE_TAG.match(cleaned):
        raise ValueError(f"invalid language tag {tag!r}: expected a BCP 47 code such as 'en'")
    primary, *rest = cleaned.split("-")
    subtags = [primary.lower()]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():
            subtags.append(subtag.title())  # script, e.g. "Hant"
        elif (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit()):
            subtags.append(subtag.upper())  # region, e.g. "BR" or "419"
        else:
            subtags.append(subtag.lower())
    return "-".join(subtags)


def default_language(locale: str | None) -> str:
    """Return the interview language for a platform locale ("fr-FR" -> "fr").

    Discord and Telegram report locales such as "en-US", "pt-BR" or "fr". The
    primary subtag is kept because interviewers speak a language, not a region.
    A missing or unreadable locale falls back to English.
    """
    if not locale:
        return FALLBACK_LANGUAGE
    try:
        return normalize_language(locale).split("-")[0]
    except ValueError:
        return FALLBACK_LANGUAGE


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


class InterviewSpec(BaseModel):
    """The parameters of one practice interview."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: InterviewType = "behavioural"
    role: str = Field(min_length=1, max_length=100)
    seniority: Seniority = "mid"
    company: str | None = Field(default=None, max_length=100)
    language: str = FALLBACK_LANGUAGE
    length_minutes: int = Field(default=15, ge=5, le=45)
    job_description: str | None = Field(default=None, max_length=MAX_JOB_DESCRIPTION_CHARS)
    custom_focus: str | None = Field(default=None, max_length=MAX_CUSTOM_FOCUS_CHARS)

    @field_validator("role", mode="before")
    @classmethod
    def _strip_role(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("company", "job_description", "custom_focus", mode="before")
    @classmethod
    def _strip_optional(cls, value: Any) -> Any:
        return _strip_or_none(value) if isinstance(value, str) else value

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        return normalize_language(value)

    @property
    def prompt_language(self) -> str:
        """The language of the prompt files: "fr" for French interviews, "en" otherwise."""
        return "fr" if self.language.split("-")[0] == "fr" else "en"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict for the session row."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InterviewSpec:
        """Build a spec from `to_dict` output; raise pydantic.ValidationError if invalid."""
        return cls.model_validate(data)
