"""Decoding of voice notes and audio files to 16 kHz mono PCM, in memory."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import av
import numpy as np
import soxr
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer

from bot.audio._errors import AudioDecodeError

logger = logging.getLogger(__name__)

OUTPUT_RATE = 16000
"""Sample rate of the PCM returned by ``decode_voice_note``."""
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Largest file accepted by default: the Telegram Bot API download limit."""
DEFAULT_MAX_SECONDS = 600.0

# A file whose packets keep failing is not audio, so decoding stops instead of trying them all.
_MAX_CONSECUTIVE_ERRORS = 20
_INT_SCALES = {
    np.dtype(np.int16): 1 / 32768,
    np.dtype(np.int32): 1 / 2147483648,
}


def decode_voice_note(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> bytes:
    """Decode an audio file held in memory to 16 kHz mono s16le PCM.

    Any container and codec FFmpeg reads works: Ogg Opus, Ogg Vorbis, FLAC,
    MP3, M4A/AAC, WAV. Channels are averaged to mono. A file cut off mid-page
    and a decoder error after some audio yield the audio decoded so far.

    Raises:
        AudioDecodeError: the input is empty, larger than ``max_bytes``,
            longer than ``max_seconds``, has no audio track or no audio that
            decodes. The message can be shown to the user.
    """
    if not data:
        raise AudioDecodeError("The voice note is empty.")
    if len(data) > max_bytes:
        raise AudioDecodeError(
            f"The file is too large ({len(data) / 1048576:.1f} MB): "
            f"the maximum is {max_bytes / 1048576:.0f} MB. Please send a shorter recording."
        )
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="replace")
    except av.FFmpegError as exc:
        logger.info("Rejected a %d-byte voice note that is not audio: %s", len(data), exc)
        raise AudioDecodeError("The file could not be read as audio.") from exc
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("The file contains no audio track.")
        stream = container.streams.audio[0]
        if stream.codec_context is None:
            raise AudioDecodeError("The file's audio format is not supported.")
        pcm = _decode_stream(container, stream, max_seconds)
    if not pcm:
        raise AudioDecodeError("The file contains no audio that could be decoded.")
    return pcm


def _decode_stream(container: InputContainer, stream: AudioStream, max_seconds: float) -> bytes:
    end = _declared_end(container, stream)
    resampler: _MonoResampler | None = None
    output: list[bytes] = []
    decoded_seconds = 0.0
    for frame in _decoded_frames(container, stream):
        if resampler is None or resampler.input_rate != frame.sample_rate:
            if resampler is not None:
                output.append(resampler.flush())
            resampler = _MonoResampler(frame.sample_rate)
        samples = frame.samples
        if end is not None and frame.time is not None:
            samples = max(0, min(samples, round((end - frame.time) * frame.sample_rate)))
        decoded_seconds += samples / frame.sample_rate
        if decoded_seconds > max_seconds:
            raise AudioDecodeError(
                f"The voice note is too long: the maximum is {max_seconds:.0f} seconds. "
                "Please send a shorter one."
            )
        output.append(resampler.process(frame, samples))
    if resampler is not None:
        output.append(resampler.flush())
    return b"".join(output)


def _decoded_frames(container: InputContainer, stream: AudioStream) -> Iterator[AudioFrame]:
    """Yield decoded frames until the end, a demuxer error or too many decoder errors in a row."""
    packets = container.demux(stream)
    errors = 0
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as exc:
            # A file truncated mid-page ends here: keep what decoded.
            logger.info("Voice note demuxing stopped: %s", exc)
            return
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            errors += 1
            if errors >= _MAX_CONSECUTIVE_ERRORS:
                logger.info("Voice note decoding stopped after %d errors: %s", errors, exc)
                return
            continue
        errors = 0
        for frame in frames:
            assert isinstance(frame, AudioFrame)
            yield frame


def _declared_end(container: InputContainer, stream: AudioStream) -> float | None:
    """Return the end time in seconds that an MP4 file declares for its audio, if any.

    AAC pads the last frame to 1024 samples and FFmpeg decodes the padding,
    so the stream duration in the MP4 header is used to cut it. Other
    containers are trusted as decoded, because their durations can be
    estimates (MP3 without a Xing header, for example).
    """
    if "mp4" not in container.format.name or stream.duration is None or not stream.time_base:
        return None
    start = stream.start_time or 0
    return float((start + stream.duration) * stream.time_base)


class _MonoResampler:
    """Average a decoded frame's channels and resample to 16 kHz s16."""

    def __init__(self, input_rate: int) -> None:
        self.input_rate = input_rate
        self._stream = soxr.ResampleStream(input_rate, OUTPUT_RATE, 1, dtype="float32")

    def process(self, frame: AudioFrame, samples: int) -> bytes:
        return _to_s16(self._stream.resample_chunk(_to_mono_float(frame)[:samples]))

    def flush(self) -> bytes:
        return _to_s16(self._stream.resample_chunk(np.zeros(0, np.float32), last=True))


def _to_mono_float(frame: AudioFrame) -> np.ndarray:
    array = frame.to_ndarray()
    channels = frame.layout.nb_channels
    if not frame.format.is_planar:
        array = array.reshape(-1, channels).T
    samples: np.ndarray
    if array.dtype == np.uint8:
        samples = (array.astype(np.float32) - 128) / 128
    elif array.dtype in _INT_SCALES:
        samples = array.astype(np.float32) * _INT_SCALES[array.dtype]
    else:
        samples = array.astype(np.float32, copy=False)
    if channels == 1:
        return samples[0]
    return samples.mean(axis=0, dtype=np.float32)


def _to_s16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype(np.int16).tobytes()
