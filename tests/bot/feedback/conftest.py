"""Fixtures for the feedback tests: the Gemini REST stand-in and a client aimed at it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from google import genai
from pydantic import SecretStr

from bot.gemini import make_client
from config.settings import Settings
from tests.standins.gemini_rest import GeminiRestStandIn, gemini_rest

__all__ = ["FEEDBACK_MODEL", "START", "Line", "gemini_rest"]

FEEDBACK_MODEL = "feedback-model"
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Line:
    """A transcript line with times in seconds from `START`."""

    speaker: str
    text: str
    start: float
    end: float | None
    interrupted: bool = False

    @property
    def started_at(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.start)

    @property
    def ended_at(self) -> dt.datetime | None:
        return None if self.end is None else START + dt.timedelta(seconds=self.end)


@pytest.fixture
def feedback_settings(gemini_rest: GeminiRestStandIn) -> Settings:
    return Settings(
        gemini_api_key=SecretStr("test-key"),
        gemini_base_url=gemini_rest.base_url,
        gemini_feedback_model=FEEDBACK_MODEL,
        feedback_min_candidate_words=30,
    )


@pytest.fixture
def feedback_client(feedback_settings: Settings) -> genai.Client:
    return make_client(feedback_settings)
