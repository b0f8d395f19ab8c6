"""Hand-written SVG for the call timeline and the dashboard's trend charts.

No chart library: the pictures are a few rectangles and polylines, built here as
plain data the templates render (so escaping stays Jinja's job), with the times an
element stands for in ``data-t`` attributes the page's script uses to seek the audio.

Timeline layout (one lane per party, one for events)::

    agent    |====|      |=========|   ▼ interruption by the agent
    customer     |===|  |==|     ▒▒ overtalk (agent ∩ customer)
    other                              |==|
    events        [hold.....]  ░dead air░   ┃ transfer
             0s        30s        60s       90s
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from call_qa.domain import CallResult, EventType, Role, Span, intersect_timelines
from call_qa.web.i18n import Message, msg

LANES: tuple[str, ...] = (Role.AGENT.value, Role.CUSTOMER.value, Role.OTHER.value, "events")
WIDTH = 1000.0
LEFT = 80.0  # room for lane labels
LANE_H = 26.0
AXIS_H = 20.0
WAVE_H = 36.0  # the waveform band above the lanes (when the recording's peaks are known)


@dataclass(frozen=True)
class Shape:
    """One rectangle (or marker) of the timeline: ``kind`` is its CSS class."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    t: float  # seconds the shape starts at (clicking seeks there)
    title: Message  # translated when the page is rendered


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    left: float
    duration: float
    lanes: tuple[tuple[str, float], ...]  # (label, y)
    shapes: tuple[Shape, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, label)
    wave: str = ""  # SVG path of the waveform band ("" without peaks)
    wave_y: float = AXIS_H  # the band's middle line


def fmt_time(seconds: float) -> str:
    """``seconds`` as m:ss.s (the templates' ``mmss`` filter)."""
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def timeline(result: CallResult, peaks: Sequence[float] | None = None) -> Timeline:
    """The timeline picture of a call: the waveform (from ``peaks``, spread over the
    recording's length), turns per role, overtalk, interruptions, holds, transfers
    and dead air on a common time axis."""
    ends = [result.duration_s]
    ends += [t.end for t in result.turns] + [u.end for u in result.utterances] + [e.end for e in result.events]
    duration = max(max(ends, default=0.0), 1.0)
    scale = (WIDTH - LEFT - 10) / duration
    top = AXIS_H + (WAVE_H if peaks else 0.0)
    lane_y = {name: top + i * LANE_H for i, name in enumerate(LANES)}

    def x(t: float) -> float:
        return round(LEFT + t * scale, 2)

    def w(start: float, end: float) -> float:
        return round(max((end - start) * scale, 1.5), 2)

    shapes: list[Shape] = []
    spans = result.turns or tuple(result.utterances)
    for turn in spans:
        role = Role(turn.role).value
        kind = f"turn {role}" + (" backchannel" if getattr(turn, "backchannel", False) else "")
        shapes.append(
            Shape(kind, x(turn.start), lane_y[role] + 4, w(turn.start, turn.end), LANE_H - 8, turn.start,
                  msg("%(role)s %(start)s–%(end)s", role=role, start=fmt_time(turn.start), end=fmt_time(turn.end)))
        )
    agent = [Span(t.start, t.end) for t in spans if t.role == Role.AGENT]
    customer = [Span(t.start, t.end) for t in spans if t.role == Role.CUSTOMER]
    for s in intersect_timelines(agent, customer):
        shapes.append(
            Shape("overtalk", x(s.start), lane_y[Role.AGENT.value] + 4, w(s.start, s.end), 2 * LANE_H - 8, s.start,
                  msg("overtalk %(start)s–%(end)s (%(s)s s)", start=fmt_time(s.start), end=fmt_time(s.end),
                      s=f"{s.duration:.1f}"))
        )
    ev_y = lane_y["events"]
    for e in result.events:
        kind = EventType(e.type).value
        if e.type == EventType.INTERRUPTION:
            by = Role(e.details.by).value
            y = lane_y.get(by, lane_y[Role.AGENT.value])
            overlap = e.details.overlap_s if e.details.overlap_s is not None else e.end - e.start
            shapes.append(
                Shape("interruption", x(e.start) - 5, y, 10, 8, e.start,
                      msg("interruption by %(by)s of %(of)s at %(t)s (overlap %(s)s s)", by=by,
                          of=Role(e.details.of).value, t=fmt_time(e.start), s=overlap))
            )
        elif e.type == EventType.TRANSFER:
            target = e.details.target or "?"
            shapes.append(Shape("transfer", x(e.start) - 1.5, AXIS_H, 3, 4 * LANE_H, e.start,
                                msg("transfer to %(target)s at %(t)s", target=target, t=fmt_time(e.start))))
        else:
            span = {"start": fmt_time(e.start), "end": fmt_time(e.end)}
            if e.type == EventType.HOLD:
                flags = [k for k in ("announced", "thanked", "over_limit") if getattr(e.details, k)]
                title = msg("hold %(start)s–%(end)s (%(flags)s)", flags=", ".join(flags) or "unannounced", **span)
            elif e.type == EventType.DEAD_AIR:
                title = msg("dead air %(start)s–%(end)s", **span)
            else:
                title = msg("%(kind)s %(start)s–%(end)s", kind=kind.replace("_", " "), **span)
            shapes.append(
                Shape(kind.replace("_", "-"), x(e.start), ev_y + 4, w(e.start, e.end), LANE_H - 8, e.start, title)
            )
    step = _tick_step(duration)
    ticks = tuple((x(t), fmt_time(t)[:-2]) for t in _frange(0.0, duration, step))
    wave = ""
    if peaks:
        # Peaks spread over the recording (duration_s), mirrored around the band's middle.
        mid, half, n = AXIS_H + WAVE_H / 2, WAVE_H / 2 - 2, len(peaks)
        span_s = result.duration_s or duration
        upper = [f"{x(span_s * i / n)},{round(mid - half * p, 1)}" for i, p in enumerate(peaks)]
        lower = [f"{x(span_s * i / n)},{round(mid + half * p, 1)}" for i, p in reversed(list(enumerate(peaks)))]
        wave = "M" + " L".join(upper + lower) + " Z"
    return Timeline(
        width=WIDTH,
        height=top + len(LANES) * LANE_H + 4,
        left=LEFT,
        duration=round(duration, 3),
        lanes=tuple((name, lane_y[name]) for name in LANES),
        shapes=tuple(shapes),
        ticks=ticks,
        wave=wave,
        wave_y=AXIS_H + WAVE_H / 2,
    )


def _tick_step(duration: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if duration / step <= 12:
            return float(step)
    return 7200.0


def _frange(start: float, stop: float, step: float) -> Iterable[float]:
    t = start
    while t <= stop + 1e-9:
        yield t
        t += step


# --------------------------------------------------------------------------- trend charts

CHAR_W = 6.2  # px per character of an 11 px tick label (for spacing; a slight overestimate)
MAX_SERIES = 8  # colours s0..s7 in app.css


def nice_number(x: float, round_: bool) -> float:
    """The "nice" number (1, 2 or 5 × a power of ten) close to ``x`` (Heckbert,
    Graphics Gems, 1990): rounded to the nearest when ``round_``, else the next above."""
    if x <= 0:
        return 1.0
    exponent = math.floor(math.log10(x))
    fraction = x / 10 ** exponent
    if round_:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10 ** exponent


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, ...]:
    """Round tick values covering [lo, hi] with about ``count`` ticks: a step of 1, 2
    or 5 × 10^k, the first tick at or below ``lo`` and the last at or above ``hi``."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + 1.0
    step = nice_number(nice_number(hi - lo, False) / max(1, count - 1), True)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = int(round((last - first) / step))
    return tuple(round(first + k * step, 10) for k in range(n + 1))


def tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as the tick step needs (0.25 → 2, 5 → 0)."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and round(step * 10 ** decimals) != step * 10 ** decimals:
        decimals += 1
    return f"{value:,.{decimals}f}"


def label_every(n: int, longest: int, plot_width: float, gap: float = 8.0) -> int:
    """Show every k-th of ``n`` evenly spaced labels so that labels of ``longest``
    characters never overlap."""
    if n <= 1:
        return 1
    spacing = plot_width / (n - 1)
    return max(1, math.ceil((longest * CHAR_W + gap) / spacing))


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str  # the tooltip: label, value, unit
    href: str | None  # the calls behind the point (the calls list with filters)
    partial: bool


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # s0..s7
    points: str  # the polyline's "x,y x,y ..."
    dots: tuple[Point, ...]


@dataclass(frozen=True)
class TrendChart:
    title: str | Message  # translated when the page is rendered
    unit: str
    width: float
    height: float
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the x axis
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, str], ...]  # (y, label)
    x_labels: tuple[tuple[float, str, str], ...]  # (x, label, text-anchor)
    partial_x: float | None  # where the partial (still running) period starts
    empty: bool


@dataclass(frozen=True)
class Line:
    """One line of a chart: a name and a value (or None) per x position, with the
    link to the calls behind each point."""

    name: str
    values: Sequence[float | None]
    links: Sequence[str | None] = ()


def trend_chart(title: str | Message, labels: Sequence[str], lines: Sequence[Line], *, unit: str = "",
                partial_from: int | None = None, tooltips: Sequence[str] | None = None, width: float = 460,
                height: float = 190, digits: int = 2, zero: bool = True) -> TrendChart:
    """A line chart of one or more lines over the x positions ``labels`` (days or
    weeks), with round y ticks (:func:`nice_ticks`), x labels thinned so they never
    overlap (the first and last kept inside the frame), and the positions from
    ``partial_from`` on marked as a period still running (a shaded band, hollow dots),
    so a partial week does not read as a drop. ``zero``: the y axis starts at 0
    (rates); scores leave it out so lines of agents close together stay apart."""
    left, right_pad, top, bottom_pad = 52.0, 14.0, 12.0, 26.0
    right, bottom = width - right_pad, height - bottom_pad
    values = [v for line in lines for v in line.values if v is not None]
    n = len(labels)
    if not values or n == 0:
        return TrendChart(title, unit, width, height, left, right, top, bottom, (), (), (), None, True)
    ticks = nice_ticks(min(0.0, min(values)) if zero else min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0

    def px(i: int) -> float:
        return round(left + (i * (right - left) / (n - 1) if n > 1 else (right - left) / 2), 2)

    def py(v: float) -> float:
        return round(top + (hi - v) * (bottom - top) / (hi - lo), 2)

    tips = list(tooltips) if tooltips is not None else list(labels)
    series = []
    for k, line in enumerate(lines[:MAX_SERIES]):
        links = list(line.links) + [None] * (n - len(line.links))
        dots = tuple(
            Point(px(i), py(v), f"{line.name}: {tips[i]}: {v:,.{digits}f}{unit}", links[i],
                  partial_from is not None and i >= partial_from)
            for i, v in enumerate(line.values) if v is not None)
        series.append(Series(line.name, f"s{k}", " ".join(f"{d.x},{d.y}" for d in dots), dots))
    longest = max(len(label) for label in labels)
    every = label_every(n, longest, right - left)
    x_labels = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = px(i)
        half = len(label) * CHAR_W / 2
        anchor = "start" if x - half < left - 20 else "end" if x + half > width - 2 else "middle"
        x_labels.append((x if anchor != "start" else max(x - 4, 2.0), label, anchor))
    partial_x = None
    if partial_from is not None and 0 <= partial_from < n:
        partial_x = round(px(partial_from) - ((right - left) / (n - 1) / 2 if n > 1 and partial_from > 0 else 0), 2)
    return TrendChart(
        title, unit, width, height, left, right, top, bottom, tuple(series),
        tuple((py(t), tick_label(t, step)) for t in ticks), tuple(x_labels), partial_x, False)


def iso_week(day: dt.date) -> str:
    """The ISO week of ``day`` as 2026-W47."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
