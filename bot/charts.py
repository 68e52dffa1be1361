"""Charts drawn in memory with matplotlib's Agg backend, as PNG bytes for any platform."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CHART_DPI = 100
CHART_SIZE_INCHES = (8.0, 4.0)


def score_trend_png(points: Sequence[tuple[datetime, int]], *, title: str, y_label: str) -> bytes:
    """Draw overall scores (0 to 100) against interview dates, oldest first, as a PNG.

    A `Figure` with its own Agg canvas keeps pyplot's global state out, so this
    is safe to call from worker threads. Raises ValueError when `points` is empty.
    """
    if not points:
        raise ValueError("a score trend needs at least one scored interview")
    ordered = sorted(points)
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(1, len(ordered) + 1))
    axes.plot(positions, [score for _, score in ordered], marker="o", color="#2563eb")
    axes.set_ylim(0, 100)
    axes.set_xticks(positions)
    axes.set_xticklabels([when.strftime("%d %b") for when, _ in ordered], rotation=45)
    axes.set_title(title)
    axes.set_ylabel(y_label)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()
