"""Exceptions raised by the audio layer."""

from __future__ import annotations


class AudioDecodeError(ValueError):
    """A voice note that cannot be turned into speech.

    The message is written for the user who sent the note, so an adapter can
    show it as it is.
    """


class OpusError(ValueError):
    """An Opus packet that libopus rejects as malformed."""
