"""Speech measures on transcripts whose expected values are worked out by hand."""

from __future__ import annotations

import pytest

from bot.feedback.measures import (
    SpeechMeasures,
    compute_measures,
    count_fillers,
    count_interruptions,
    load_fillers,
)
from tests.bot.feedback.conftest import Line

# Times in seconds. Candidate lines: 30 s, 30 s and 12 s timed (72 s), plus one
# untimed line. Interviewer lines: 10 s each (30 s).
TRANSCRIPT = [
    Line("interviewer", "Tell me about yourself.", 0, 10),
    # 20 words; fillers: "Um", "uh", "you know" (3).
    Line(
        "candidate",
        "Um I build APIs, uh, you know, for payments and I lead a small team of four "
        "engineers at Acme",
        12,
        42,
    ),
    Line("interviewer", "Why payments?", 45, 55),
    # Starts at 53 s, before the previous interviewer line ends at 55 s: an interruption.
    # 12 words; fillers: "erm" (1). "like" is not a filler.
    Line("candidate", "Because I like hard problems, erm, and money must never get lost", 53, 83),
    # Flagged as interrupted, although the next candidate line starts after it ends.
    Line("interviewer", "Tell me about a conflict.", 90, 100, interrupted=True),
    # Starts 8 s after the interviewer line ends: the longest pause.
    # 7 words; fillers: "Sort of" (1).
    Line("candidate", "Sort of a disagreement about the schema", 108, 120),
    # No end time: its 2 words count in `candidate_words` only. Pause before it: 5 s.
    Line("candidate", "and more", 125, None),
]


def test_measures_known_transcript() -> None:
    measures = compute_measures(TRANSCRIPT, "en")

    assert measures.candidate_words == 41
    assert measures.candidate_seconds == 72.0
    assert measures.interviewer_seconds == 30.0
    assert measures.words_per_minute == pytest.approx(39 / 1.2)  # 32.5
    assert measures.filler_count == 5
    assert measures.fillers_per_minute == pytest.approx(5 / 1.2)
    assert measures.longest_pause_seconds == 8.0
    assert measures.talk_time_ratio == pytest.approx(72 / 102)
    assert measures.interruptions == 2


def test_measures_order_independent() -> None:
    assert compute_measures(list(reversed(TRANSCRIPT)), "en") == compute_measures(TRANSCRIPT, "en")


def test_interruption_counted_once() -> None:
    lines = [
        Line("interviewer", "A long question", 0, 10, interrupted=True),
        Line("candidate", "Sorry, go on", 6, 8),
    ]

    assert count_interruptions(lines) == 1


def test_measures_empty_transcript() -> None:
    measures = compute_measures([], "en")

    assert measures.candidate_words == 0
    assert measures.words_per_minute is None
    assert measures.fillers_per_minute is None
    assert measures.longest_pause_seconds is None
    assert measures.talk_time_ratio is None
    assert measures.interruptions == 0


def test_french_fillers() -> None:
    fillers = load_fillers("fr")
    assert fillers is not None
    text = "Euh, en fait, du coup je pense que… ben voilà. Um, je code."

    # "euh", "en fait", "du coup", "ben", "voilà"; "Um" is an English filler only.
    assert count_fillers(text, fillers) == 5


def test_french_fillers_per_minute() -> None:
    lines = [Line("candidate", "Euh, en fait, du coup je pense que ben voilà.", 0, 30)]

    measures = compute_measures(lines, "fr-FR")

    assert measures.filler_count == 5
    assert measures.fillers_per_minute == pytest.approx(10.0)


def test_no_filler_list_gives_none() -> None:
    measures = compute_measures([Line("candidate", "Ähm, also ja", 0, 6)], "de")

    assert measures.filler_count is None
    assert measures.fillers_per_minute is None
    assert measures.words_per_minute == pytest.approx(30.0)


def test_filler_phrase_not_split_words() -> None:
    fillers = load_fillers("en")
    assert fillers is not None

    assert count_fillers("The umbrella and the summary", fillers) == 0
    assert count_fillers("I mean, it's, like, hmm", fillers) == 2


def test_measures_round_trip() -> None:
    measures = compute_measures(TRANSCRIPT, "en")

    assert SpeechMeasures.from_dict(measures.to_dict()) == measures
