"""The email channel: parsing threads, each email judge on hand-written replies (both
languages, pass and fail), the email rubric file, scoring arithmetic, and agreement with
the expected verdicts of corpus/emails."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from call_qa.config import load_settings
from call_qa.domain import Verdict
from call_qa.rubric import RubricConfigError, load_cues, load_rubric
from call_qa.compose import score_email_file
from call_qa.rubric.catalog import EMAIL_SECTIONS
from call_qa.rubric.email import (
    EmailThread,
    load_spelling,
    parse_email,
    score_email,
    sentences_of,
    split_thread,
)
from rubric_testkit import CUES_EN_PATH, CUES_ID_PATH, REPO

EMAIL_RUBRIC = REPO / "configs" / "rubrics" / "email.yaml"
SPELLING = REPO / "configs" / "rubrics" / "spelling.yaml"
RUBRIC = load_rubric(EMAIL_RUBRIC)
CUES = {"id": load_cues(CUES_ID_PATH), "en": load_cues(CUES_EN_PATH)}

# rubric.md, email: 15 items by section (transcribed).
RUBRIC_MD_EMAIL = {
    "courtesy": ["opening_sentence", "previous_contact_reference", "data_verification", "closing_sentence"],
    "responsiveness": ["address_by_name", "attentiveness", "empathy"],
    "interaction_control": ["content_interpretation", "word_choice_structure", "punctuation_spelling",
                            "language_consistency"],
    "solution": ["solution_clarity", "solution_accuracy", "solution_completeness", "procedure_compliance"],
}


def thread(reply: str, customer: str = "", name: str | None = None, subject: str = "Re: pertanyaan") -> EmailThread:
    return EmailThread("<test>", subject, reply, customer, name, "customer@example.com", "agent@example.com")


def score(t: EmailThread, lang: str):
    return score_email(t, RUBRIC, CUES[lang], language=lang, spelling=load_spelling(str(SPELLING), lang))


def verdict(card, item):
    return card.item(item).verdict


GOOD_ID = thread(
    "Yth. Bapak Budi Santoso,\n\n"
    "Terima kasih atas email Bapak. Menindaklanjuti email Bapak tanggal 3 Maret, kami mohon maaf atas kendala "
    "yang Bapak alami.\n\n"
    "Untuk memeriksa status permohonan, mohon Bapak informasikan NPWP dan nomor tanda terima permohonan. "
    "Pertama, kami akan memeriksa status permohonan Bapak. Kedua, kami akan menginformasikan hasilnya melalui "
    "email ini.\n\n"
    "Apabila ada hal lain yang ingin ditanyakan, silakan membalas email ini.\n\n"
    "Hormat kami,\nSari\nKring Pajak",
    customer="Selamat pagi,\nSaya sangat kecewa, permohonan restitusi saya belum ada kabar sejak Januari. "
             "Bagaimana status permohonan saya?\nBudi Santoso",
)

BAD_ID = thread(
    "halo kak,\n\nya udah nanti coba aja tanya ke kantor pajak ya, soalnya kita ga bisa cek dari sini. "
    "Please wait for the letter.\n\nmakasih",
    customer="Selamat pagi,\nSaya sangat kecewa, permohonan restitusi saya belum ada kabar sejak Januari. "
             "Bagaimana status permohonan saya?\nBudi Santoso",
)

GOOD_EN = thread(
    "Dear Mr. Carter,\n\nThank you for your email of 2 March about the extra mortgage payment. "
    "I am sorry for the delay in getting back to you.\n\n"
    "To look at your loan, please send us your account number and your date of birth. "
    "First, we will check your loan terms. Then, we will confirm the fee in writing.\n\n"
    "If you have any other questions, please let me know.\n\nKind regards,\nOlivia\nSummit Bank",
    customer="Hello,\nI am really frustrated that nobody answered my last email. I want to make an extra "
             "payment on my mortgage. Is there a fee?\nJames Carter",
    subject="Re: Extra payment",
)


def test_shipped_email_rubric_has_exactly_the_15_items_of_rubric_md():
    assert {s.id: list(s.items) for s in RUBRIC.sections} == RUBRIC_MD_EMAIL
    assert {s: list(i) for s, i in EMAIL_SECTIONS.items()} == RUBRIC_MD_EMAIL
    assert RUBRIC.id == "email" and RUBRIC.version
    assert [s.weight for s in RUBRIC.sections] == [15, 20, 25, 40]


@pytest.fixture()
def email_data():
    return yaml.safe_load(EMAIL_RUBRIC.read_text(encoding="utf-8"))


def _write(tmp_path, data):
    p = tmp_path / "email.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_email_rubric_missing_item_names_file_and_item(tmp_path, email_data):
    data = copy.deepcopy(email_data)
    data["sections"][2]["items"] = [i for i in data["sections"][2]["items"] if i["id"] != "language_consistency"]
    with pytest.raises(RubricConfigError) as e:
        load_rubric(_write(tmp_path, data))
    assert "email.yaml" in str(e.value) and "item 'language_consistency'" in str(e.value)


def test_email_rubric_phone_item_is_rejected(tmp_path, email_data):
    data = copy.deepcopy(email_data)
    data["sections"][1]["items"][0].update(id="no_interruption", cues={}, params={})
    with pytest.raises(RubricConfigError, match=r"item 'no_interruption', field 'id': not an item of rubric 'email'"):
        load_rubric(_write(tmp_path, data))


def test_email_rubric_bad_param_names_item_and_field(tmp_path, email_data):
    data = copy.deepcopy(email_data)
    data["sections"][2]["items"][2]["params"] = {"email_errors_per_100_pass": "many"}
    with pytest.raises(RubricConfigError, match=r"item 'punctuation_spelling', field 'params.email_errors_per_100_pass'"):
        load_rubric(_write(tmp_path, data))


def test_split_thread_finds_the_quoted_customer_message_and_name():
    body = ("Dear Ms. Hall,\n\nThe refund was sent.\n\nKind regards,\nMike\n\n"
            "On Mon, 23 Nov 2026 at 09:12, Susan Hall <susan.hall@example.com> wrote:\n"
            "> Hello,\n> When will the refund arrive?\n> Susan Hall\n")
    reply, quoted, headers = split_thread(body)
    assert reply.endswith("Mike") and "When will the refund arrive?" in quoted and ">" not in quoted
    assert headers["from"] == "Susan Hall"
    t = parse_email(body)
    assert t.customer_name == "Susan Hall" and t.reply.startswith("Dear Ms. Hall")


def test_parse_eml_takes_headers_and_outlook_style_quote():
    raw = ("From: Agent <a@x.id>\nTo: Lina Marlina <lina@example.com>\nSubject: Re: Tagihan\n"
           "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
           "Yth. Ibu Lina,\nTerima kasih.\n\n-----Original Message-----\nFrom: Lina <lina@example.com>\n"
           "Subject: Tagihan\n\nBerapa tagihan saya?\n").encode()
    t = parse_email(raw)
    assert t.subject == "Re: Tagihan" and t.customer == "Berapa tagihan saya?"
    assert t.customer_address == "lina@example.com" and t.agent_address == "a@x.id"


def test_sentences_do_not_break_after_honorific_abbreviations():
    assert sentences_of("Dear Ms. Hall,\nThanks. See you.") == ["Dear Ms. Hall,", "Thanks.", "See you."]
    assert sentences_of("Yth. Bapak Budi,") == ["Yth. Bapak Budi,"]


@pytest.mark.parametrize("item,good,bad", [
    ("opening_sentence", "pass", "partial"),
    ("previous_contact_reference", "pass", "fail"),
    ("data_verification", "pass", "not_applicable"),
    ("closing_sentence", "pass", "partial"),
    ("address_by_name", "pass", "fail"),
    ("empathy", "pass", "fail"),
    ("word_choice_structure", "pass", "fail"),
    ("punctuation_spelling", "pass", "fail"),
    ("language_consistency", "pass", "fail"),
    ("solution_clarity", "pass", "fail"),
])
def test_indonesian_good_and_bad_reply(item, good, bad):
    # Expected verdicts judged by hand against rubric.md for the two replies above.
    assert verdict(score(GOOD_ID, "id"), item).value == good
    assert verdict(score(BAD_ID, "id"), item).value == bad


def test_english_reply_items():
    card = score(GOOD_EN, "en")
    for item in ("opening_sentence", "previous_contact_reference", "data_verification", "closing_sentence",
                 "address_by_name", "attentiveness", "empathy", "word_choice_structure", "punctuation_spelling",
                 "language_consistency", "solution_clarity"):
        assert verdict(card, item) == Verdict.PASS, (item, card.item(item).reason)
    assert verdict(card, "solution_accuracy") == Verdict.NEEDS_REVIEW  # no knowledge base given
    # Name without honorific → partial; an unanswered "Is there a fee?" → attentiveness partial.
    t = thread(GOOD_EN.reply.replace("Dear Mr. Carter,", "Dear James,"),
               GOOD_EN.customer.replace("Is there a fee?", "Is there a fee? Can I pay it at the branch?"))
    card = score(t, "en")
    assert verdict(card, "address_by_name") == Verdict.PARTIAL
    assert verdict(card, "attentiveness") == Verdict.PARTIAL and "1 of 2" in card.item("attentiveness").reason


def test_account_leak_without_identity_data_fails_and_zeroes_the_email():
    t = thread("Yth. Ibu Lina,\n\nTerima kasih atas email Ibu. Tagihan bulan ini sebesar Rp750.000 dan ada "
               "tunggakan Rp300.000, terdaftar atas nama Bapak Hadi Santoso.\n\nHormat kami,\nYoga",
               customer="Berapa tagihan listrik rumah saya bulan ini?\nLina")
    card = score(t, "id")
    assert verdict(card, "data_verification") == Verdict.FAIL
    assert card.item("data_verification").critical and card.score == 0.0
    # The same answer after a stated check of identity data the customer gave → pass.
    t2 = thread(t.reply.replace("Terima kasih atas email Ibu.", "Terima kasih atas email Ibu. Data Ibu sudah kami "
                                                               "verifikasi."),
                customer="Berapa tagihan listrik saya bulan ini? ID pelanggan saya 512345678901.\nLina")
    assert verdict(score(t2, "id"), "data_verification") == Verdict.PASS


def test_spelling_flags_unknown_and_nonstandard_words():
    t = thread("Yth. Bapak Budi,\n\nSilahkan mengisi formulir ini dan kirimkan kembali ke kami. Kami akan "
               "memprosesnya dalam tiga hari kerja. Terimakasih atas kesabaranya.\n\nHormat kami,\nSari", "")
    item = score(t, "id").item("punctuation_spelling")
    assert "non-standard spelling 'Silahkan'" in " ".join(e.reason for e in item.evidence)
    assert "unknown word 'kesabaranya'" in " ".join(e.reason for e in item.evidence)
    assert item.verdict in (Verdict.PARTIAL, Verdict.FAIL)


def test_score_arithmetic_email_by_hand():
    # Courtesy 15 over 4 items (3.75 each), responsiveness 20/3, control 25/4 = 6.25, solution 40/4 = 10.
    assert RUBRIC.max_points("opening_sentence") == pytest.approx(3.75)
    assert RUBRIC.max_points("empathy") == pytest.approx(20 / 3)
    assert RUBRIC.max_points("punctuation_spelling") == pytest.approx(6.25)
    card = score(GOOD_EN, "en")
    earned = sum(it.points for it in card.items if it.verdict.factor is not None)
    possible = sum(it.max_points for it in card.items if it.verdict.factor is not None)
    assert card.score == pytest.approx(round(100 * earned / possible, 2))
    # Every item passes except the two knowledge-base items (needs_review) and, here, procedure
    # compliance (passes: identity data asked for first) — so the score is 100.
    assert card.score == 100.0 and card.needs_review == 2


EMAIL_TRUTHS = sorted((REPO / "corpus" / "emails").glob("*.truth.json"))


@pytest.mark.skipif(not EMAIL_TRUTHS, reason="no corpus/emails")
def test_corpus_emails_agree_with_expected_verdicts_per_language():
    settings = load_settings()
    settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(update={
        "semantic": settings.rubric.semantic.model_copy(update={"enabled": False})})})
    agree: dict[str, list[int]] = {}
    misses = []
    for path in EMAIL_TRUTHS:
        truth = json.loads(path.read_text(encoding="utf-8"))
        card = score_email_file(path.with_name(truth["file"]), settings).scorecard
        for item, want in truth["expected"].items():
            got = card.item(item).verdict.value
            a = agree.setdefault(truth["language"], [0, 0])
            a[0] += got == want
            a[1] += 1
            if got != want:
                misses.append(f"{path.name}: {item} {got} != {want}")
    assert set(agree) == {"id", "en"} and all(n >= 60 for _, n in agree.values())
    for lang, (ok, n) in agree.items():
        assert ok / n >= 0.9, (lang, misses)


@pytest.mark.slow
def test_score_email_command_stores_the_scorecard(tmp_path):
    import os
    import subprocess
    import sys

    from call_qa import db

    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    cfg = tmp_path / "pipeline.yaml"  # phrases only: no sentence encoder in this test
    cfg.write_text((REPO / "configs" / "pipeline.yaml").read_text(encoding="utf-8")
                   .replace("    enabled: true", "    enabled: false")
                   .replace("configs/", str(REPO / "configs") + "/"), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    p = subprocess.run([sys.executable, "-m", "call_qa.cli", "score-email", str(REPO / "corpus" / "emails"),
                        str(empty), "--db", url, "--out", str(tmp_path / "out"), "--config", str(cfg)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "empty.txt: no reply text found" in p.stderr, p.stderr
    assert "8 scored, 1 rejected" in p.stdout
    stored = db.load_call_result(db.open_database(url), "email_id_account_leak")
    assert stored.scorecard.rubric_id == "email" and stored.layout is None and stored.channels == 0
    assert stored.scorecard.score == 0.0  # critical data_verification failed
    assert stored.settings["input"] == "email" and stored.settings["time_unit"] == "sentence"
    doc = json.loads((tmp_path / "out" / "email_id_good_efin.json").read_text(encoding="utf-8"))
    assert len(doc["scorecard"]["items"]) == 15 and doc["scorecard"]["score"] == 100.0
