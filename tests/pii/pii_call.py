"""A hand-built Kring Pajak call full of personal data, through the one composition
after listening (what every entry point does after ASR), for the redaction tests."""

from __future__ import annotations

import os

from call_qa.compose import conclude
from call_qa.crypto import format_keyring, new_keyring
from call_qa.config import PipelineSettings, PrivacySettings
from call_qa.domain import CallResult, Heard, Layout, Role, RoleAssignment
from call_qa.rubric.transcript import activity_from_utterances

from pii_helpers import utt

A, C = Role.AGENT, Role.CUSTOMER

# The site key of these tests: a keyring in an environment variable, made once per run.
KEY_ENV = "CALL_QA_TEST_SITE_KEY"
os.environ.setdefault(KEY_ENV, format_keyring(new_keyring()))

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


def heard(utts) -> Heard:
    """The call as a stereo recording would be heard: activity = the utterance spans,
    roles pinned as the utterances have them."""
    roles = {u.speaker: u.role for u in utts}
    return Heard(
        source="recordings/2026-11-27/0042.wav", content_hash="c" * 64, duration=54.0, layout=Layout.STEREO,
        original_channels=2, activity=activity_from_utterances(utts), utterances=tuple(utts), language="id",
        assignment=RoleAssignment(roles, {k: 0.9 for k in roles}, "hand-built"),
    )


def settings_with(privacy: PrivacySettings | None = None) -> PipelineSettings:
    return PipelineSettings().model_copy(update={"privacy": privacy or with_privacy()})


def scored_result(privacy: PrivacySettings | None = None, utts=None, call_id: str = "2026-11-27_0042") -> CallResult:
    """The call through the one composition after listening (call_qa.compose): personal
    data found on the full transcript, scored, then redacted."""
    return conclude(heard(utts or utterances()), settings_with(privacy), call_id)


def unprotected_scorecard():
    """The scorecard of the same call with redaction off (scored on the same full transcript)."""
    return scored_result(with_privacy(redact=False, normalise_numbers=False)).scorecard


def with_privacy(**changes) -> PrivacySettings:
    """The shipped privacy settings with originals kept (sealed with the tests' site
    key), then ``changes``."""
    kept = PrivacySettings(keep_originals=True, key_env=KEY_ENV)
    return kept.model_copy(update=changes)
