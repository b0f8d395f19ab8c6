"""Hand-built call results for the database tests (a module, not conftest, so the
test files can import it by a name no other test folder uses)."""

from __future__ import annotations

import dataclasses
from typing import Any

from call_qa.domain import (
    CallResult,
    CallStatus,
    Event,
    EventType,
    Evidence,
    HoldDetails,
    InterruptionDetails,
    ItemResult,
    Layout,
    Role,
    Scorecard,
    SectionScore,
    SoundKind,
    SpeakerInfo,
    TransferDetails,
    Turn,
    Utterance,
    Verdict,
    Word,
)


def make_call_result(call_id: str = "2026-11-27_0001", **changes: Any) -> CallResult:
    """A complete hand-built call: words, turns, every event type, scorecard with
    evidence, and floats that do not survive a round trip through text or float32."""
    greeting = Utterance(
        start=0.42,
        end=3.91,
        speaker="ch1",
        role=Role.AGENT,
        text="Selamat pagi, Kring Pajak dengan Sari, ada yang bisa dibantu?",
        words=(
            Word(0.42, 0.80, "Selamat", 0.93),
            Word(0.80, 1.1000000000000001, "pagi,", 0.8712345678901234),
            Word(1.2, 3.91, "…", 1.0),
        ),
    )
    question = Utterance(
        start=4.5,
        end=9.25,
        speaker="ch0",
        role=Role.CUSTOMER,
        text="Saya mau tanya soal NPWP.",
        words=(Word(4.5, 5.0, "Saya"), Word(5.0, 9.25, "mau tanya soal NPWP.", 0.5)),
    )
    third = Utterance(start=150.0, end=152.0, speaker="ch1", role=Role.OTHER, text="Bagian keberatan.")
    evidence = Evidence(
        start=0.42,
        end=3.91,
        speaker="ch1",
        role=Role.AGENT,
        quote=greeting.text,
        reason="greeting, institution, agent name and offer of help",
    )
    result = CallResult(
        call_id=call_id,
        source="recordings/2026-11-27/0001.wav",
        content_hash="a" * 64,
        settings_hash="b" * 64,
        status=CallStatus.OK,
        duration_s=184.2,
        channels=2,
        layout=Layout.STEREO,
        language="id",
        settings={
            "asr_model": "whisper-base",
            "diarization": "stereo",
            "thresholds": {"interruption_min_overlap_s": 0.5, "hold_min_s": 10.0},
            "languages": ["id", "en"],
        },
        speakers=(
            SpeakerInfo("ch0", Role.CUSTOMER, 0.97, 61.0),
            SpeakerInfo("ch1", Role.AGENT, 0.1 + 0.2, 90.1),
        ),
        turns=(
            Turn(0.42, 3.91, "ch1", Role.AGENT),
            Turn(4.5, 9.25, "ch0", Role.CUSTOMER),
            Turn(9.3, 9.8, "ch1", Role.AGENT, backchannel=True),
        ),
        utterances=(greeting, question, third),
        events=(
            Event(
                EventType.INTERRUPTION,
                41.2,
                42.0,
                InterruptionDetails(Role.AGENT, Role.CUSTOMER, successful=True, overlap_s=0.8),
            ),
            Event(
                EventType.HOLD,
                60.1,
                95.3,
                HoldDetails(SoundKind.MUSIC, announced=True, thanked=False, over_limit=False),
            ),
            Event(EventType.TRANSFER, 150.0, 158.5, TransferDetails("bagian keberatan", warm=False), "text"),
            Event(EventType.DEAD_AIR, 120.0, 124.5),
        ),
        metrics={
            "agent_talk_s": 90.1,
            "customer_talk_s": 61.0,
            "overtalk_s": 2.3,
            "agent_interruptions": 1,
            "customer_interruptions": 0,
            "hold_count": 1,
            "hold_total_s": 35.2,
            "agent_wpm": 142.00000000000003,
            "response_latency_mean_s": None,
        },
        scorecard=Scorecard(
            rubric_id="phone_inbound",
            rubric_version="1",
            score=82.5,
            needs_review=1,
            sections=(SectionScore("courtesy", 100.0, 0.25), SectionScore("solution", None, 0.5)),
            items=(
                ItemResult(
                    id="opening_greeting",
                    section="courtesy",
                    verdict=Verdict.PASS,
                    points=3.75,
                    max_points=3.75,
                    confidence=0.95,
                    evidence=(evidence,),
                    reason="all four parts present",
                ),
                ItemResult(
                    id="hold_procedure",
                    section="courtesy",
                    verdict=Verdict.PARTIAL,
                    points=1.875,
                    max_points=3.75,
                    confidence=0.7,
                    evidence=(
                        Evidence(60.1, 95.3, "ch1", Role.AGENT, "Mohon ditunggu", "announced"),
                        Evidence(95.3, 96.0, "ch1", Role.AGENT, "", "not thanked"),
                    ),
                ),
                ItemResult(
                    id="accurate_information",
                    section="solution",
                    verdict=Verdict.NEEDS_REVIEW,
                    points=0.0,
                    max_points=10.0,
                    confidence=0.3,
                    critical=True,
                ),
                ItemResult(
                    id="transfer_procedure",
                    section="solution",
                    verdict=Verdict.NOT_APPLICABLE,
                    points=0.0,
                    max_points=5.0,
                    confidence=1.0,
                ),
                ItemResult(
                    id="closing",
                    section="courtesy",
                    verdict=Verdict.FAIL,
                    points=0.0,
                    max_points=3.75,
                    confidence=0.9,
                ),
            ),
        ),
    )
    return dataclasses.replace(result, **changes)


def make_failed_call(call_id: str = "2026-11-27_0002") -> CallResult:
    """A call that could not be processed: no transcript, no scorecard."""
    return CallResult(
        call_id=call_id,
        source="recordings/2026-11-27/0002.wav",
        content_hash="c" * 64,
        settings_hash="b" * 64,
        status=CallStatus.FAILED,
        errors=(
            "recordings/2026-11-27/0002.wav: cannot decode audio (truncated WAV header); "
            "re-export the recording from the recorder.",
        ),
    )
