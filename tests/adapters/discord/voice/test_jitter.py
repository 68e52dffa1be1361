from adapters.discord.voice.jitter import JitterBuffer, JitterFrame


def _payloads(frames: list[JitterFrame]) -> list[bytes | None]:
    return [frame.payload for frame in frames]


def test_in_order_released_at_once() -> None:
    buffer = JitterBuffer()
    assert _payloads(buffer.push(10, 0, b"a")) == [b"a"]
    assert _payloads(buffer.push(11, 960, b"b")) == [b"b"]


def test_reordered_packets_released_in_order() -> None:
    buffer = JitterBuffer()
    buffer.push(1, 0, b"a")
    assert buffer.push(3, 1920, b"c") == []
    assert _payloads(buffer.push(2, 960, b"b")) == [b"b", b"c"]
    assert buffer.lost == 0


def test_duplicate_and_late_dropped() -> None:
    buffer = JitterBuffer()
    buffer.push(1, 0, b"a")
    buffer.push(3, 1920, b"c")
    assert buffer.push(3, 1920, b"c") == []
    assert buffer.push(1, 0, b"a") == []
    assert buffer.duplicates == 1
    assert buffer.late == 1


def test_loss_concealed_after_depth() -> None:
    buffer = JitterBuffer(depth=3)
    buffer.push(1, 0, b"a")
    assert buffer.push(3, 1920, b"c") == []
    assert buffer.push(4, 2880, b"d") == []
    released = buffer.push(5, 3840, b"e")
    assert _payloads(released) == [None, b"c", b"d", b"e"]
    assert released[0].sequence == 2
    assert buffer.lost == 1


def test_sequence_wraparound() -> None:
    buffer = JitterBuffer()
    buffer.push(65534, 0, b"a")
    assert buffer.push(0, 1920, b"c") == []
    released = buffer.push(65535, 960, b"b")
    assert _payloads(released) == [b"b", b"c"]
    assert [frame.sequence for frame in released] == [65535, 0]


def test_timestamp_wraparound_not_a_restart() -> None:
    buffer = JitterBuffer()
    buffer.push(5, 0xFFFFFFFF - 959, b"a")
    assert _payloads(buffer.push(6, 1, b"b")) == [b"b"]
    assert buffer.resets == 0


def test_timestamp_backwards_restarts() -> None:
    buffer = JitterBuffer()
    buffer.push(5, 100_000, b"a")
    assert _payloads(buffer.push(6, 50_000, b"b")) == [b"b"]
    assert buffer.resets == 1
    assert buffer.lost == 0


def test_large_jump_restarts_without_concealment() -> None:
    buffer = JitterBuffer()
    buffer.push(5, 0, b"a")
    assert _payloads(buffer.push(5000, 960 * 4995, b"b")) == [b"b"]
    assert buffer.lost == 0
    assert buffer.resets == 1


def test_unusable_packet_released_as_lost() -> None:
    buffer = JitterBuffer()
    buffer.push(1, 0, b"a")
    assert _payloads(buffer.push(2, 960, None)) == [None]


def test_flush_conceals_gaps() -> None:
    buffer = JitterBuffer()
    buffer.push(1, 0, b"a")
    buffer.push(3, 1920, b"c")
    assert _payloads(buffer.flush()) == [None, b"c"]
