"""Geometry for the report's inline SVG charts; the template draws them, so no markup is built here.

Two kinds: a stacked bar of control statuses (how the fleet or a host splits) and horizontal score bars (one per
clinic or host). Scores are banded for colour: good from 90, fair from 70, poor below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Display order: compliant first, then neutral, then failing, so the bar reads left to right from good to bad.
STATUS_ORDER = ("pass", "fixed", "excepted", "manual_attested", "not_applicable", "manual_missing", "fail", "error")
GOOD_SCORE = 90.0
FAIR_SCORE = 70.0


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: float
    width: float
    percent: float


@dataclass(frozen=True)
class ScoreBar:
    label: str
    score: float | None
    y: float
    width: float
    band: str


def band(score: float | None) -> str:
    """good, fair, poor, or none (nothing counted)."""
    if score is None:
        return "none"
    if score >= GOOD_SCORE:
        return "good"
    return "fair" if score >= FAIR_SCORE else "poor"


def status_segments(counts: Mapping[str, int], width: float) -> list[Segment]:
    """Adjacent segments of a bar `width` wide, one per status with a non-zero count."""
    total = sum(counts.get(status, 0) for status in STATUS_ORDER)
    segments: list[Segment] = []
    x = 0.0
    for status in STATUS_ORDER:
        count = counts.get(status, 0)
        if not count:
            continue
        share = count / total
        segments.append(Segment(status, count, round(x, 2), round(share * width, 2), round(100 * share, 1)))
        x += share * width
    return segments


def score_bars(items: Sequence[tuple[str, float | None]], width: float, row_height: float) -> list[ScoreBar]:
    """One bar per (label, score), stacked top to bottom; a bar's width is its share of `width` (100%)."""
    return [
        ScoreBar(label, score, round(index * row_height, 2), round((score or 0.0) / 100 * width, 2), band(score))
        for index, (label, score) in enumerate(items)
    ]
