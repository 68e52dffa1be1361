"""The interview spec: validation, defaults and the stored dict form."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.interviewer.spec import (
    MAX_JOB_DESCRIPTION_CHARS,
    InterviewSpec,
    default_language,
    normalize_language,
)


def test_spec_defaults() -> None:
    spec = InterviewSpec(role="Data analyst")

    assert spec.type == "behavioural"
    assert spec.seniority == "mid"
    assert spec.language == "en"
    assert spec.length_minutes == 15
    assert spec.company is None
    assert spec.job_description is None


def test_spec_round_trip() -> None:
    spec = InterviewSpec(
        type="system_design",
        role="  Staff engineer ",
        seniority="staff",
        company="Acme",
        language="pt_br",
        length_minutes=45,
        job_description="Own the payments platform.",
        custom_focus="Queues",
    )

    stored = json.loads(json.dumps(spec.to_dict()))

    assert InterviewSpec.from_dict(stored) == spec
    assert stored["role"] == "Staff engineer"
    assert stored["language"] == "pt-BR"


def test_blank_optionals_become_none() -> None:
    spec = InterviewSpec(role="Dev", company="   ", job_description="", custom_focus=" ")

    assert spec.company is None
    assert spec.job_description is None
    assert spec.custom_focus is None


@pytest.mark.parametrize(
    "changes",
    [
        {"role": ""},
        {"role": "   "},
        {"role": "x" * 101},
        {"type": "trivia"},
        {"seniority": "wizard"},
        {"length_minutes": 4},
        {"length_minutes": 46},
        {"language": "english please"},
        {"language": "e"},
        {"job_description": "x" * (MAX_JOB_DESCRIPTION_CHARS + 1)},
    ],
)
def test_spec_rejects_invalid(changes: dict[str, object]) -> None:
    values: dict[str, object] = {"role": "Dev"}
    values.update(changes)

    with pytest.raises(ValidationError):
        InterviewSpec(**values)  # type: ignore[arg-type]


def test_from_dict_ignores_unknown_keys() -> None:
    spec = InterviewSpec.from_dict({"role": "Dev", "obsolete": True})

    assert spec.role == "Dev"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("en-US", "en"),
        ("pt_BR", "pt"),
        ("DE", "de"),
        (None, "en"),
        ("", "en"),
        ("not a locale", "en"),
    ],
)
def test_default_language(locale: str | None, expected: str) -> None:
    assert default_language(locale) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"), ("EN", "en")],
)
def test_normalize_language(tag: str, expected: str) -> None:
    assert normalize_language(tag) == expected


@pytest.mark.parametrize(("language", "expected"), [("fr-CA", "fr"), ("de", "en"), ("en", "en")])
def test_prompt_language(language: str, expected: str) -> None:
    assert InterviewSpec(role="Dev", language=language).prompt_language == expected
