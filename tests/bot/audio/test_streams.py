"""Tests for the streaming candidate and interviewer paths."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soxr

from bot.audio import FRAME_BYTES, CandidateStream, InterviewerStream

from .synth import chirp, sine, to_s16

SILENCE = bytes(FRAME_BYTES)
# Chunked streaming must match whole-signal resampling to within rounding and
# soxr's 16-bit dither, which differs between runs: at most 4 LSB of 16-bit
# audio (about -78 dBFS) after the best alignment.
# A click at a chunk boundary is thousands of LSB.
MAX_DIFF_LSB = 4
MAX_LAG = 8


def max_diff_after_alignment(output: np.ndarray, reference: np.ndarray) -> int:
    """Return the smallest max abs difference over lags within MAX_LAG samples."""
    best = None
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        shifted = output[max(0, lag) : output.size + min(0, lag)]
        target = reference[max(0, -lag) : reference.size + min(0, -lag)]
        length = min(shifted.size, target.size)
        diff = int(np.max(np.abs(shifted[:length].astype(np.int32) - target[:length])))
        best = diff if best is None else min(best, diff)
    assert best is not None
    return best


def as_array(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype=np.int16)


def random_sizes(total: int, unit: int, seed: int, largest: int = 2000) -> list[int]:
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < total:
        sizes.append(int(rng.integers(1, largest)) * unit)
    return sizes


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks = []
    position = 0
    for size in sizes:
        chunks.append(data[position : position + size])
        position += size
    return [chunk for chunk in chunks if chunk]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidate_chunked_matches_whole(seed: int) -> None:
    mono = to_s16(chirp(48000, 1.0, 100.0, 7000.0))
    stereo = np.repeat(mono, 2).tobytes()
    stream = CandidateStream()

    pieces = [stream.process(chunk) for chunk in split(stereo, random_sizes(len(stereo), 4, seed))]
    output = np.frombuffer(b"".join(pieces) + stream.flush(), dtype=np.int16)

    reference = soxr.resample(mono, 48000, 16000, "HQ")
    assert abs(output.size - reference.size) <= 2
    assert max_diff_after_alignment(output, reference) <= MAX_DIFF_LSB


def test_candidate_bound_detects_independent_chunks() -> None:
    # Resampling each chunk on its own clicks at the boundaries; the bound above must catch it.
    mono = to_s16(chirp(48000, 1.0, 100.0, 7000.0))
    chunks = split(mono.tobytes(), random_sizes(mono.size * 2, 2, seed=1))
    naive = np.concatenate(
        [
            soxr.resample(np.frombuffer(chunk, dtype=np.int16), 48000, 16000, "HQ")
            for chunk in chunks
        ]
    )

    reference = soxr.resample(mono, 48000, 16000, "HQ")
    assert max_diff_after_alignment(naive, reference) > MAX_DIFF_LSB


def test_candidate_downmixes_by_average() -> None:
    left = to_s16(sine(48000, 0.5, amplitude=0.5))
    stereo = np.column_stack([left, np.zeros_like(left)]).tobytes()
    stream = CandidateStream()

    output = np.frombuffer(stream.process(stereo) + stream.flush(), dtype=np.int16)

    reference = soxr.resample((left // 2).astype(np.int16), 48000, 16000, "HQ")
    assert max_diff_after_alignment(output, reference) <= MAX_DIFF_LSB


def test_candidate_flush_readies_next_utterance() -> None:
    stereo = np.repeat(to_s16(sine(48000, 0.3)), 2).tobytes()
    stream = CandidateStream()
    first = stream.process(stereo) + stream.flush()

    second = stream.process(stereo) + stream.flush()

    assert len(second) == len(first)
    assert max_diff_after_alignment(as_array(second), as_array(first)) <= MAX_DIFF_LSB


def test_candidate_rejects_partial_sample() -> None:
    with pytest.raises(ValueError, match="stereo"):
        CandidateStream().process(b"\x00" * 6)


def interviewer_output(stream: InterviewerStream) -> bytes:
    frames = []
    for _ in range(stream.buffered_frames):
        frames.append(stream.read_frame())
    return b"".join(frames)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_interviewer_chunked_matches_whole(seed: int) -> None:
    mono = to_s16(chirp(24000, 1.0, 100.0, 11000.0))
    pcm = mono.tobytes()
    stream = InterviewerStream()

    # Unit 1 byte: chunks of odd length split samples in half.
    for chunk in split(pcm, random_sizes(len(pcm), 1, seed, largest=3000)):
        stream.feed(chunk)
    stream.end_of_turn()
    stereo = np.frombuffer(interviewer_output(stream), dtype=np.int16).reshape(-1, 2)

    assert np.array_equal(stereo[:, 0], stereo[:, 1])
    reference = soxr.resample(mono, 24000, 48000, "HQ")
    # end_of_turn pads the last frame with silence.
    assert reference.size <= stereo.shape[0] < reference.size + FRAME_BYTES // 4
    assert max_diff_after_alignment(stereo[: reference.size, 0], reference) <= MAX_DIFF_LSB


def test_interviewer_silence_when_starved() -> None:
    stream = InterviewerStream()

    assert stream.read_frame() == SILENCE
    assert not stream.is_speaking
    assert stream.buffered_frames == 0


def test_interviewer_frames_are_exact() -> None:
    stream = InterviewerStream()
    stream.feed(to_s16(sine(24000, 0.5)).tobytes())
    stream.end_of_turn()
    count = stream.buffered_frames

    frames = [stream.read_frame() for _ in range(count + 2)]

    assert count >= 25
    assert all(len(frame) == FRAME_BYTES for frame in frames)
    assert all(frame != SILENCE for frame in frames[: count - 1])
    assert frames[count:] == [SILENCE, SILENCE]
    assert not stream.is_speaking


def test_interviewer_partial_frame_waits_for_more() -> None:
    stream = InterviewerStream()
    stream.feed(to_s16(sine(24000, 0.005)).tobytes())

    assert stream.buffered_frames == 0
    assert stream.read_frame() == SILENCE

    stream.end_of_turn()
    assert stream.buffered_frames == 1


def test_interviewer_interrupt_empties_at_once() -> None:
    stream = InterviewerStream()
    stream.feed(to_s16(sine(24000, 2.0)).tobytes() + b"\x01")
    assert stream.buffered_frames > 50
    assert stream.is_speaking

    stream.interrupt()

    assert stream.buffered_frames == 0
    assert not stream.is_speaking
    assert stream.read_frame() == SILENCE


def test_interviewer_after_interrupt_starts_clean() -> None:
    pcm = to_s16(sine(24000, 0.4)).tobytes()
    stream = InterviewerStream()
    stream.feed(pcm + b"\x07")
    stream.interrupt()
    fresh = InterviewerStream()

    stream.feed(pcm)
    stream.end_of_turn()
    fresh.feed(pcm)
    fresh.end_of_turn()

    output = as_array(interviewer_output(stream))
    expected = as_array(interviewer_output(fresh))
    assert output.size == expected.size
    assert max_diff_after_alignment(output, expected) <= MAX_DIFF_LSB


def test_interviewer_thread_safety() -> None:
    pcm = to_s16(sine(24000, 2.0, frequency=1000.0)).tobytes()
    chunks = split(pcm, random_sizes(len(pcm), 1, seed=5, largest=1500))
    reference = InterviewerStream()
    for chunk in chunks:
        reference.feed(chunk)
    reference.end_of_turn()
    expected = interviewer_output(reference)

    stream = InterviewerStream()
    read: list[bytes] = []
    done = threading.Event()

    def play() -> None:
        # Bounded: one read per expected frame plus generous slack for starved reads.
        for _ in range(len(expected) // FRAME_BYTES * 50):
            if done.is_set() and stream.buffered_frames == 0:
                return
            read.append(stream.read_frame())

    player = threading.Thread(target=play)
    player.start()
    for chunk in chunks:
        stream.feed(chunk)
    stream.end_of_turn()
    done.set()
    player.join(timeout=30)
    read.append(interviewer_output(stream))

    assert not player.is_alive()
    assert all(len(frame) == FRAME_BYTES for frame in read[:-1])
    # A 1 kHz tone at this level never fills a whole 20 ms frame with zeros.
    audio = as_array(b"".join(frame for frame in read if frame != SILENCE))
    assert audio.size == len(expected) // 2
    assert max_diff_after_alignment(audio, as_array(expected)) <= MAX_DIFF_LSB
