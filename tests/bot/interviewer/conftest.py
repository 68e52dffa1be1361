"""Fixtures shared by the interviewer tests."""

from __future__ import annotations

import pytest
from google import genai

from bot.gemini import make_client
from config.settings import Settings
from tests.standins.gemini_rest import GeminiRestStandIn, gemini_rest

__all__ = ["gemini_rest"]

TEXT_MODEL = "text-model"
TTS_MODEL = "tts-model"
FEEDBACK_MODEL = "feedback-model"


@pytest.fixture
def rest_settings(gemini_rest: GeminiRestStandIn) -> Settings:
    """Settings that point every Gemini REST call at the loopback stand-in."""
    return Settings(
        gemini_api_key="test-key",
        gemini_base_url=gemini_rest.base_url,
        gemini_text_model=TEXT_MODEL,
        gemini_tts_model=TTS_MODEL,
        gemini_feedback_model=FEEDBACK_MODEL,
        gemini_voice="Kore",
    )


@pytest.fixture
def rest_client(rest_settings: Settings) -> genai.Client:
    """The real google-genai client, aimed at the stand-in."""
    return make_client(rest_settings)
