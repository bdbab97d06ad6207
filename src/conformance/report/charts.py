"""Geometry of the report's inline SVG charts, computed from the report's numbers (the template only draws).

All coordinates are in the SVG's own user units; labels stay plain data for the template to escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.report.model import NO_LEVEL, NOT_SCANNED, TeamRow, TrendPoint

WIDTH = 640
HEIGHT = 200
LEFT = 44
"""Room for the y axis labels."""
RIGHT = 16
TOP = 12
BOTTOM = 28
BAR = 18
"""Height of one team's bar in the levels chart."""
LABEL = 150
"""Room for the team names left of the bars."""


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str
    """The run id (under the axis)."""
    title: str
    """What the dot shows (a tooltip)."""


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    dots: tuple[Dot, ...]
    line: str
    """``x,y x,y ...`` for a polyline."""
    ticks: tuple[tuple[float, str], ...]
    """(y, label) of the horizontal grid lines: 0, 25, 50, 75, 100 %."""


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    css: str
    """``level-0`` (below the first level) ... ``level-N``, or ``not-scanned``."""
    title: str


@dataclass(frozen=True)
class Bar:
    y: float
    label: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class LevelsChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...]
    """(css class, level name), lowest first."""


def _y(rate: float) -> float:
    return round(TOP + (1.0 - rate) * (HEIGHT - TOP - BOTTOM), 1)


def trend_chart(trend: Sequence[TrendPoint]) -> TrendChart:
    """Overall compliance per run, left (oldest) to right; runs where nothing applied have no dot."""
    span = WIDTH - LEFT - RIGHT
    step = span / (len(trend) - 1) if len(trend) > 1 else 0.0
    dots = []
    for index, point in enumerate(trend):
        if point.rate is None:
            continue
        x = round(LEFT + (index * step if len(trend) > 1 else span / 2), 1)
        title = (
            f"{point.run_id}: {point.rate * 100:.1f}% ({point.passed} of {point.applicable} pass; "
            f"{point.suppressed} suppressed, {point.waived} waived, {point.baselined} baselined)"
        )
        dots.append(Dot(x, _y(point.rate), point.run_id, title))
    ticks = tuple((_y(share / 100), f"{share}%") for share in (0, 25, 50, 75, 100))
    line = " ".join(f"{dot.x},{dot.y}" for dot in dots)
    return TrendChart(WIDTH, HEIGHT, tuple(dots), line, ticks)


def levels_chart(teams: Sequence[TeamRow], levels: Sequence[str]) -> LevelsChart:
    """Per team one bar, split into its repositories per level (widths are shares of the team's repositories)."""
    span = WIDTH - LABEL - RIGHT
    bars = []
    for index, team in enumerate(teams):
        total = sum(len(bucket.repositories) for bucket in team.levels)
        x = float(LABEL)
        segments = []
        for bucket in team.levels:
            count = len(bucket.repositories)
            if not count:
                continue
            width = round(span * count / total, 1)
            title = f"{bucket.level}: {count} ({', '.join(bucket.repositories)})"
            segments.append(Segment(round(x, 1), width, _css(bucket.level, levels), title))
            x += width
        bars.append(Bar(TOP + index * (BAR + 8), team.name, tuple(segments)))
    height = TOP + len(teams) * (BAR + 8) + BOTTOM
    legend = tuple((_css(name, levels), name) for name in (NO_LEVEL, *levels, NOT_SCANNED))
    return LevelsChart(WIDTH, height, tuple(bars), legend)


def _css(level: str, levels: Sequence[str]) -> str:
    if level in levels:
        return f"level-{min(levels.index(level) + 1, 5)}"
    return "not-scanned" if level == NOT_SCANNED else "level-0"
