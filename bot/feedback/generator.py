"""Feedback from the feedback model, checked against the transcript before use.

The model proposes scores and evidence quotes. Nothing it returns is trusted as
is: scores are clamped to their ranges, each quote must occur in a candidate
line (see `bot.feedback.evidence`), a criterion without a verified quote is
unsupported and not scored, and the overall score is computed here from the
supported criteria. A candidate who talks the model into "100" therefore moves
the overall score only through criterion scores backed by quotes from their own lines.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from google import genai
from google.genai import types
from pydantic import BaseModel, ValidationError

from bot.feedback.evidence import verify_quote
from bot.feedback.measures import SpeechMeasures, TranscriptLine, compute_measures
from bot.feedback.model import (
    NOTE_MISSING_CRITERIA,
    NOTE_SPARSE_TRANSCRIPT,
    NOTE_UNSUPPORTED_EVIDENCE,
    CriterionScore,
    Feedback,
)
from bot.feedback.text import words
from bot.interviewer.errors import GEMINI_CALL_ERRORS, InterviewerError, to_interviewer_error
from bot.interviewer.prompts import Rubric, feedback_instruction, json_data_block, load_rubric
from bot.interviewer.spec import InterviewSpec
from bot.interviewer.turn import request_options
from config.settings import Settings

logger = logging.getLogger(__name__)

TRANSCRIPT_TAG = "transcript_data"
_MAX_LIST_ITEMS = 6


class _CriterionOutput(BaseModel):
    criterion_id: str
    score: float
    evidence_quote: str


class _FeedbackOutput(BaseModel):
    """The JSON object the feedback model returns."""

    overall_score: float
    criteria: list[_CriterionOutput]
    strengths: list[str]
    improvements: list[str]
    stronger_answer: str
    confidence: float


def clamp_score(value: float, maximum: int) -> int:
    """Round `value` and clamp it to 0..`maximum`. NaN becomes 0."""
    if math.isnan(value):
        return 0
    return min(max(round(value), 0), maximum)


def transcript_block(lines: Sequence[TranscriptLine]) -> str:
    """Return the transcript as JSON inside `<transcript_data>` tags, times in seconds."""
    origin = lines[0].started_at if lines else None
    items = []
    for index, line in enumerate(lines):
        start = (line.started_at - origin).total_seconds() if origin is not None else 0.0
        items.append(
            {"index": index, "speaker": line.speaker, "start_seconds": start, "text": line.text}
        )
    return json_data_block(TRANSCRIPT_TAG, items)


class FeedbackGenerator:
    """Generates scored feedback on a finished interview."""

    def __init__(self, client: genai.Client, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    async def generate(
        self, spec: InterviewSpec, transcript: Sequence[TranscriptLine]
    ) -> Feedback:
        """Score `transcript` against the rubric of `spec.type`.

        With fewer candidate words than `feedback_min_candidate_words`, the model is
        not called: the feedback has no scores, zero confidence and the
        "sparse_transcript" note. Raises QuotaExceededError on exhausted quota and
        InterviewerError when the model fails or returns invalid output twice.
        """
        lines = sorted(transcript, key=lambda line: line.started_at)
        rubric = load_rubric(spec.type)
        measures = compute_measures(lines, spec.language)
        candidate_texts = [line.text for line in lines if line.speaker == "candidate"]
        word_count = sum(len(words(text)) for text in candidate_texts)
        if word_count < self._settings.feedback_min_candidate_words:
            logger.info("Feedback skipped: %d candidate words", word_count)
            return _sparse_feedback(spec, rubric, measures)

        output = await self._request(spec, rubric, lines)
        return _build_feedback(spec, rubric, measures, output, candidate_texts)

    async def _request(
        self, spec: InterviewSpec, rubric: Rubric, lines: Sequence[TranscriptLine]
    ) -> _FeedbackOutput:
        config = types.GenerateContentConfig(
            system_instruction=feedback_instruction(spec, rubric),
            response_mime_type="application/json",
            response_schema=_FeedbackOutput,
            http_options=request_options(self._settings),
        )
        contents = [types.Content(role="user", parts=[types.Part(text=transcript_block(lines))])]
        for attempt in (1, 2):
            try:
                response = await self._client.aio.models.generate_content(
                    model=self._settings.gemini_feedback_model, contents=contents, config=config
                )
            except GEMINI_CALL_ERRORS as exc:
                logger.warning("Feedback request failed: %s", type(exc).__name__)
                raise to_interviewer_error(exc, "feedback") from exc
            output = _parse_output(response)
            if output is not None:
                return output
            logger.warning("Feedback model returned invalid output (attempt %d of 2)", attempt)
        raise InterviewerError("Gemini returned invalid feedback output twice")


def _parse_output(response: types.GenerateContentResponse) -> _FeedbackOutput | None:
    try:
        text = response.text
    except ValueError:
        return None
    if not text:
        return None
    try:
        return _FeedbackOutput.model_validate_json(text)
    except ValidationError:
        return None


def _sparse_feedback(spec: InterviewSpec, rubric: Rubric, measures: SpeechMeasures) -> Feedback:
    language = spec.prompt_language
    criteria = tuple(
        CriterionScore(criterion.id, criterion.name(language), None, None, supported=False)
        for criterion in rubric.criteria
    )
    return Feedback(
        interview_type=spec.type,
        language=spec.language,
        overall_score=None,
        criteria=criteria,
        strengths=(),
        improvements=(),
        stronger_answer=None,
        confidence=0.0,
        measures=measures,
        notes=(NOTE_SPARSE_TRANSCRIPT,),
    )


def _score_criteria(
    rubric: Rubric, language: str, output: _FeedbackOutput, candidate_texts: list[str]
) -> tuple[CriterionScore, ...]:
    proposed: dict[str, _CriterionOutput] = {}
    for proposal in output.criteria:
        proposed.setdefault(proposal.criterion_id, proposal)
    scores = []
    for criterion in rubric.criteria:
        item = proposed.get(criterion.id)
        if item is None:
            scores.append(
                CriterionScore(criterion.id, criterion.name(language), None, None, False)
            )
            continue
        model_score = clamp_score(item.score, 10)
        quote = item.evidence_quote.strip()
        supported = verify_quote(quote, candidate_texts)
        scores.append(
            CriterionScore(
                id=criterion.id,
                name=criterion.name(language),
                score=model_score if supported else None,
                evidence=quote if supported else None,
                supported=supported,
                model_score=model_score,
            )
        )
    return tuple(scores)


def _clean_list(items: list[str]) -> tuple[str, ...]:
    return tuple(item.strip() for item in items if item.strip())[:_MAX_LIST_ITEMS]


def _build_feedback(
    spec: InterviewSpec,
    rubric: Rubric,
    measures: SpeechMeasures,
    output: _FeedbackOutput,
    candidate_texts: list[str],
) -> Feedback:
    criteria = _score_criteria(rubric, spec.prompt_language, output, candidate_texts)
    supported = [criterion.score for criterion in criteria if criterion.score is not None]
    overall = round(10 * sum(supported) / len(supported)) if supported else None

    notes = []
    if any(criterion.model_score is None for criterion in criteria):
        notes.append(NOTE_MISSING_CRITERIA)
    if any(
        criterion.model_score is not None and not criterion.supported for criterion in criteria
    ):
        notes.append(NOTE_UNSUPPORTED_EVIDENCE)
    model_confidence = 0.0 if math.isnan(output.confidence) else output.confidence
    confidence = min(max(model_confidence, 0.0), 1.0) * len(supported) / len(criteria)
    logger.info(
        "Feedback built: %d of %d criteria supported", len(supported), len(rubric.criteria)
    )
    return Feedback(
        interview_type=spec.type,
        language=spec.language,
        overall_score=overall,
        criteria=criteria,
        strengths=_clean_list(output.strengths),
        improvements=_clean_list(output.improvements),
        stronger_answer=output.stronger_answer.strip() or None,
        confidence=round(confidence, 3),
        measures=measures,
        notes=tuple(notes),
        model_overall_score=clamp_score(output.overall_score, 100),
    )
