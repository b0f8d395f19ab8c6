"""Hand-built calls for the web tests: the real phone_inbound item ids (so the
configured rubric re-scores them), a transcript, every event type, and a real WAV.

Scores by hand (rubric.md; phone_inbound weights 15/20/25/40 over 4/5/4/5 items, so an
item's max points are courtesy 3.75, responsiveness 4, interaction_control 6.25,
solution 8):

- computed: every item passes except closing_greeting (fail, courtesy) and
  solution_accuracy (needs_review, out of the denominator):
  100 × (100 − 8 − 3.75) / (100 − 8) = 100 × 88.25 / 92 = 95.92
- solution_accuracy decided fail:      100 × 88.25 / 100 = 88.25
- ... and closing_greeting decided pass: 100 × 92 / 100 = 92.0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import soundfile as sf

from call_qa.domain import (
    CallResult,
    Event,
    EventType,
    Evidence,
    HoldDetails,
    InterruptionDetails,
    ItemResult,
    Role,
    Scorecard,
    SectionScore,
    SoundKind,
    SpeakerInfo,
    TransferDetails,
    Turn,
    Utterance,
    Verdict,
)
from call_qa.rubric import PHONE_INBOUND_SECTIONS
from db_samples import make_call_result

AUTO_SCORE = 95.92
SCORE_ACCURACY_FAILED = 88.25
SCORE_BOTH_DECIDED = 92.0
MAX_POINTS = {"courtesy": 3.75, "responsiveness": 4.0, "interaction_control": 6.25, "solution": 8.0}
EVIDENCE_T = 4.5  # the customer's problem statement: where clicking its evidence seeks
DURATION_S = 12.0
PROBLEM = "Saya mau tanya soal NPWP yang hilang, bagaimana cara mengurusnya?"


def write_wav(path: Path, seconds: float = DURATION_S, rate: int = 16000) -> Path:
    """A real stereo 16-bit PCM WAV: a 440 Hz tone on the left, 660 Hz on the right."""
    t = np.arange(int(seconds * rate)) / rate
    audio = np.stack([0.2 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 660 * t)], axis=1)
    sf.write(path, audio, rate, subtype="PCM_16")
    return path


def _item(item_id: str, section: str, verdict: Verdict, evidence: tuple[Evidence, ...]) -> ItemResult:
    factor = verdict.factor
    max_points = MAX_POINTS[section]
    return ItemResult(
        id=item_id,
        section=section,
        verdict=verdict,
        points=max_points * factor if factor is not None else 0.0,
        max_points=max_points,
        confidence=0.8 if verdict != Verdict.NEEDS_REVIEW else 0.3,
        evidence=evidence,
        reason=f"{item_id}: hand-built verdict",
    )


def make_web_call(call_id: str, source: Path | str, *, problem: str = PROBLEM,
                  solution_verdict: Verdict = Verdict.NEEDS_REVIEW) -> CallResult:
    greeting = Utterance(0.5, 3.5, "ch1", Role.AGENT, "Selamat pagi, Kring Pajak dengan Sari, ada yang bisa dibantu?")
    question = Utterance(EVIDENCE_T, 7.0, "ch0", Role.CUSTOMER, problem)
    answer = Utterance(7.5, 11.0, "ch1", Role.AGENT, "Baik Bapak, silakan lapor kehilangan lewat situs kami.")
    problem_ev = Evidence(EVIDENCE_T, 7.0, "ch0", Role.CUSTOMER, problem, "caller's problem statement")
    greet_ev = Evidence(0.5, 3.5, "ch1", Role.AGENT, greeting.text, "greeting")
    answer_ev = Evidence(7.5, 11.0, "ch1", Role.AGENT, answer.text, "solution-like turn")
    items = []
    for section, ids in PHONE_INBOUND_SECTIONS.items():
        for item_id in ids:
            verdict = Verdict.PASS
            evidence: tuple[Evidence, ...] = (greet_ev,)
            if item_id == "closing_greeting":
                verdict = Verdict.FAIL
            if item_id == "solution_accuracy":
                verdict, evidence = solution_verdict, (answer_ev,)
            if item_id == "probing":
                evidence = (problem_ev,)
            items.append(_item(item_id, section, verdict, evidence))
    # The database tests' complete call (ok, stereo, Indonesian), with this call's parts.
    return dataclasses.replace(
        make_call_result(call_id),
        source=str(source),
        content_hash="d" * 64,
        settings_hash="e" * 64,
        duration_s=DURATION_S,
        settings={"asr_model": "hand-built"},
        speakers=(SpeakerInfo("ch0", Role.CUSTOMER, 0.9, 2.5), SpeakerInfo("ch1", Role.AGENT, 0.9, 6.5)),
        turns=(
            Turn(0.5, 3.5, "ch1", Role.AGENT),
            Turn(EVIDENCE_T, 7.0, "ch0", Role.CUSTOMER),
            Turn(6.2, 11.0, "ch1", Role.AGENT),
        ),
        utterances=(greeting, question, answer),
        events=(
            Event(EventType.INTERRUPTION, 6.2, 7.0, InterruptionDetails(Role.AGENT, Role.CUSTOMER, successful=True,
                                                                        overlap_s=0.8)),
            Event(EventType.DEAD_AIR, 3.5, 4.5),
            Event(EventType.HOLD, 8.0, 9.0, HoldDetails(SoundKind.MUSIC, announced=True, thanked=False, over_limit=True)),
            Event(EventType.TRANSFER, 11.0, 11.5, TransferDetails("bagian keberatan", warm=False), "text"),
        ),
        metrics={
            "agent_talk_s": 8.3, "customer_talk_s": 2.5, "overtalk_s": 0.8, "agent_interruptions": 1,
            "customer_interruptions": 0, "hold_count": 1, "hold_total_s": 1.0, "hold_longest_s": 1.0,
            "hold_over_limit": 1, "hold_unannounced": 0, "transfer_count": 1, "dead_air_count": 1,
            "dead_air_total_s": 1.0, "dead_air_longest_s": 1.0, "agent_wpm": 120.0,
        },
        scorecard=Scorecard(
            rubric_id="phone_inbound",
            rubric_version="1",
            score=AUTO_SCORE,
            needs_review=1 if solution_verdict == Verdict.NEEDS_REVIEW else 0,
            sections=(
                SectionScore("courtesy", round(100 * 11.25 / 15, 2), 15),
                SectionScore("responsiveness", 100.0, 20),
                SectionScore("interaction_control", 100.0, 25),
                SectionScore("solution", 100.0, 40),
            ),
            items=tuple(items),
        ),
    )


def make_quiet_call(call_id: str, source: Path | str) -> CallResult:
    """A call with no events and every item passed (score 100)."""
    base = make_web_call(call_id, source, problem="Saya mau tanya jadwal layanan kantor pusat.",
                         solution_verdict=Verdict.PASS)
    items = tuple(dataclasses.replace(it, verdict=Verdict.PASS, points=it.max_points) for it in base.scorecard.items)
    return dataclasses.replace(
        base,
        events=(),
        metrics={**base.metrics, "agent_interruptions": 0, "hold_count": 0, "hold_over_limit": 0,
                 "transfer_count": 0, "dead_air_count": 0},
        scorecard=dataclasses.replace(base.scorecard, score=100.0, needs_review=0, items=items),
    )


RECORDED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)


EMAIL = "email_id_good_efin"
EMAIL_SENTENCES = (
    (Role.CUSTOMER, "Selamat siang, saya lupa EFIN saya."),
    (Role.CUSTOMER, "Bagaimana cara mendapatkannya kembali?"),
    (Role.AGENT, "Yth. Bapak Budi, terima kasih atas email Bapak."),
    (Role.AGENT, "EFIN dapat diminta kembali melalui layanan Kring Pajak."),
    (Role.AGENT, "Hormat kami, Kring Pajak."),
)


def make_email_result(call_id: str = EMAIL) -> CallResult:
    """An email as score-email stores it (layout None, settings.input email, sentences
    numbered 0, 1, 2 … as start times, the email rubric): the customer's two
    sentences, the agent's three; ``opening_sentence`` passes on sentence 2, the
    spelling item awaits review."""
    base = make_quiet_call(call_id, "corpus/emails/id_good_efin.eml")
    utterances = tuple(Utterance(float(k), float(k + 1), role.value, role, text)
                       for k, (role, text) in enumerate(EMAIL_SENTENCES))
    opening = Evidence(2.0, 3.0, "agent", Role.AGENT, EMAIL_SENTENCES[2][1], "greeting")
    items = (
        ItemResult("opening_sentence", "courtesy", Verdict.PASS, 7.5, 7.5, 0.9, (opening,), "opening_sentence: hand-built verdict"),
        ItemResult("punctuation_spelling", "interaction_control", Verdict.NEEDS_REVIEW, 0.0, 6.25, 0.3, (),
                   "punctuation_spelling: hand-built verdict"),
    )
    card = Scorecard(rubric_id="email", rubric_version="1", score=100.0, needs_review=1,
                     sections=(SectionScore("courtesy", 100.0, 15), SectionScore("interaction_control", None, 25)),
                     items=items)
    return dataclasses.replace(base, layout=None, channels=0, duration_s=0.0, turns=(), events=(), speakers=(),
                               settings={"input": "email", "subject": "Lupa EFIN", "time_unit": "sentence"},
                               utterances=utterances, metrics={}, scorecard=card)
