"""The feedback record stored with a session (`to_dict` / `from_dict`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.feedback.measures import SpeechMeasures

FEEDBACK_FORMAT_VERSION = 1

# Codes for what limited an assessment. They are stable, so a message catalogue can word them.
NOTE_SPARSE_TRANSCRIPT = "sparse_transcript"
NOTE_UNSUPPORTED_EVIDENCE = "unsupported_evidence"
NOTE_MISSING_CRITERIA = "missing_criteria"


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """The score of one rubric criterion.

    `supported` is false when the model gave no quote that occurs in the
    candidate's lines. `score` is then None and is left out of the overall score,
    while `model_score` keeps the number the model proposed.
    """

    id: str
    name: str
    score: int | None
    evidence: str | None
    supported: bool
    model_score: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "score": self.score,
            "evidence": self.evidence,
            "supported": self.supported,
            "model_score": self.model_score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CriterionScore:
        return cls(
            id=data["id"],
            name=data["name"],
            score=data.get("score"),
            evidence=data.get("evidence"),
            supported=bool(data.get("supported", False)),
            model_score=data.get("model_score"),
        )


@dataclass(frozen=True, slots=True)
class Feedback:
    """Scored feedback on one interview.

    `overall_score` (0..100) is the mean of the supported criterion scores times
    ten, or None when no criterion is supported. `confidence` (0..1) is the
    model's own confidence times the fraction of criteria that are supported.
    """

    interview_type: str
    language: str
    overall_score: int | None
    criteria: tuple[CriterionScore, ...]
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    stronger_answer: str | None
    confidence: float
    measures: SpeechMeasures
    notes: tuple[str, ...] = ()
    model_overall_score: int | None = None

    @property
    def sparse(self) -> bool:
        """Whether the candidate's transcript was too short to be scored."""
        return NOTE_SPARSE_TRANSCRIPT in self.notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FEEDBACK_FORMAT_VERSION,
            "interview_type": self.interview_type,
            "language": self.language,
            "overall_score": self.overall_score,
            "criteria": [criterion.to_dict() for criterion in self.criteria],
            "strengths": list(self.strengths),
            "improvements": list(self.improvements),
            "stronger_answer": self.stronger_answer,
            "confidence": self.confidence,
            "measures": self.measures.to_dict(),
            "notes": list(self.notes),
            "model_overall_score": self.model_overall_score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Feedback:
        return cls(
            interview_type=data["interview_type"],
            language=data["language"],
            overall_score=data.get("overall_score"),
            criteria=tuple(CriterionScore.from_dict(item) for item in data.get("criteria", [])),
            strengths=tuple(data.get("strengths", [])),
            improvements=tuple(data.get("improvements", [])),
            stronger_answer=data.get("stronger_answer"),
            confidence=float(data.get("confidence", 0.0)),
            measures=SpeechMeasures.from_dict(data["measures"]),
            notes=tuple(data.get("notes", [])),
            model_overall_score=data.get("model_overall_score"),
        )
