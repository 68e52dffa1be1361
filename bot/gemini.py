"""Construction of the google-genai client used by every Gemini call."""

from __future__ import annotations

import ssl

from google import genai
from google.genai import types

from config.settings import Settings


class GeminiNotConfiguredError(RuntimeError):
    """GEMINI_API_KEY is not set."""


def make_client(settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> genai.Client:
    """Build a client for the Gemini API or the gateway named by GEMINI_BASE_URL.

    `ssl_context` replaces the default trust store; tests pass one that trusts the
    loopback stand-in's certificate.
    """
    if settings.gemini_api_key is None:
        raise GeminiNotConfiguredError("GEMINI_API_KEY is not set")
    options = types.HttpOptions(
        base_url=settings.gemini_base_url,
        async_client_args={"ssl": ssl_context} if ssl_context is not None else None,
        # Retries are decided by the interviewer: quota errors must never be retried.
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return genai.Client(api_key=settings.gemini_api_key.get_secret_value(), http_options=options)
