"""Audio codecs and resampling for voice notes and Discord voice.

Everything happens in memory: audio is never written to disk.

- ``decode_voice_note`` and ``encode_voice_note`` handle Telegram voice notes.
- ``OpusDecoder``, ``CandidateStream``, ``InterviewerStream`` and
  ``OpusEncoder`` are the stages of the Discord voice relay, on 20 ms frames
  of 48 kHz stereo s16le (``FRAME_BYTES`` bytes).
"""

from bot.audio._decode import decode_voice_note
from bot.audio._encode import VoiceNote, encode_voice_note
from bot.audio._errors import AudioDecodeError, OpusError
from bot.audio._opus import FRAME_BYTES, FRAME_SAMPLES, OpusDecoder, OpusEncoder
from bot.audio._streams import CandidateStream, InterviewerStream

__all__ = [
    "FRAME_BYTES",
    "FRAME_SAMPLES",
    "AudioDecodeError",
    "CandidateStream",
    "InterviewerStream",
    "OpusDecoder",
    "OpusEncoder",
    "OpusError",
    "VoiceNote",
    "decode_voice_note",
    "encode_voice_note",
]
