"""Hand-built calls for the rubric tests (utterances and timing reports)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from call_qa.domain import (
    Event, EventType, HoldDetails, InterruptionDetails, Role, SoundKind, TimingReport, TransferDetails, Turn, Utterance,
)

REPO = Path(__file__).resolve().parents[2]
RUBRIC_PATH = REPO / "configs" / "rubrics" / "phone_inbound.yaml"
CUES_ID_PATH = REPO / "configs" / "cues" / "id.yaml"
CUES_EN_PATH = REPO / "configs" / "cues" / "en.yaml"

A, C = Role.AGENT, Role.CUSTOMER

THRESHOLDS = {
    "turn_merge_gap_s": 0.5,
    "backchannel_max_s": 1.0,
    "interruption_min_overlap_s": 0.5,
    "interruption_yield_s": 2.0,
    "hold_min_s": 10.0,
    "hold_max_s": 120.0,
    "dead_air_min_s": 3.0,
    "hold_phrase_window_s": 20.0,
    "transfer_announce_window_s": 30.0,
    "min_ringback_s": 2.0,
    "ringback_merge_gap_s": 5.0,
}


def call(*rows: tuple[float, float, Role, str]) -> tuple[Utterance, ...]:
    """Utterances from (start, end, role, text); the agent is ch1, the customer ch0."""
    return tuple(
        Utterance(start=s, end=e, speaker="ch1" if r == A else "ch0", role=r, text=t) for s, e, r, t in rows
    )


def timing(
    utterances: Iterable[Utterance] = (),
    events: Iterable[Event] = (),
    **metrics: float | int | None,
) -> TimingReport:
    """A timing report with turns = utterances and defaults for a calm call."""
    utts = tuple(utterances)
    duration = max((u.end for u in utts), default=0.0)
    base: dict[str, float | int | None] = {
        "duration_s": duration,
        "agent_talk_s": sum(u.end - u.start for u in utts if u.role == A),
        "customer_talk_s": sum(u.end - u.start for u in utts if u.role == C),
        "overtalk_s": 0.0,
        "agent_interruptions": 0,
        "customer_interruptions": 0,
        "hold_count": 0,
        "hold_total_s": 0.0,
        "hold_longest_s": None,
        "transfer_count": 0,
        "dead_air_count": 0,
        "dead_air_total_s": 0.0,
        "agent_wpm": 130.0,
        "customer_wpm": 120.0,
        "response_latency_mean_s": 0.6,
        "agent_longest_monologue_s": 18.0,
        "customer_longest_monologue_s": 6.0,
    }
    base.update(metrics)
    turns = tuple(Turn(u.start, u.end, u.speaker, u.role) for u in utts)
    return TimingReport(turns=turns, events=tuple(events), metrics=base, thresholds=dict(THRESHOLDS))


def interruption(start: float, end: float, by: str = "agent", successful: bool = True) -> Event:
    other = "customer" if by == "agent" else "agent"
    return Event(EventType.INTERRUPTION, start, end,
                 InterruptionDetails(Role(by), Role(other), successful=successful, overlap_s=round(end - start, 2)))


def hold(start: float, end: float, announced: bool | None = None, thanked: bool | None = None,
         over_limit: bool | None = None) -> Event:
    return Event(EventType.HOLD, start, end,
                 HoldDetails(SoundKind.MUSIC, announced=announced, thanked=thanked, over_limit=over_limit))


def transfer(start: float, end: float, target: str = "", warm: bool = False) -> Event:
    return Event(EventType.TRANSFER, start, end, TransferDetails(target, warm=warm))


# A model Indonesian call: every courtesy item is done by the book.
MODEL_ID = call(
    (0.4, 4.0, A, "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan Sari, ada yang bisa dibantu?"),
    (4.5, 8.0, C, "Selamat pagi Mbak, saya mau tanya soal cara membuat NPWP."),
    (8.5, 10.5, A, "Baik, sebelumnya dengan Bapak siapa saya berbicara?"),
    (11.0, 12.5, C, "Saya Budi Santoso."),
    (13.0, 16.0, A, "Baik Pak Budi, untuk verifikasi boleh dibantu NIK Bapak?"),
    (16.5, 21.0, C, "3201 1234 5678 9012."),
    (21.5, 26.0, A, "Terima kasih Pak Budi. Jadi Bapak ingin menanyakan cara membuat NPWP, betul?"),
    (26.5, 27.5, C, "Iya betul."),
    (28.0, 30.0, A, "Baik. Apakah Bapak sudah memiliki akun di laman pajak?"),
    (30.5, 32.0, C, "Belum, Mbak."),
    (32.5, 50.0, A, "Baik Pak. Caranya, pertama Bapak buka laman ereg pajak, kemudian isi formulir pendaftaran, "
                    "selanjutnya unggah foto KTP, dan terakhir NPWP akan dikirim ke email Bapak."),
    (50.5, 51.0, C, "Baik."),
    (52.0, 55.0, A, "Apakah penjelasannya sudah jelas, Pak Budi?"),
    (55.5, 57.0, C, "Sudah jelas, terima kasih."),
    (57.5, 60.0, A, "Baik, apakah ada lagi yang bisa dibantu?"),
    (60.5, 61.5, C, "Tidak, cukup Mbak."),
    (62.0, 66.0, A, "Terima kasih telah menghubungi Kring Pajak, selamat pagi."),
)

# The same call in English.
MODEL_EN = call(
    (0.4, 4.0, A, "Good morning, thank you for calling the Tax Office, my name is Sarah, how can I help you?"),
    (4.5, 8.0, C, "Hi, I'm calling about my tax refund, I have a question."),
    (8.5, 10.5, A, "Sure. May I have your name, please?"),
    (11.0, 12.5, C, "My name is John Miller."),
    (13.0, 16.0, A, "Thank you, Mr. Miller. For security, could you confirm your date of birth?"),
    (16.5, 19.0, C, "March 3rd, 1980."),
    (19.5, 23.0, A, "Thank you. So you want to know when your refund will arrive, is that right?"),
    (23.5, 24.0, C, "Yes."),
    (24.5, 27.0, A, "Okay. When did you file your return?"),
    (27.5, 29.0, C, "In April."),
    (29.5, 45.0, A, "Right. First, refunds take up to eight weeks. Then, you can check the status online. "
                    "Finally, you will receive a letter."),
    (45.5, 46.0, C, "Okay."),
    (46.5, 48.0, A, "Does that make sense, Mr. Miller?"),
    (48.5, 49.5, C, "Yes, that makes sense, thanks."),
    (50.0, 52.0, A, "Is there anything else I can help you with?"),
    (52.5, 53.0, C, "No, that's all."),
    (53.5, 56.0, A, "Thank you for calling. Have a nice day."),
)
