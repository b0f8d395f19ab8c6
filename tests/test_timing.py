"""Timing metrics on hand-built activity, each expected value worked out by hand."""

import pytest

from call_qa.config import TimingSettings
from call_qa.domain import EventType, Layout, Role, SoundKind, SoundSegment, SpeakerActivity, Span, Utterance
from call_qa.timing import TimingCues, analyse_timing, build_turns, is_backchannel_text

CUES = TimingCues(
    backchannels=("ya", "iya", "oke", "baik", "mm", "yeah", "okay", "uh-huh"),
    hold_announce=("mohon ditunggu", "please hold"),
    hold_return=("terima kasih sudah menunggu", "thank you for holding"),
    transfer_announce=("saya sambungkan", "transfer you"),
)
ROLES = {"A": Role.AGENT, "C": Role.CUSTOMER}


def utt(speaker, start, end, text):
    return Utterance(start, end, speaker, ROLES.get(speaker, Role.OTHER), text)


def report(speakers, utterances=(), duration=60.0, sounds=(), roles=ROLES, **thresholds):
    activity = SpeakerActivity(Layout.STEREO, {k: tuple(Span(*s) for s in v) for k, v in speakers.items()}, "test")
    return analyse_timing(activity, roles, utterances, duration, TimingSettings(**thresholds), CUES, sounds)


def test_turns_merge_pauses_shorter_than_gap():
    #  A: |0-2| |2.3-4|      |5-6|      pause 0.3 merges, pause 1.0 does not
    activity = SpeakerActivity(Layout.STEREO, {"A": (Span(0, 2), Span(2.3, 4), Span(5, 6))}, "test")
    turns = build_turns(activity, ROLES, [], TimingSettings(), CUES)
    assert [(t.start, t.end) for t in turns] == [(0, 4), (5, 6)]
    assert not turns[0].backchannel and turns[1].backchannel  # 1.0 s <= backchannel_max_s


def test_agent_interruption_attempted_and_metrics():
    #  C: |0 ------------- 10|
    #  A:          |6 ------------ 12|     A starts inside C, overlap 6..10 = 4 s,
    #  C keeps talking 4 s after A's start (> 2 s yield) -> attempted
    r = report({"C": [(0, 10)], "A": [(6, 12)]}, [utt("C", 0, 10, "saya mau tanya soal pajak saya"), utt("A", 6, 12, "baik jadi begini Bapak")])
    ints = r.events_of(EventType.INTERRUPTION)
    assert len(ints) == 1
    e = ints[0]
    assert (e.start, e.end) == (6, 10)
    assert e.details.by == "agent" and e.details.of == "customer"
    assert e.details.successful is False and e.details.overlap_s == 4.0
    m = r.metrics
    assert m["agent_interruptions"] == 1 and m["customer_interruptions"] == 0
    assert m["agent_talk_s"] == 6.0 and m["customer_talk_s"] == 10.0 and m["overtalk_s"] == 4.0


def test_successful_interruption_when_interrupted_party_yields():
    #  C: |0 ------ 7|     A starts at 6, C stops at 7 (1 s later <= 2 s) -> successful
    #  A:        |6 ------ 12|
    r = report({"C": [(0, 7)], "A": [(6, 12)]})
    (e,) = r.events_of(EventType.INTERRUPTION)
    assert e.details.successful is True and e.details.overlap_s == 1.0


def test_backchannels_and_short_overlaps_are_not_interruptions():
    #  A talks 0-10; C says "ya" (0.6 s), then "oke baik" (1.5 s, words-only backchannel),
    #  then a real sentence overlapping A by only 0.3 s (< 0.5 s)
    r = report(
        {"A": [(0, 10)], "C": [(2, 2.6), (4, 5.5), (9.7, 14)]},
        [utt("C", 2, 2.6, "ya"), utt("C", 4, 5.5, "oke, baik"), utt("C", 9.7, 14, "jadi saya harus ke kantor?")],
    )
    assert r.events_of(EventType.INTERRUPTION) == ()
    assert r.metrics["customer_interruptions"] == 0
    assert is_backchannel_text("Oke, baik.", CUES.backchannels)
    assert not is_backchannel_text("oke saya ke kantor", CUES.backchannels)


def test_hold_announced_thanked_and_dead_air():
    #  A |0-5 "mohon ditunggu"|  ... 20 s silence (music) ... |25-30 "terima kasih sudah menunggu"|
    #  C |31-35|   4 s gap 35->39 = dead air   A |39-40|   then 2 s gap (no event)   C |42-44|
    r = report(
        {"A": [(0, 5), (25, 30), (39, 40)], "C": [(31, 35), (42, 44)]},
        [utt("A", 0, 5, "Mohon ditunggu sebentar, Pak"), utt("A", 25, 30, "Terima kasih sudah menunggu, Pak")],
        sounds=[SoundSegment(5, 6, SoundKind.SILENCE), SoundSegment(6, 24, SoundKind.MUSIC), SoundSegment(24, 25, SoundKind.SILENCE)],
    )
    (hold,) = r.events_of(EventType.HOLD)
    assert (hold.start, hold.end) == (5, 25)
    assert hold.details.to_dict() == {"kind": "music", "announced": True, "thanked": True, "over_limit": False, "duration_s": 20.0}
    (dead,) = r.events_of(EventType.DEAD_AIR)
    assert (dead.start, dead.end) == (35, 39)
    m = r.metrics
    assert m["hold_count"] == 1 and m["hold_total_s"] == 20.0 and m["hold_longest_s"] == 20.0
    assert m["dead_air_count"] == 1 and m["dead_air_total_s"] == 4.0


def test_unannounced_silent_hold_over_limit():
    #  130 s of silence between A's turns, no phrases: silence hold, over the 120 s limit
    r = report({"A": [(0, 5), (135, 140)], "C": [(141, 143)]}, duration=150)
    (hold,) = r.events_of(EventType.HOLD)
    assert hold.details.kind == "silence" and hold.details.announced is False
    assert hold.details.over_limit is True
    assert r.metrics["hold_over_limit"] == 1 and r.metrics["hold_unannounced"] == 1


def test_blind_transfer_to_new_voice_is_not_a_hold():
    #  A announces at 0-4, 12 s wait, third party X answers at 16; agent never speaks again
    r = report(
        {"A": [(0, 4)], "C": [(4.5, 5)], "X": [(16, 20)]},
        [utt("A", 0, 4, "Baik Pak, saya sambungkan ke bagian keberatan"), utt("X", 16, 20, "Bagian keberatan, selamat siang")],
        roles={"A": Role.AGENT, "C": Role.CUSTOMER, "X": Role.OTHER},
    )
    (t,) = r.events_of(EventType.TRANSFER)
    assert (t.start, t.end) == (4, 16)
    assert t.details.target == "bagian keberatan" and t.details.warm is False
    assert r.events_of(EventType.HOLD) == () and r.events_of(EventType.DEAD_AIR) == ()


def test_pace_latency_and_monologue():
    #  C 0-4, A 5-15 (gap 1.0), C 16-20, A 22-30 (gap 2.0): latencies 1 and 2 -> mean 1.5
    #  agent 20 words over 18 s of talk -> 66.7 wpm
    words = " ".join(["kata"] * 10)
    r = report(
        {"C": [(0, 4), (16, 20)], "A": [(5, 15), (22, 30)]},
        [utt("A", 5, 15, words), utt("A", 22, 30, words)],
    )
    m = r.metrics
    assert m["response_latency_mean_s"] == 1.5
    assert m["agent_wpm"] == pytest.approx(66.7)
    assert m["agent_longest_monologue_s"] == 10.0 and m["customer_longest_monologue_s"] == 4.0
    assert r.thresholds["interruption_min_overlap_s"] == 0.5


def test_thresholds_are_configurable():
    # same overlap of 1 s: an interruption at the default 0.5 s, none at 1.5 s
    speakers = {"C": [(0, 7)], "A": [(6, 12)]}
    assert len(report(speakers).events_of(EventType.INTERRUPTION)) == 1
    assert report(speakers, interruption_min_overlap_s=1.5).events_of(EventType.INTERRUPTION) == ()


def test_ringback_without_announcement_is_a_blind_transfer_not_a_hold():
    #  A |0-4 "sebentar"|  ringback 5..16 (11 s, >= hold_min_s)  X answers 16-20, A never back
    r = report(
        {"A": [(0, 4)], "C": [(4.2, 4.8)], "X": [(16, 20)]},
        [utt("A", 0, 4, "Sebentar, Pak")],
        sounds=[SoundSegment(5, 16, SoundKind.RINGBACK, "425 Hz (id)")],
        roles={"A": Role.AGENT, "C": Role.CUSTOMER, "X": Role.OTHER},
    )
    (t,) = r.events_of(EventType.TRANSFER)
    assert (t.start, t.end) == (5, 16)
    assert t.details.announced is False and t.details.target is None
    assert t.details.warm is False and t.details.new_voice is True and t.details.ringback is True
    assert r.events_of(EventType.HOLD) == ()


def test_warm_transfer_with_ringback_after_announcement():
    #  A announces 0-4, ringback 5-15, X answers 15-18, A introduces the caller 18-22
    r = report(
        {"A": [(0, 4), (18, 22)], "X": [(15, 18)]},
        [utt("A", 0, 4, "I will transfer you to the billing department")],
        sounds=[SoundSegment(5, 15, SoundKind.RINGBACK)],
        roles={"A": Role.AGENT, "X": Role.OTHER},
    )
    (t,) = r.events_of(EventType.TRANSFER)
    assert (t.start, t.end) == (5, 15) and t.details.warm is True
    assert t.details.target == "billing department" and t.details.announced is True


def test_hold_kind_follows_the_line_sound():
    #  12 s gap with a steady tone for 9 s of it -> a tone hold
    r = report({"A": [(0, 3), (15, 18)]}, sounds=[SoundSegment(4, 13, SoundKind.TONE)])
    (hold,) = r.events_of(EventType.HOLD)
    assert hold.details.kind == "tone"


