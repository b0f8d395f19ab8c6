"""Span algebra, checked against timelines worked out by hand."""

from call_qa.domain import Span, Verdict, gaps, intersect_timelines, merge_spans, total_duration


def test_span_intersection_union_and_duration():
    a, b = Span(0.0, 4.0), Span(3.0, 6.0)
    assert (a & b) == Span(3.0, 4.0)
    assert (a | b) == Span(0.0, 6.0)
    assert a.overlap(b) == 1.0
    assert Span(0, 1).overlap(Span(2, 3)) == 0.0
    assert not (Span(0, 1) & Span(2, 3))
    assert Span(5, 3).duration == 0.0
    assert Span(1, 3).covers(Span(1.5, 2))
    assert Span(1, 3).gap_to(Span(4, 5)) == 1.0


def test_merge_spans_joins_short_pauses_only():
    spans = [Span(3.0, 4.0), Span(0.0, 1.0), Span(1.3, 2.0), Span(2.6, 2.8)]
    # pause 0.3 < 0.5 joins; pause 0.6 does not; pause 0.2 (2.8 -> 3.0) joins
    assert merge_spans(spans, gap=0.5) == (Span(0.0, 2.0), Span(2.6, 4.0))
    assert merge_spans(spans) == tuple(sorted(spans))


def test_gaps_and_intersection_and_total():
    support = Span(0, 10)
    spans = [Span(1, 2), Span(1.5, 3), Span(6, 7)]
    assert gaps(spans, support) == (Span(0, 1), Span(3, 6), Span(7, 10))
    assert total_duration(spans) == 3.0
    a = [Span(0, 3), Span(5, 8)]
    b = [Span(2, 6)]
    assert intersect_timelines(a, b) == (Span(2, 3), Span(5, 6))


def test_verdict_factors_follow_rubric():
    assert Verdict.PASS.factor == 1.0 and Verdict.PARTIAL.factor == 0.5 and Verdict.FAIL.factor == 0.0
    assert Verdict.NOT_APPLICABLE.factor is None and Verdict.NEEDS_REVIEW.factor is None


def test_event_details_are_typed_and_round_trip_through_json_form():
    import pytest

    from call_qa.domain import Event, EventType, HoldDetails, Role, SoundKind, TransferDetails

    hold = Event(EventType.HOLD, 60.1, 95.3, HoldDetails(SoundKind.MUSIC, True, False, False, 35.2))
    d = hold.to_dict()
    # the per-call JSON keys of interfaces.md, in the order the timing stage writes them
    assert list(d) == ["type", "start", "end", "kind", "announced", "thanked", "over_limit", "duration_s", "source"]
    assert d["kind"] == "music" and type(d["kind"]) is str
    assert Event.from_dict(d) == hold
    truth = {"type": "interruption", "start": 41.2, "end": 42.0, "by": "agent", "of": "customer", "successful": True}
    e = Event.from_dict(truth)
    assert e.details.by is Role.AGENT and e.details.overlap_s is None and e.source == "audio"
    assert Event(EventType.TRANSFER, 1.0, 2.0).details == TransferDetails()  # nothing worked out yet
    with pytest.raises(ValueError, match="hold details: unknown key.*'anounced'"):
        Event.from_dict({"type": "hold", "start": 1.0, "end": 12.0, "anounced": True})
    with pytest.raises(TypeError, match="hold event needs HoldDetails"):
        Event(EventType.HOLD, 1.0, 12.0, {"announced": True})
