"""Benchmark the audio layer: Discord relay cost, voice note decoding, memory.

Run from the repository root:

    .venv/bin/python benchmarks/audio.py [--repeat N] [--callgrind]

Every figure is measured next to its baseline in the same run, because the
machines are shared and noisy. ``--callgrind`` also counts instructions for
the relay and its floor under valgrind, which is slow (about a minute).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.audio import (
    FRAME_BYTES,
    FRAME_SAMPLES,
    CandidateStream,
    InterviewerStream,
    OpusDecoder,
    OpusEncoder,
    decode_voice_note,
    encode_voice_note,
)

RELAY_SECONDS = 10.0
NOTE_SECONDS = 60.0
SESSIONS = 100


def speech_like(rate: int, seconds: float) -> np.ndarray:
    """Return int16 speech-like audio: a voice with a moving pitch, syllables and pauses."""
    rng = np.random.default_rng(1)
    t = np.arange(round(rate * seconds)) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.3 * t) + 15 * np.sin(2 * np.pi * 2.1 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    pauses = np.sin(2 * np.pi * 0.15 * t) > -0.6
    signal = 0.3 * (voiced * syllables + rng.normal(0, 0.05, t.size)) * pauses
    return (np.clip(signal, -1, 1) * 32767).astype(np.int16)


class RelayInput:
    """Opus packets from the candidate and 24 kHz chunks from the interviewer."""

    def __init__(self, seconds: float) -> None:
        stereo = np.repeat(speech_like(48000, seconds), 2).tobytes()
        self.frames = [
            stereo[start : start + FRAME_BYTES]
            for start in range(0, len(stereo) - FRAME_BYTES + 1, FRAME_BYTES)
        ]
        encoder = OpusEncoder()
        self.packets = [encoder.encode(frame) for frame in self.frames]
        reply = speech_like(24000, seconds).tobytes()
        # Gemini Live sends chunks of varying size; 20 ms chunks are the costly case.
        self.chunks = [reply[start : start + 960] for start in range(0, len(reply), 960)]
        # The floor encodes the same 48 kHz stereo frames that playback produces.
        playback = InterviewerStream()
        playback.feed(reply)
        playback.end_of_turn()
        self.playback_frames = [playback.read_frame() for _ in range(playback.buffered_frames)]
        self.seconds = len(self.frames) * FRAME_SAMPLES / 48000


def run_floor(relay: RelayInput) -> None:
    """Decode and encode the same frames with bare PyAV libopus contexts."""
    decoder = av.CodecContext.create("libopus", "r")
    assert isinstance(decoder, AudioCodecContext)
    decoder.sample_rate = 48000
    decoder.layout = "stereo"
    encoder = av.CodecContext.create("libopus", "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate = 48000
    encoder.layout = "stereo"
    encoder.format = "s16"
    encoder.bit_rate = 64000
    encoder.options = {"application": "audio"}
    frame = av.AudioFrame(format="s16", layout="stereo", samples=FRAME_SAMPLES)
    frame.sample_rate = 48000
    for index, (packet, pcm) in enumerate(zip(relay.packets, relay.playback_frames, strict=False)):
        decoder.decode(av.Packet(packet))
        frame.planes[0].update(pcm)
        frame.pts = index * FRAME_SAMPLES
        encoder.encode(frame)


def run_relay(relay: RelayInput) -> None:
    """Run the candidate path and the playback path on the same frames."""
    decoder = OpusDecoder()
    candidate = CandidateStream()
    interviewer = InterviewerStream()
    encoder = OpusEncoder()
    for packet, chunk in zip(relay.packets, relay.chunks, strict=False):
        candidate.process(decoder.decode(packet))
        interviewer.feed(chunk)
        encoder.encode(interviewer.read_frame())
    candidate.flush()


def timings(function: Callable[[], object], repeat: int) -> list[float]:
    results = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        results.append(time.perf_counter() - start)
    return results


def ffmpeg_decode(data: bytes) -> bytes:
    command = ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1"]
    command += ["-ar", "16000", "pipe:1"]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def session_memory(relay: RelayInput, sessions: int) -> tuple[float, float]:
    """Return (Python heap, RSS) bytes per session for live relay sessions."""
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    rss_before = rss_bytes()
    live = []
    for _ in range(sessions):
        parts = (OpusDecoder(), CandidateStream(), InterviewerStream(), OpusEncoder())
        decoder, candidate, interviewer, encoder = parts
        for packet, chunk in zip(relay.packets[:5], relay.chunks[:5], strict=False):
            candidate.process(decoder.decode(packet))
            interviewer.feed(chunk)
            encoder.encode(interviewer.read_frame())
        live.append(parts)
    heap = (tracemalloc.get_traced_memory()[0] - heap_before) / sessions
    rss = (rss_bytes() - rss_before) / sessions
    tracemalloc.stop()
    return heap, rss


def callgrind_instructions(mode: str) -> int:
    """Count the instructions of one run of this script in ``mode`` under callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, __file__, "--only", mode]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise RuntimeError("callgrind printed no instruction count")
    return int(match.group(1))


def row(name: str, values: list[float], unit: str, scale: float = 1.0) -> str:
    low = min(values) * scale
    mid = statistics.median(values) * scale
    return f"| {name} | {low:.3f} {unit} | {mid:.3f} {unit} |"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = f"Python {platform.python_version()}, PyAV {av.__version__}"
    return f"{os.cpu_count()} CPUs, {model}, {versions}"


def relay_section(repeat: int, callgrind: bool) -> None:
    relay = RelayInput(RELAY_SECONDS)
    floor = timings(lambda: run_floor(relay), repeat)
    cost = timings(lambda: run_relay(relay), repeat)
    per_second = 1000 / relay.seconds
    print(f"Relay, {relay.seconds:.0f} s of audio per run, {repeat} runs (ms per second of audio)")
    print("| path | min | median |")
    print("|---|---|---|")
    print(row("libopus floor (PyAV decode + encode)", floor, "ms", per_second))
    print(row("relay (candidate + playback paths)", cost, "ms", per_second))
    ratios = [relay_time / floor_time for relay_time, floor_time in zip(cost, floor, strict=True)]
    ratio_min = min(cost) / min(floor)
    ratio_median = statistics.median(ratios)
    print(f"| ratio relay / floor (target <= 1.3) | {ratio_min:.3f} | {ratio_median:.3f} |")
    if callgrind:
        baseline = callgrind_instructions("none")
        floor_count = callgrind_instructions("floor") - baseline
        relay_count = callgrind_instructions("relay") - baseline
        print(f"| callgrind instructions, floor | {floor_count:,} | |")
        print(f"| callgrind instructions, relay | {relay_count:,} | |")
        print(f"| callgrind ratio relay / floor | {relay_count / floor_count:.3f} | |")
    print()


def voice_note_section(repeat: int) -> None:
    note = encode_voice_note(speech_like(48000, NOTE_SECONDS).tobytes(), 48000)
    ours = timings(lambda: decode_voice_note(note.data), repeat)
    percent = 100 / note.duration
    print(f"Voice note, {note.duration:.0f} s Ogg Opus ({len(note.data)} bytes) to 16 kHz mono")
    print("| decoder | min | median |")
    print("|---|---|---|")
    print(row("decode_voice_note (% of audio duration)", ours, "%", percent))
    if shutil.which("ffmpeg") is None:
        print("| ffmpeg subprocess | skipped: ffmpeg not found | |")
    else:
        theirs = timings(lambda: ffmpeg_decode(note.data), repeat)
        print(row("ffmpeg subprocess (% of audio duration)", theirs, "%", percent))
        speedup = [other / own for own, other in zip(ours, theirs, strict=True)]
        print(
            f"| speed-up over ffmpeg | {min(theirs) / min(ours):.2f}x | "
            f"{statistics.median(speedup):.2f}x |"
        )
    print()


def memory_section() -> None:
    heap, rss = session_memory(RelayInput(0.2), SESSIONS)
    print(f"Memory per streaming session ({SESSIONS} live sessions)")
    print("| measure | per session |")
    print("|---|---|")
    print(f"| Python heap (tracemalloc) | {heap / 1024:.1f} KiB |")
    print(f"| RSS delta, native codec state included | {rss / 1024:.1f} KiB |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement")
    parser.add_argument(
        "--callgrind", action="store_true", help="also count relay instructions with valgrind"
    )
    parser.add_argument("--only", choices=["none", "floor", "relay"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only is not None:
        relay = RelayInput(1.0)
        if args.only == "floor":
            run_floor(relay)
        elif args.only == "relay":
            run_relay(relay)
        return
    print(f"Machine: {machine()}")
    print()
    relay_section(args.repeat, args.callgrind and shutil.which("valgrind") is not None)
    voice_note_section(args.repeat)
    memory_section()


if __name__ == "__main__":
    main()
