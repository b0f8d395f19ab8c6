"""A hand-built Kring Pajak call full of personal data, scored by the real rubric on
the full transcript (what the pipeline does after ASR), for the redaction tests."""

from __future__ import annotations

import dataclasses

from call_qa.config import PipelineSettings, PrivacySettings
from call_qa.domain import CallResult, CallStatus, Layout, Role, TimingReport, Turn
from call_qa.pii import protect_result
from call_qa.pipeline import rubric_options
from call_qa.rubric.setup import lexicon_for, phone_rubric
from call_qa.rubric import score_phone_call

from pii_helpers import utt

A, C = Role.AGENT, Role.CUSTOMER

NIK = "3174051208850003"
PHONE = "081234567890"
NPWP = "012345678901000"
# Every original surface form that must not survive redaction.
SECRETS = (
    NIK, PHONE, NPWP, "3174 0512", "tiga satu tujuh empat", "nol delapan delapan lima", "Budi", "Santoso",
    "budi.santoso", "gmail", "Melati", "dua belas Agustus", "0812", "01.234.567.8-901.000",
)


def utterances():
    return (
        utt(0.0, 4.0, A, "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan Sari, ada yang bisa dibantu?"),
        utt(4.5, 7.5, C, "Selamat pagi, Mbak, saya mau tanya soal NPWP saya yang tidak bisa login."),
        utt(8.0, 10.0, A, "Baik, dengan Bapak siapa saya berbicara?"),
        utt(10.5, 12.0, C, "Saya Budi Santoso."),
        utt(12.5, 16.0, A, "Terima kasih, Pak Budi. Untuk verifikasi, boleh disebutkan NIK Bapak?"),
        utt(16.5, 19.5, C, "tiga satu tujuh empat kosong lima satu dua"),
        utt(19.7, 20.0, A, "iya"),
        utt(20.3, 23.0, C, "nol delapan delapan lima nol nol nol tiga."),
        utt(23.5, 26.0, A, "Nomor HP dan email Bapak?"),
        utt(26.5, 31.0, C, "0812-3456-7890, emailnya budi.santoso@gmail.com."),
        utt(31.5, 33.0, A, "Tanggal lahir dan alamat Bapak?"),
        utt(33.5, 40.0, C, "Dua belas Agustus sembilan belas delapan puluh lima, di Jalan Melati No. 12 RT 03 RW 05, Jakarta Pusat."),
        utt(40.5, 44.0, A, "Baik, data sudah sesuai. NPWP Bapak 01.234.567.8-901.000 sudah aktif kembali, silakan login lagi."),
        utt(44.5, 46.0, C, "Baik, terima kasih."),
        utt(46.5, 49.0, A, "Apakah ada lagi yang bisa dibantu, Pak Budi?"),
        utt(49.5, 50.5, C, "Tidak ada."),
        utt(51.0, 54.0, A, "Terima kasih telah menghubungi Kring Pajak, selamat pagi."),
    )


def timing(utts) -> TimingReport:
    duration = max(u.end for u in utts)
    metrics = {
        "duration_s": duration, "agent_talk_s": sum(u.end - u.start for u in utts if u.role is A),
        "customer_talk_s": sum(u.end - u.start for u in utts if u.role is C), "overtalk_s": 0.0,
        "agent_interruptions": 0, "customer_interruptions": 0, "hold_count": 0, "hold_total_s": 0.0,
        "hold_longest_s": None, "transfer_count": 0, "dead_air_count": 0, "dead_air_total_s": 0.0,
        "agent_wpm": 130.0, "customer_wpm": 120.0, "response_latency_mean_s": 0.6,
    }
    turns = tuple(Turn(u.start, u.end, u.speaker, u.role) for u in utts)
    return TimingReport(turns, (), metrics, PipelineSettings().timing.as_dict())


def scored_result(privacy: PrivacySettings | None = None, utts=None, call_id: str = "2026-11-27_0042") -> CallResult:
    """The call scored on its full transcript, then passed through protect_result."""
    settings = PipelineSettings()
    if privacy is not None:
        settings = settings.model_copy(update={"privacy": privacy})
    utts = utts or utterances()
    rubric = phone_rubric(settings)
    lexicon = lexicon_for(settings, "id")
    options = rubric_options(settings)
    t = timing(utts)
    card = score_phone_call(utts, t, "id", rubric, lexicon, options)
    full = CallResult(
        call_id=call_id, source="recordings/2026-11-27/0042.wav", content_hash="c" * 64, settings_hash="s" * 16,
        status=CallStatus.OK, duration_s=54.0, channels=2, layout=Layout.STEREO, language="id",
        turns=t.turns, utterances=utts, metrics=t.metrics, scorecard=card,
    )
    return protect_result(full, settings.privacy, rubric, lexicon, options)


def unprotected_scorecard():
    settings = PipelineSettings()
    utts = utterances()
    rubric = phone_rubric(settings)
    return score_phone_call(utts, timing(utts), "id", rubric, lexicon_for(settings, "id"), rubric_options(settings))


def with_privacy(**changes) -> PrivacySettings:
    return dataclasses.replace(PrivacySettings()) if not changes else PrivacySettings().model_copy(update=changes)
