"""Gemini Live latency benchmark: the time the bot adds on each audio path.

Run from the repository root: `.venv/bin/python benchmarks/latency.py`.

Everything runs in one process and one event loop, over TLS on 127.0.0.1,
against the Gemini Live stand-in from `tests/standins/gemini_live.py` and the
real google-genai client. One chunk is in flight at a time, so each figure is
a latency, not a throughput:

- candidate to socket: `LiveInterviewer.send_audio` (20 ms of 16 kHz audio) to
  the chunk decoded by the stand-in;
- Gemini to first Opus packet: the stand-in sends 40 ms of 24 kHz audio, the
  events sink feeds `bot.audio.InterviewerStream`, reads the first 20 ms frame
  and encodes it with `bot.audio.OpusEncoder`;
- baseline: a bare WebSocket echo round trip (same library, TLS, loopback,
  a JSON message of the same size as a candidate chunk), measured in the same run.

Each figure is given as p50 and p99 over all chunks of a repetition, then the
minimum and median of those over the repetitions.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import ServerConnection, serve  # noqa: E402

from bot.audio import InterviewerStream, OpusEncoder  # noqa: E402
from bot.gemini import make_client  # noqa: E402
from bot.interviewer.live import LiveInterviewer  # noqa: E402
from bot.interviewer.spec import InterviewSpec  # noqa: E402
from bot.interviewer.transcript import TranscriptLine  # noqa: E402
from config.settings import Settings  # noqa: E402
from tests.standins.gemini_live import (  # noqa: E402
    GeminiLiveStandIn,
    LiveConnection,
    running_gemini_live,
)
from tests.standins.tls import client_ssl_context, server_ssl_context  # noqa: E402

CANDIDATE_CHUNK = (3000).to_bytes(2, "little", signed=True) * 320  # 20 ms at 16 kHz
GEMINI_CHUNK = bytes(range(256)) * 7 + bytes(128)  # 40 ms at 24 kHz
BASELINE = "baseline: WebSocket echo round trip"


class PlaybackSink:
    """Events sink that turns interviewer audio into Opus packets, timing the first one."""

    def __init__(self) -> None:
        self.stream = InterviewerStream()
        self.encoder = OpusEncoder()
        self.packet_ready = asyncio.Event()
        self.packet_at = 0.0

    async def on_audio(self, pcm24k: bytes) -> None:
        self.stream.feed(pcm24k)
        if self.stream.buffered_frames:
            self.encoder.encode(self.stream.read_frame())
            self.packet_at = time.perf_counter()
            self.packet_ready.set()
        while self.stream.buffered_frames:  # keep the queue short, like the player does
            self.stream.read_frame()

    async def on_interrupted(self) -> None:
        self.stream.interrupt()

    async def on_transcript(self, line: TranscriptLine) -> None:
        pass

    async def on_turn_complete(self) -> None:
        pass

    async def on_warning(self, kind: str) -> None:
        pass

    async def on_closed(self, reason: str) -> None:
        pass


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure_candidate(
    stand_in: GeminiLiveStandIn, interviewer: LiveInterviewer, chunks: int
) -> list[float]:
    connection = stand_in.connections[-1]
    delays = []
    for _ in range(chunks):
        count = len(connection.audio_received_at)

        def arrived(count: int = count) -> bool:
            return len(connection.audio_received_at) > count

        sent_at = time.perf_counter()
        await interviewer.send_audio(CANDIDATE_CHUNK)
        await connection.wait_until(arrived)
        delays.append(connection.audio_received_at[-1] - sent_at)
    return delays


async def measure_gemini(
    connection: LiveConnection, sink: PlaybackSink, chunks: int
) -> list[float]:
    delays = []
    for _ in range(chunks):
        sink.packet_ready.clear()
        sent_at = time.perf_counter()
        await connection.send_audio(GEMINI_CHUNK, chunk_bytes=len(GEMINI_CHUNK))
        await asyncio.wait_for(sink.packet_ready.wait(), 10.0)
        delays.append(sink.packet_at - sent_at)
    return delays


async def measure_echo(chunks: int) -> list[float]:
    async def echo(websocket: ServerConnection) -> None:
        async for message in websocket:
            await websocket.send(message)

    data = base64.b64encode(CANDIDATE_CHUNK).decode()
    message = json.dumps(
        {"realtime_input": {"audio": {"data": data, "mime_type": "audio/pcm;rate=16000"}}}
    )
    async with serve(echo, "127.0.0.1", 0, ssl=server_ssl_context()) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"wss://127.0.0.1:{port}", ssl=client_ssl_context()) as websocket:
            delays = []
            for _ in range(chunks):
                sent_at = time.perf_counter()
                await websocket.send(message)
                json.loads(await websocket.recv())
                delays.append(time.perf_counter() - sent_at)
    return delays


async def run_once(chunks: int) -> dict[str, list[float]]:
    async with running_gemini_live() as stand_in:
        settings = Settings(
            gemini_api_key=SecretStr("benchmark-key"),
            gemini_base_url=stand_in.base_url,
            candidate_silence_timeout_seconds=3600.0,
        )
        client = make_client(settings, ssl_context=stand_in.client_ssl_context)
        sink = PlaybackSink()
        spec = InterviewSpec(role="Benchmark", length_minutes=45)
        interviewer = LiveInterviewer(settings, client, spec, sink)
        await interviewer.start()
        await stand_in.wait_for_connections(1)
        await stand_in.connections[0].wait_until(lambda: bool(stand_in.connections[0].texts))
        results = {
            "candidate to socket": await measure_candidate(stand_in, interviewer, chunks),
            "Gemini to first Opus packet": await measure_gemini(
                stand_in.connections[0], sink, chunks
            ),
        }
        await interviewer.stop()
    results[BASELINE] = await measure_echo(chunks)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000, help="chunks per path and run")
    parser.add_argument("--repetitions", type=int, default=5, help="runs per figure")
    args = parser.parse_args()
    runs = [asyncio.run(run_once(args.chunks)) for _ in range(args.repetitions)]
    print(f"{args.repetitions} runs of {args.chunks} chunks; milliseconds")
    print(
        f"{'path':40} {'p50 min':>8} {'p50 med':>8} {'p99 min':>8} {'p99 med':>8}"
        f" {'p99 med / baseline':>19}"
    )
    baseline = statistics.median(percentile(run[BASELINE], 0.99) for run in runs)
    for name in runs[0]:
        p50 = [percentile(run[name], 0.50) * 1000 for run in runs]
        p99 = [percentile(run[name], 0.99) * 1000 for run in runs]
        ratio = statistics.median(p99) / (baseline * 1000)
        print(
            f"{name:40} {min(p50):8.3f} {statistics.median(p50):8.3f}"
            f" {min(p99):8.3f} {statistics.median(p99):8.3f} {ratio:19.2f}"
        )


if __name__ == "__main__":
    main()
