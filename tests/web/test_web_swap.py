"""Swap agent/customer at the HTTP level: the swap re-runs the one composition after
listening from what was heard and the kept originals (call_qa.corrections), so a
round trip (swap, swap back) gives back the original result — score, flags, personal
data and originals — and a call whose originals are gone is refused with the reason.

The call is hand-built as a stereo recording would be heard (ch1 the agent, ch0 the
caller; activity = the utterance spans; hold music 26.5–41.5 s) and processed through
``call_qa.compose.conclude`` with the shipped settings, as ``call-qa process`` would.
Hand-checked facts of the call:

- the caller interrupts once: 44.0–45.0, inside the agent's 42.0–45.0 turn; the agent
  stops at 45.0 (the interruption succeeds); the agent never talks over the caller;
- the hold 26.0–42.0 is announced by ch1 ("mohon ditunggu") and thanked by ch1
  ("terima kasih sudah menunggu"); ch0 says neither;
- the caller gives his name (Budi Santoso) and NIK, which are redacted when stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from call_qa import db as dbmod
from call_qa.compose import conclude
from call_qa.domain import Heard, Layout, Role, SoundKind, SoundSegment, Utterance, Word
from call_qa.rubric.transcript import activity_from_utterances
from web_support import CALL, csrf_of, login, new_client

SWAP_CALL = "2026-11-27_0500"
NIK = "3174051208850003"
NIK_SPOKEN = "tiga satu tujuh empat nol lima satu dua nol delapan delapan lima nol nol nol tiga"
A, C = "ch1", "ch0"


def _utt(start: float, end: float, speaker: str, text: str) -> Utterance:
    parts = text.split()
    step = (end - start) / len(parts)
    words = tuple(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), p, 0.9) for k, p in enumerate(parts))
    return Utterance(start, end, speaker, Role.OTHER, text, words)


def call_utterances(readback: bool = False) -> tuple[Utterance, ...]:
    utts = [
        _utt(0.0, 4.0, A, "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan Sari, ada yang bisa dibantu?"),
        _utt(4.5, 8.0, C, "Selamat pagi, Mbak, saya mau tanya soal EFIN saya yang hilang."),
        _utt(8.5, 10.5, A, "Baik, dengan Bapak siapa saya berbicara?"),
        _utt(11.0, 12.5, C, "Saya Budi Santoso."),
        _utt(13.0, 16.5, A, "Terima kasih, Pak Budi. Untuk verifikasi, boleh disebutkan NIK Bapak?"),
        _utt(17.0, 22.0, C, NIK_SPOKEN),
        _utt(22.5, 26.0, A, "Baik, mohon ditunggu sebentar, Pak, saya cek datanya dulu."),
        _utt(42.0, 45.0, A, "Terima kasih sudah menunggu, Pak Budi. EFIN Bapak sudah kami kirim ulang ke email terdaftar."),
        _utt(44.0, 47.0, C, "Oh begitu, kalau emailnya sudah tidak aktif bagaimana?"),
        _utt(47.5, 51.0, A, "Bapak bisa datang ke KPP terdekat dengan membawa KTP."),
        _utt(51.5, 52.5, C, "Baik, terima kasih."),
        _utt(53.0, 56.0, A, "Apakah ada lagi yang bisa dibantu, Pak Budi?"),
        _utt(56.5, 57.5, C, "Tidak ada."),
        _utt(58.0, 61.0, A, "Terima kasih telah menghubungi Kring Pajak, selamat pagi."),
    ]
    if readback:  # the agent reads the caller's whole NIK back: an exposure flag
        utts.insert(6, _utt(22.1, 22.4, A, f"Saya ulangi, {NIK}, betul?"))
        utts[7] = _utt(22.6, 26.0, A, "Baik, mohon ditunggu sebentar, Pak, saya cek datanya dulu.")
    return tuple(utts)


def heard(readback: bool = False) -> Heard:
    utts = call_utterances(readback)
    return Heard(
        source="recordings/2026-11-27/0500.wav", content_hash="f" * 64, duration=62.0, layout=Layout.STEREO,
        original_channels=2, activity=dataclasses.replace(activity_from_utterances(utts), method="stereo-vad"),
        utterances=utts, language="id", language_probability=0.99,
        sounds=(SoundSegment(26.5, 41.5, SoundKind.MUSIC, "hand-built"),), asr_model="hand-built",
    )


@pytest.fixture
def settings(settings, tmp_path):
    """The shipped settings with originals kept, sealed with a site key made here: the
    swap re-runs from them (the shipped default keeps none, and the swap is refused)."""
    from call_qa.crypto import new_keyring, write_keyring

    write_keyring(tmp_path / "site.key", new_keyring())
    privacy = settings.privacy.model_copy(update={"keep_originals": True, "key_file": str(tmp_path / "site.key")})
    return settings.model_copy(update={"privacy": privacy})


def swap(client, call_id: str = SWAP_CALL):
    return client.post(f"/calls/{call_id}/swap-roles", data={"csrf_token": csrf_of(client), "confirm": "yes"})


def processed_at(database, call_id: str) -> dt.datetime:
    (summary,) = dbmod.list_calls(database, [call_id])
    return summary.processed_at


def words_of(utterances):
    """The originals without their roles (the swap changes the roles, never the words)."""
    return [(u.start, u.end, u.speaker, u.text, u.words) for u in utterances]


def comparable(result):
    """Everything of a stored result but the settings' record of the swap."""
    return dataclasses.replace(result, settings={k: v for k, v in result.settings.items() if k != "roles_swapped"})


@pytest.fixture
def stored(database, settings):
    result = conclude(heard(), settings, SWAP_CALL)
    dbmod.save_call_result(database, result)
    return dbmod.load_call_result(database, SWAP_CALL)


def test_the_call_as_processed(stored):
    # independent of the swap: the roles came from what each party says
    assert {s.label: s.role for s in stored.speakers} == {A: Role.AGENT, C: Role.CUSTOMER}
    assert stored.metrics["customer_interruptions"] == 1 and stored.metrics["agent_interruptions"] == 0
    (hold,) = [e for e in stored.events if e.type.value == "hold"]
    assert (hold.start, hold.end) == (26.0, 42.0) and hold.details.announced and hold.details.thanked
    text = " ".join(u.text for u in stored.utterances)
    assert "Budi" not in text and "[NAME]" in text and "[NIK]" in text


def test_swap_exchanges_the_roles_and_works_everything_out_again(qa, database, stored):
    talk = {s.label: s.talk_s for s in stored.speakers}
    assert swap(qa).status_code == 303
    after = dbmod.load_call_result(database, SWAP_CALL)
    assert {s.label: s.role for s in after.speakers} == {A: Role.CUSTOMER, C: Role.AGENT}
    assert {u.speaker: u.role for u in after.utterances} == {A: Role.CUSTOMER, C: Role.AGENT}
    assert after.metrics["agent_talk_s"] == pytest.approx(talk[C])
    assert after.metrics["customer_talk_s"] == pytest.approx(talk[A])
    # the same overlap, now the agent (ch0) talking over the customer (ch1)
    assert after.metrics["agent_interruptions"] == 1 and after.metrics["customer_interruptions"] == 0
    assert [e.details.by for e in after.events if e.type.value == "interruption"] == ["agent"]
    # the hold keeps its times and kind (heard on the line); the new agent announced nothing
    (hold,) = [e for e in after.events if e.type.value == "hold"]
    assert (hold.start, hold.end, hold.details.kind) == (26.0, 42.0, "music")
    assert hold.details.announced is False and hold.details.thanked is False
    assert after.scorecard is not None and len(after.scorecard.items) == 18
    assert after.scorecard.score != stored.scorecard.score
    assert after.settings["roles_swapped"]["by"] == "alice"
    assert after.settings["roles_swapped"]["previous_score"] == stored.scorecard.score
    entries, _ = dbmod.access_log(database, call_id=SWAP_CALL)
    assert "swap_roles" in [e.action for e in entries]


def test_swap_and_swap_back_give_back_the_original(qa, database, stored):
    originals = dbmod.load_unredacted_utterances(database, SWAP_CALL)
    when = processed_at(database, SWAP_CALL)
    assert swap(qa).status_code == 303
    # the originals are not lost by the swap, and retention still counts from processing
    assert words_of(dbmod.load_unredacted_utterances(database, SWAP_CALL)) == words_of(originals)
    assert processed_at(database, SWAP_CALL) == when
    assert swap(qa).status_code == 303
    back = dbmod.load_call_result(database, SWAP_CALL)
    assert comparable(back) == comparable(stored)
    assert back.scorecard.score == stored.scorecard.score
    assert back.scorecard.item("customer_identification").verdict == stored.scorecard.item("customer_identification").verdict
    assert dbmod.load_unredacted_utterances(database, SWAP_CALL) == originals


def test_a_call_zeroed_by_a_critical_exposure_stays_zeroed(database, settings):
    from call_qa.web.app import create_app

    critical = settings.privacy.model_copy(update={"critical_flags": ("readback",)})
    strict = settings.model_copy(update={"privacy": critical})
    qa = new_client(create_app(settings=strict, database=database))  # the site's settings
    assert login(qa, "alice").status_code == 303
    dbmod.save_call_result(database, conclude(heard(readback=True), strict, SWAP_CALL))
    before = dbmod.load_call_result(database, SWAP_CALL)
    assert before.scorecard.score == 0.0
    assert [(f.kind, f.critical) for f in before.privacy_flags] == [("readback", True)]
    assert swap(qa).status_code == 303 and swap(qa).status_code == 303
    back = dbmod.load_call_result(database, SWAP_CALL)
    assert back.scorecard.score == 0.0
    assert back.privacy_flags == before.privacy_flags
    assert back.scorecard.item("procedure_compliance").critical


def test_swap_is_refused_once_retention_deleted_the_originals(qa, database, settings, stored):
    from call_qa.pii.retention import apply_retention

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=settings.privacy.retention_days + 1)
    (deleted,) = apply_retention(database, settings.privacy.model_copy(update={"audio_retention_days": None}),
                                 later).originals
    assert deleted.call_id == SWAP_CALL
    response = swap(qa)
    assert response.status_code == 409
    assert "retention deleted" in response.text and "re-process the recording" in response.text
    # nothing changed
    assert comparable(dbmod.load_call_result(database, SWAP_CALL)) == comparable(stored)


def test_swap_of_a_call_without_what_was_heard_is_refused(qa, database):
    before = dbmod.load_call_result(database, CALL)  # hand-built: nothing heard was kept
    response = swap(qa, CALL)
    assert response.status_code == 409 and "re-process the recording" in response.text
    assert dbmod.load_call_result(database, CALL) == before


def test_swap_of_an_unknown_call_is_404(qa):
    assert swap(qa, "no-such-call").status_code == 404
