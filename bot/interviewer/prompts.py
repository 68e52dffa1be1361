"""Interviewer and feedback prompts, assembled from the data files in `config/prompts/`.

The prompt files exist in English and French. French interviews use the French
files; every other language uses the English ones, and the prompt instructs the
model which language to conduct the interview in. Rubrics are JSON files in
`config/rubrics/`, one per interview type.

Text the candidate supplied (job description, focus, transcripts) is placed
inside named tags and described as data. Any copy of a tag inside that text is
removed first, so the text cannot close its own block.
"""

from __future__ import annotations

import functools
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.interviewer.spec import InterviewSpec
from config.settings import CONFIG_DIR

PROMPTS_DIR = CONFIG_DIR / "prompts"
RUBRICS_DIR = CONFIG_DIR / "rubrics"
PROMPT_LANGUAGES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One rubric criterion, with its name and description per prompt language."""

    id: str
    names: dict[str, str]
    descriptions: dict[str, str]

    def name(self, language: str) -> str:
        """Return the name in `language` ("fr" or "en"), falling back to English."""
        return self.names.get(language) or self.names["en"]

    def description(self, language: str) -> str:
        """Return the description in `language`, falling back to English."""
        return self.descriptions.get(language) or self.descriptions["en"]


@dataclass(frozen=True, slots=True)
class Rubric:
    """The criteria an interview of one type is scored on."""

    interview_type: str
    criteria: tuple[Criterion, ...]

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(criterion.id for criterion in self.criteria)

    def criterion(self, criterion_id: str) -> Criterion | None:
        """Return the criterion with this id, or None."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        return None


@functools.cache
def _read_template(language: str, name: str) -> string.Template:
    return string.Template((PROMPTS_DIR / language / f"{name}.md").read_text("utf-8").strip())


@functools.cache
def _labels(language: str) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads(
        (PROMPTS_DIR / language / "labels.json").read_text("utf-8")
    )
    return labels


def _render(language: str, name: str, values: dict[str, str]) -> str:
    # `substitute` raises KeyError on a placeholder with no value, so a typo in a
    # prompt file fails loudly instead of reaching the model.
    return _read_template(language, name).substitute(values)


def quote_data(text: str, tag: str) -> str:
    """Return `text` with every `<tag>` or `</tag>` removed, ready to sit inside that tag."""
    return re.sub(rf"<\s*/?\s*{re.escape(tag)}\s*>", "", text, flags=re.IGNORECASE).strip()


def language_name(spec: InterviewSpec) -> str:
    """Return the name of the interview language, written in the prompt language."""
    names: dict[str, str] = _labels(spec.prompt_language)["languages"]
    primary = spec.language.split("-")[0]
    return names.get(primary, spec.language)


def _common_values(spec: InterviewSpec) -> dict[str, str]:
    labels = _labels(spec.prompt_language)
    company_clause = ""
    if spec.company:
        company_clause = string.Template(labels["company_clause"]).substitute(company=spec.company)
    return {
        "type_name": labels["types"][spec.type],
        "seniority_name": labels["seniorities"][spec.seniority],
        "role": spec.role,
        "company_clause": company_clause,
        "language": spec.language,
        "language_name": language_name(spec),
        "length_minutes": str(spec.length_minutes),
    }


def build_system_instruction(spec: InterviewSpec, *, resume_summary: str | None = None) -> str:
    """Build the interviewer's system instruction for `spec`.

    With `resume_summary` (a reconnection or a restored session), the summary is
    included and the model is instructed not to greet the candidate again.
    """
    language = spec.prompt_language
    values = _common_values(spec)
    values["type_instructions"] = _render(language, spec.type, values)
    parts = [_render(language, "interviewer", values)]
    if spec.job_description:
        text = quote_data(spec.job_description, "job_description")
        parts.append(_render(language, "job_description", {"job_description": text}))
    if spec.custom_focus:
        text = quote_data(spec.custom_focus, "focus")
        parts.append(_render(language, "focus", {"custom_focus": text}))
    if resume_summary is not None:
        text = quote_data(resume_summary, "interview_so_far")
        parts.append(_render(language, "resume", {"resume_summary": text}))
    return "\n\n".join(parts)


def greeting_prompt(spec: InterviewSpec) -> str:
    """Return the user turn that requests a greeting and the first question."""
    return _render(spec.prompt_language, "greeting", _common_values(spec))


def turn_mode_instruction(spec: InterviewSpec) -> str:
    """Return the instruction for voice-note turns, whose output is JSON."""
    return _render(spec.prompt_language, "turn_mode", {})


def feedback_instruction(spec: InterviewSpec, rubric: Rubric) -> str:
    """Build the system instruction of the feedback model, listing the rubric criteria."""
    language = spec.prompt_language
    lines = [
        f"- {criterion.id}: {criterion.name(language)}. {criterion.description(language)}"
        for criterion in rubric.criteria
    ]
    values = _common_values(spec)
    values["rubric"] = "\n".join(lines)
    return _render(language, "feedback", values)


@functools.cache
def load_rubric(interview_type: str) -> Rubric:
    """Load `config/rubrics/{interview_type}.json`; raise FileNotFoundError or ValueError."""
    path = _rubric_path(interview_type)
    data = json.loads(path.read_text("utf-8"))
    criteria = tuple(
        Criterion(
            id=item["id"],
            names=dict(item["name"]),
            descriptions=dict(item["description"]),
        )
        for item in data["criteria"]
    )
    if not criteria:
        raise ValueError(f"rubric {path} has no criteria")
    ids = [criterion.id for criterion in criteria]
    if len(set(ids)) != len(ids):
        raise ValueError(f"rubric {path} repeats a criterion id: {ids}")
    return Rubric(interview_type=interview_type, criteria=criteria)


def _rubric_path(interview_type: str) -> Path:
    if not re.fullmatch(r"[a-z_]+", interview_type):
        raise ValueError(f"invalid interview type {interview_type!r}")
    return RUBRICS_DIR / f"{interview_type}.json"


def json_data_block(tag: str, value: Any) -> str:
    """Serialise `value` as JSON inside `<tag>` ... `</tag>`.

    Every "<" in the JSON is written as the escape `\\u003c`, which decodes to the
    same text, so nothing inside the block can open or close a tag.
    """
    payload = json.dumps(value, ensure_ascii=False, indent=1).replace("<", "\\u003c")
    return f"<{tag}>\n{payload}\n</{tag}>"
