"""Dashboard trends: nice-number ticks, labels that never overlap, the partial period,
lines per agent / team (picked, top/bottom N), the reviewed score with officers'
decisions, a point's link to its calls, score distribution and the items failed most;
HTTP on SQLite and PostgreSQL.

By hand (web_samples.py): CALL (sari, alpha) scores 95.92, QUIET (budi, beta) 100.0,
FAILED (sari, alpha) failed; all on 2026-11-20. With solution_accuracy decided fail
CALL's reviewed score is 88.25.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from call_qa.web import charts, trends
from test_web_http import override
from web_support import CALL

DAY = "start=2026-11-20&end=2026-11-20"


@pytest.mark.parametrize("lo, hi, expected", [
    (0, 0.917, (0, 0.2, 0.4, 0.6, 0.8, 1.0)),
    (0, 97.96, (0, 20, 40, 60, 80, 100)),
    (0, 0.0625, (0, 0.02, 0.04, 0.06, 0.08)),
    (0, 7, (0, 2, 4, 6, 8)),
    (-3, 12, (-5, 0, 5, 10, 15)),
    (5, 5, (5, 5.2, 5.4, 5.6, 5.8, 6.0)),
])
def test_nice_ticks(lo, hi, expected):
    assert charts.nice_ticks(lo, hi) == pytest.approx(expected)


def test_tick_labels_have_the_decimals_of_the_step():
    assert [charts.tick_label(v, 0.2) for v in (0, 0.2, 1.0)] == ["0.0", "0.2", "1.0"]
    assert charts.tick_label(20, 20) == "20"
    assert charts.tick_label(0.25, 0.25) == "0.25"
    assert charts.tick_label(1500, 500) == "1,500"


def test_date_labels_never_overlap_and_stay_inside():
    labels = [(dt.date(2026, 11, 1) + dt.timedelta(days=i)).strftime("%d %b") for i in range(45)]
    chart = charts.trend_chart("t", labels, [charts.Line("all", [float(i) for i in range(45)])])
    xs = [(x, label, anchor) for x, label, anchor in chart.x_labels]
    assert 3 <= len(xs) < 45
    boxes = []
    for x, label, anchor in xs:
        w = len(label) * charts.CHAR_W
        left = x - w / 2 if anchor == "middle" else x if anchor == "start" else x - w
        boxes.append((left, left + w))
        assert 0 <= left and left + w <= chart.width
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:]))  # no two overlap


def test_partial_period():
    spans = trends.buckets(dt.date(2026, 11, 2), dt.date(2026, 11, 18), "week")  # Monday .. a Wednesday
    assert [s[0] for s in spans] == ["2026-W45", "2026-W46", "2026-W47"]
    assert spans[-1][1:] == (dt.date(2026, 11, 16), dt.date(2026, 11, 18))
    assert trends.partial_from(spans, "week", dt.date(2026, 12, 1)) == 2  # cut short by the period
    full = trends.buckets(dt.date(2026, 11, 2), dt.date(2026, 11, 15), "week")
    assert trends.partial_from(full, "week", dt.date(2026, 12, 1)) is None
    assert trends.partial_from(full, "week", dt.date(2026, 11, 12)) == 1  # holds today
    days = trends.buckets(dt.date(2026, 11, 2), dt.date(2026, 11, 4), "day")
    assert trends.partial_from(days, "day", dt.date(2026, 11, 4)) == 2
    chart = charts.trend_chart("t", ["a", "b", "c"], [charts.Line("x", [1.0, 2.0, 0.5])], partial_from=2)
    assert chart.partial_x is not None and [d.partial for d in chart.series[0].dots] == [False, False, True]


def charts_of(html, step="daily"):
    return html.split(f'id="{step}-charts"', 1)[1].split("</div>", 1)[0]


def test_reviewed_score_and_links(supervisor, qa):
    override(qa, "solution_accuracy", "fail")
    html = supervisor.get(f"/dashboard?{DAY}").text
    per_group = html.split('id="per-group"', 1)[1].split("</table>", 1)[0]
    # sari: automatic 95.92, reviewed 88.25; budi 100 both
    assert re.search(r'>sari</a></td>\n<td>1</td><td>1</td><td>95\.9</td><td class="reviewed">88\.2</td>', per_group)
    assert re.search(r'>budi</a></td>\n<td>1</td><td>0</td><td>100\.0</td><td class="reviewed">100\.0</td>', per_group)
    daily = charts_of(html)
    score = daily.split("</figure>", 1)[0]
    # the day's mean: automatic (95.92 + 100) / 2 = 97.96, reviewed (88.25 + 100) / 2 = 94.125
    assert "automatic: 2026-11-20: 98.0" in score and "reviewed: 2026-11-20: 94.1" in score
    assert '<a href="/calls?start=2026-11-20&amp;end=2026-11-20">' in score
    assert "2026-11-20" in supervisor.get("/calls?start=2026-11-20&end=2026-11-20").text


def test_lines_per_agent_and_team(supervisor):
    html = supervisor.get(f"/dashboard?{DAY}&compare=agent&pick=sari&pick=budi").text
    daily = charts_of(html)
    first = daily.split("</figure>", 1)[0]
    assert "Reviewed score" in first
    assert "sari: 2026-11-20: 95.9" in first and "budi: 2026-11-20: 100.0" in first
    assert 'href="/calls?start=2026-11-20&amp;end=2026-11-20&amp;agent=sari"' in first
    # agent interruptions per call: CALL has 1 by the agent (web_samples), QUIET none
    interruptions = [f for f in daily.split("</figure>") if "Agent interruptions per call" in f][0]
    assert "sari: 2026-11-20: 1.00" in interruptions and "budi: 2026-11-20: 0.00" in interruptions
    top = supervisor.get(f"/dashboard?{DAY}&compare=team&rank=top&n=1").text
    assert re.search(r'id="lines">Lines: beta</p>', top)  # beta's 100 beats alpha's 95.92
    bottom = supervisor.get(f"/dashboard?{DAY}&compare=team&rank=bottom&n=1").text
    assert re.search(r'id="lines">Lines: alpha</p>', bottom)
    assert supervisor.get("/dashboard?compare=planet").status_code == 400
    assert supervisor.get("/dashboard?compare=agent&n=99").status_code == 400
    hourly = supervisor.get(f"/dashboard?{DAY}&rate=hour").text
    assert "Agent interruptions per hour of agent talk" in hourly


def test_distribution_and_items_failed_most(supervisor, qa):
    html = supervisor.get(f"/dashboard?{DAY}&group=team").text
    dist = html.split('id="distribution"', 1)[1].split("</table>", 1)[0]
    # alpha: CALL 95.92 in the 90–100 band; beta: QUIET 100 in 90–100
    assert re.search(r"<td>alpha</td>(?:<td><a [^>]*>.*? 0</a></td>){5}<td><a [^>]*>.*? 1</a></td><td>1</td>", dist)
    assert 'href="/dashboard/items?' in html
    worst = supervisor.get(f"/dashboard/items?{DAY}").text.split('id="worst-items"', 1)[1].split("</table>", 1)[0]
    assert "<td>alpha</td><td>closing_greeting</td><td>courtesy</td><td>1</td><td>0</td><td>1</td><td>100 %</td>" in worst
    override(qa, "closing_greeting", "pass")  # the verdict in force no longer fails
    worst = supervisor.get(f"/dashboard/items?{DAY}").text.split('id="worst-items"', 1)[1].split("</table>", 1)[0]
    assert "closing_greeting" not in worst
