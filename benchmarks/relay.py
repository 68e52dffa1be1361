"""Discord relay benchmark: CPU per voice session, and concurrent sessions per process.

Run from the repository root: `.venv/bin/python benchmarks/relay.py`.

Part 1 measures CPU time per second of audio for one session, next to the
codec floor (Opus decode plus Opus encode of the same frames) measured in the
same run, over several repetitions (minimum and median):

- audio layer: Opus decode + CandidateStream (receive), InterviewerStream
  feed + read_frame + Opus encode (playback);
- full relay: the real receive pipeline (`CandidateReceiver.on_packet`: RTP
  parse, transport decrypt, DAVE decrypt, jitter buffer, decode, resample,
  hand-off) plus playback with DAVE and transport encryption as discord.py
  sends it.

Part 2 simulates N sessions in one thread: every 20 ms tick each session
receives one packet and produces one encrypted playback frame. A tick whose
work ends after the next tick's start is a missed playback deadline. N grows
until a deadline is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import davey  # noqa: E402

from adapters.discord.voice.receiver import CandidateReceiver  # noqa: E402
from adapters.discord.voice.rtp import RTP_HEADER_SIZE  # noqa: E402
from adapters.discord.voice.ssrc import SsrcMap  # noqa: E402
from adapters.discord.voice.transport import encrypt_rtpsize  # noqa: E402
from bot.audio import CandidateStream, InterviewerStream, OpusDecoder, OpusEncoder  # noqa: E402
from tests.adapters.discord.dave_fixtures import DaveGroup  # noqa: E402
from tests.adapters.discord.voice.packets import (  # noqa: E402
    Sender,
    new_secret_key,
    opus_packets,
    rtp_header,
    tone_frames,
)

FRAME_SECONDS = 0.02
BOT_ID, CANDIDATE_ID = 1, 2
CANDIDATE_SSRC = 1234
# 40 ms of 24 kHz mono s16le, a typical Gemini Live audio chunk size.
INTERVIEWER_CHUNK = bytes(range(256)) * 7 + bytes(128)


@dataclass
class Session:
    """One simulated voice session: a receive pipeline and a playback path."""

    receiver: CandidateReceiver
    group: DaveGroup
    sender: Sender
    secret_key: bytes
    interviewer: InterviewerStream
    encoder: OpusEncoder
    nonce: int = 0
    sequence: int = 0

    def send_frame(self) -> bytes:
        """Read, encode and encrypt one playback frame, as discord.py's player does."""
        opus = self.encoder.encode(self.interviewer.read_frame())
        frame = self.group.sessions[BOT_ID].encrypt_opus(opus)
        header = rtp_header(self.sequence, self.sequence * 960, 99)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.nonce += 1
        return encrypt_rtpsize(header, frame, self.secret_key, self.nonce)


def new_session(loop: asyncio.AbstractEventLoop, channel_id: int) -> Session:
    """Build a session with its own MLS group, SSRC map and codec state."""
    group = DaveGroup(channel_id, [BOT_ID, CANDIDATE_ID])
    secret_key = new_secret_key()
    ssrc_map = SsrcMap()
    ssrc_map.assign(CANDIDATE_SSRC, CANDIDATE_ID)
    receiver = CandidateReceiver(
        loop, ssrc_map, lambda: secret_key, lambda: group.sessions[BOT_ID]
    )
    receiver.set_candidate(CANDIDATE_ID)
    receiver.set_sink(lambda chunk: None)
    sender = Sender(CANDIDATE_SSRC, secret_key, group.sessions[CANDIDATE_ID])
    return Session(receiver, group, sender, secret_key, InterviewerStream(), OpusEncoder())


def cpu_seconds(work: Callable[[], None]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def measure_floor(opus: list[bytes], pcm: list[bytes]) -> float:
    decoder, encoder = OpusDecoder(), OpusEncoder()

    def work() -> None:
        for packet, frame in zip(opus, pcm, strict=True):
            decoder.decode(packet)
            encoder.encode(frame)

    return cpu_seconds(work)


def measure_audio_layer(opus: list[bytes]) -> float:
    decoder, stream = OpusDecoder(), CandidateStream()
    interviewer, encoder = InterviewerStream(), OpusEncoder()

    def work() -> None:
        for index, packet in enumerate(opus):
            stream.process(decoder.decode(packet))
            if index % 2 == 0:
                interviewer.feed(INTERVIEWER_CHUNK)
            encoder.encode(interviewer.read_frame())

    return cpu_seconds(work)


def measure_full_relay(opus: list[bytes], channel_id: int) -> tuple[float, float]:
    """Return CPU seconds of the full relay and of its cryptography alone."""
    loop = asyncio.new_event_loop()
    try:
        session = new_session(loop, channel_id)
        packets = [session.sender.packet(packet) for packet in opus]

        def work() -> None:
            for index, packet in enumerate(packets):
                session.receiver.on_packet(packet)
                if index % 2 == 0:
                    session.interviewer.feed(INTERVIEWER_CHUNK)
                session.send_frame()

        total = cpu_seconds(work)
        assert session.receiver.health.decoded == len(opus), session.receiver.health
        crypto = measure_crypto(opus, channel_id + 1)
    finally:
        loop.close()
    return total, crypto


def measure_crypto(opus: list[bytes], channel_id: int) -> float:
    """CPU seconds of DAVE and transport encryption plus decryption of the same frames."""
    from adapters.discord.voice.rtp import parse_rtp_header
    from adapters.discord.voice.transport import decrypt_rtpsize

    group = DaveGroup(channel_id, [BOT_ID, CANDIDATE_ID])
    key = new_secret_key()
    sender = Sender(CANDIDATE_SSRC, key, group.sessions[CANDIDATE_ID])
    packets = [sender.packet(packet) for packet in opus]
    bot = group.sessions[BOT_ID]

    def work() -> None:
        for index, packet in enumerate(packets):
            frame = decrypt_rtpsize(packet, parse_rtp_header(packet), key)
            bot.decrypt(CANDIDATE_ID, davey.MediaType.audio, frame)
            header = packet[:RTP_HEADER_SIZE]
            encrypt_rtpsize(header, bot.encrypt_opus(opus[index]), key, index)

    return cpu_seconds(work)


def part_one(seconds: float, repetitions: int) -> None:
    frames = int(seconds / FRAME_SECONDS)
    pcm = tone_frames(frames)
    opus = opus_packets(frames)
    rows: dict[str, list[float]] = {"floor": [], "audio": [], "full": [], "crypto": []}
    for repetition in range(repetitions):
        rows["floor"].append(measure_floor(opus, pcm) / seconds)
        rows["audio"].append(measure_audio_layer(opus) / seconds)
        full, crypto = measure_full_relay(opus, 10_000 + 2 * repetition)
        rows["full"].append(full / seconds)
        rows["crypto"].append(crypto / seconds)
    print(f"CPU per second of audio, one session ({frames} frames, {repetitions} runs)")
    floor_median = statistics.median(rows["floor"])
    for name, label in (
        ("floor", "codec floor (decode + encode)"),
        ("audio", "audio layer (receive + playback)"),
        ("full", "full relay with crypto"),
        ("crypto", "crypto alone (transport + DAVE, both ways)"),
    ):
        values = rows[name]
        print(
            f"  {label:44} min {min(values) * 1000:7.2f} ms  median "
            f"{statistics.median(values) * 1000:7.2f} ms  ratio to floor "
            f"{statistics.median(values) / floor_median:5.2f}"
        )


def run_ticks(
    sessions: list[Session], packets: list[list[bytes]], ticks: int
) -> tuple[int, list[float]]:
    """Run `ticks` 20 ms ticks; return missed deadlines and each tick's work in seconds."""
    missed = 0
    work: list[float] = []
    start = time.perf_counter()
    for tick in range(ticks):
        tick_start = start + tick * FRAME_SECONDS
        delay = tick_start - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        began = time.perf_counter()
        for session, session_packets in zip(sessions, packets, strict=True):
            session.receiver.on_packet(session_packets[tick])
            if tick % 2 == 0:
                session.interviewer.feed(INTERVIEWER_CHUNK)
            session.send_frame()
        finished = time.perf_counter()
        work.append(finished - began)
        if finished > tick_start + FRAME_SECONDS:
            missed += 1
    return missed, work


def part_two(seconds: float, start: int, step: int, limit: int) -> None:
    ticks = int(seconds / FRAME_SECONDS)
    opus = opus_packets(ticks)
    loop = asyncio.new_event_loop()
    sessions: list[Session] = []
    packets: list[list[bytes]] = []
    best = 0
    print(f"Concurrent sessions in one thread, {seconds:.0f} s per step")
    try:
        count = start
        while count <= limit:
            while len(sessions) < count:
                session = new_session(loop, 50_000 + len(sessions))
                sessions.append(session)
            packets = [
                [session.sender.packet(packet) for packet in opus + opus[:1]]
                for session in sessions
            ]
            # One untimed tick creates the lazily built decoders and resamplers.
            run_ticks(sessions, [session_packets[:1] for session_packets in packets], 1)
            packets = [session_packets[1:] for session_packets in packets]
            missed, work = run_ticks(sessions, packets, ticks)
            print(
                f"  {count:4d} sessions: {missed:3d} missed of {ticks}, tick work median "
                f"{statistics.median(work) * 1000:6.2f} ms, max {max(work) * 1000:6.2f} ms"
            )
            if missed:
                break
            best = count
            count += step
    finally:
        loop.close()
    print(f"  max sessions without a missed 20 ms deadline: {best}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="audio per CPU run, in seconds")
    parser.add_argument("--repetitions", type=int, default=5, help="CPU runs per figure")
    parser.add_argument(
        "--load-seconds", type=float, default=3.0, help="duration of each load step"
    )
    parser.add_argument("--start", type=int, default=10, help="sessions in the first load step")
    parser.add_argument("--step", type=int, default=10, help="sessions added per load step")
    parser.add_argument("--limit", type=int, default=1000, help="max sessions to try")
    args = parser.parse_args()
    part_one(args.seconds, args.repetitions)
    part_two(args.load_seconds, args.start, args.step, args.limit)


if __name__ == "__main__":
    main()
