"""Test signals and in-memory audio files made with numpy and PyAV."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

OPUS_GRANULE_RATE = 48000


def sine(
    rate: int, seconds: float, frequency: float = 440.0, amplitude: float = 0.5
) -> np.ndarray:
    """Return a float sine in [-1, 1] as a 1-D array."""
    t = np.arange(round(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t)


def chirp(
    rate: int, seconds: float, start: float, stop: float, amplitude: float = 0.5
) -> np.ndarray:
    """Return a linear frequency sweep from ``start`` to ``stop`` Hz."""
    t = np.arange(round(rate * seconds)) / rate
    phase = 2 * np.pi * (start * t + (stop - start) * t**2 / (2 * seconds))
    return amplitude * np.sin(phase)


def speech_like(rate: int, seconds: float, seed: int = 1) -> np.ndarray:
    """Return a voiced signal with a wandering pitch, syllable bursts, pauses and breath noise."""
    rng = np.random.default_rng(seed)
    n = round(rate * seconds)
    t = np.arange(n) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.3 * t) + 15 * np.sin(2 * np.pi * 2.1 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    pauses = (np.sin(2 * np.pi * 0.15 * t) > -0.6).astype(np.float64)
    noise = rng.normal(0, 0.05, n)
    return 0.3 * (voiced * syllables + noise) * pauses


def to_s16(signal: np.ndarray) -> np.ndarray:
    """Convert a float signal in [-1, 1] to int16."""
    return np.round(np.clip(signal, -1, 32767 / 32768) * 32768).astype(np.int16)


def rms_db(samples: np.ndarray) -> float:
    """Return the RMS level of int16 or float samples in dB relative to full scale."""
    values = samples.astype(np.float64)
    if samples.dtype == np.int16:
        values /= 32768
    # The floor keeps digital silence finite: -300 dB.
    return float(20 * np.log10(max(np.sqrt(np.mean(values**2)), 1e-15)))


def pcm_to_array(pcm: bytes) -> np.ndarray:
    """Return s16le bytes as an int16 array."""
    return np.frombuffer(pcm, dtype=np.int16)


@dataclass(frozen=True)
class Format:
    """A container and codec pair that the tests synthesise."""

    name: str
    container: str
    codec: str
    options: dict[str, str]


FORMATS = {
    "opus": Format("opus", "ogg", "libopus", {}),
    "vorbis": Format("vorbis", "ogg", "vorbis", {"strict": "experimental"}),
    "flac": Format("flac", "flac", "flac", {}),
    "mp3": Format("mp3", "mp3", "libmp3lame", {}),
    "aac": Format("aac", "ipod", "aac", {}),
    "wav": Format("wav", "wav", "pcm_s16le", {}),
}


def encode_file(fmt: Format, signal: np.ndarray, rate: int) -> bytes:
    """Encode a float signal shaped (channels, samples) into an in-memory file."""
    channels = signal.shape[0]
    layout = "mono" if channels == 1 else "stereo"
    output = io.BytesIO()
    with av.open(output, mode="w", format=fmt.container) as container:
        stream = container.add_stream(fmt.codec, rate=rate, layout=layout)
        assert isinstance(stream, AudioStream)
        stream.codec_context.options = dict(fmt.options)
        sample_format = stream.codec_context.codec.audio_formats[0].name
        pts = 0
        for start in range(0, signal.shape[1], 4096):
            frame = _frame(signal[:, start : start + 4096], sample_format, layout, rate)
            frame.pts = pts
            pts += frame.samples
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()


def _frame(block: np.ndarray, sample_format: str, layout: str, rate: int) -> av.AudioFrame:
    if sample_format.startswith("s16"):
        data = to_s16(block)
    elif sample_format.startswith("s32"):
        data = to_s16(block).astype(np.int32) << 16
    else:
        data = block.astype(np.float32)
    if not sample_format.endswith("p"):
        data = data.T.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data), format=sample_format, layout=layout
    )
    frame.sample_rate = rate
    return frame


def encode_video_only() -> bytes:
    """Return a short MP4 file with one MPEG-4 video stream and no audio."""
    output = io.BytesIO()
    with av.open(output, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        assert isinstance(stream, VideoStream)
        stream.width = 64
        stream.height = 48
        stream.pix_fmt = "yuv420p"
        for index in range(5):
            image = np.full((48, 64, 3), index * 40, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()


# Ogg framing (RFC 3533): pages written by hand so the tests control pre-skip and granules.


@dataclass(frozen=True)
class OggPage:
    """One parsed Ogg page."""

    offset: int
    end: int
    header_type: int
    granule: int
    packets_data: bytes


def _crc_table() -> list[int]:
    table = []
    for index in range(256):
        crc = index << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Return the Ogg page checksum (CRC-32, polynomial 0x04C11DB7, no reflection)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def ogg_page(
    packet: bytes, granule: int, sequence: int, header_type: int, serial: int = 1
) -> bytes:
    """Build one Ogg page holding exactly one packet shorter than 65025 bytes."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, header_type, granule, serial, sequence, 0, len(lacing)
    )
    page = bytearray(header + bytes(lacing) + packet)
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


def ogg_pages(data: bytes) -> Iterator[OggPage]:
    """Parse the complete Ogg pages at the start of ``data``, stopping at a cut page."""
    offset = 0
    while offset + 27 <= len(data):
        assert data[offset : offset + 4] == b"OggS", f"no Ogg capture pattern at byte {offset}"
        header_type = data[offset + 5]
        granule = struct.unpack_from("<q", data, offset + 6)[0]
        segments = data[offset + 26]
        lacing = data[offset + 27 : offset + 27 + segments]
        start = offset + 27 + segments
        end = start + sum(lacing)
        if end > len(data):
            return
        yield OggPage(offset, end, header_type, granule, data[start:end])
        offset = end


def opus_head(channels: int, pre_skip: int, input_rate: int) -> bytes:
    """Build an OpusHead identification header (RFC 7845 section 5.1)."""
    return struct.pack("<8sBBHIhB", b"OpusHead", 1, channels, pre_skip, input_rate, 0, 0)


def encode_opus_packets(signal: np.ndarray, channels: int) -> list[bytes]:
    """Encode a 48 kHz float signal shaped (channels, samples) to 20 ms Opus packets."""
    layout = "mono" if channels == 1 else "stereo"
    context = av.CodecContext.create("libopus", "w")
    context.sample_rate = 48000
    context.layout = layout
    context.format = "s16"
    context.bit_rate = 64000
    context.open()
    packets = []
    for index, start in enumerate(range(0, signal.shape[1], 960)):
        block = np.zeros((channels, 960))
        chunk = signal[:, start : start + 960]
        block[:, : chunk.shape[1]] = chunk
        frame = _frame(block, "s16", layout, 48000)
        frame.pts = index * 960
        packets.extend(bytes(packet) for packet in context.encode(frame))
    packets.extend(bytes(packet) for packet in context.encode(None))
    return packets


def ogg_opus_file(packets: list[bytes], channels: int, pre_skip: int, total_samples: int) -> bytes:
    """Write Opus packets into an Ogg Opus file with the given pre-skip.

    ``total_samples`` counts 48 kHz samples after pre-skip, so the last
    granule is ``pre_skip + total_samples``.
    """
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    pages = [ogg_page(opus_head(channels, pre_skip, 48000), 0, 0, 0x02), ogg_page(tags, 0, 1, 0)]
    for index, packet in enumerate(packets):
        last = index == len(packets) - 1
        granule = pre_skip + total_samples if last else (index + 1) * 960
        pages.append(ogg_page(packet, granule, index + 2, 0x04 if last else 0))
    return b"".join(pages)
