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


@dataclass(frozen=True)
class LineChart:
    title: str
    width: float
    height: float
    points: str  # the polyline's "x,y x,y ..."
    dots: tuple[tuple[float, float, str], ...]  # (x, y, title)
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    empty: bool


def line_chart(title: str, series: Sequence[tuple[str, float | None]], *, width: float = 460, height: float = 170,
               unit: str = "") -> LineChart:
    """A small line chart of (label, value) pairs in order; missing values are skipped."""
    left, right, top, bottom = 44.0, 8.0, 10.0, 24.0
    values = [v for _, v in series if v is not None]
    if not values:
        return LineChart(title, width, height, "", (), (), (), True)
    lo, hi = min(0.0, min(values)), max(values)
    if hi <= lo:
        hi = lo + 1.0
    n = len(series)

    def px(i: int) -> float:
        return round(left + (i * (width - left - right) / (n - 1) if n > 1 else (width - left - right) / 2), 2)

    def py(v: float) -> float:
        return round(top + (hi - v) * (height - top - bottom) / (hi - lo), 2)

    dots = tuple((px(i), py(v), f"{label}: {v:.2f}{unit}") for i, (label, v) in enumerate(series) if v is not None)
    points = " ".join(f"{x},{y}" for x, y, _ in dots)
    y_ticks = tuple((py(lo + (hi - lo) * k / 4), f"{lo + (hi - lo) * k / 4:.3g}") for k in range(5))
    every = max(1, n // 6)
    x_labels = tuple((px(i), label) for i, (label, _) in enumerate(series) if i % every == 0)
    return LineChart(title, width, height, points, dots, y_ticks, x_labels, False)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
