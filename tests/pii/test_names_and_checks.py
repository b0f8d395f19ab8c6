"""Names as the caller says them (any case, Whisper's spelling, later sound-alike
mentions) and identifiers checked like the registries check them (python-stdnum,
phonenumbers) — as confidence, never as a gate."""

from __future__ import annotations

from call_qa.domain import PersonalDataType as T, Role
from call_qa.pii import DetectOptions, detect_personal_data, redact_utterances
from call_qa.pii.checks import nik_valid, npwp_valid, phone_valid

from pii_helpers import utt

A, C = Role.AGENT, Role.CUSTOMER


def names(utts, known=()):
    return [(f.value, f.role) for f in detect_personal_data(utts, DetectOptions(caller_names=known))
            if f.type is T.NAME]


def test_a_lower_case_name_is_found_and_every_mention_redacted():
    utts = (
        utt(0.0, 2.0, A, "Baik, dengan Bapak siapa saya berbicara?"),
        utt(2.5, 4.0, C, "Saya budi santozo."),
        utt(4.5, 7.0, A, "Terima kasih pak budi santoso, ada yang bisa dibantu?"),
        utt(7.5, 9.0, C, "Saya mau tanya soal EFIN."),
    )
    found = names(utts)
    assert found == [("budi santozo", C), ("budi santoso", A)]
    redacted, _ = redact_utterances(utts, detect_personal_data(utts), [T.NAME])
    assert redacted[1].text == "Saya [NAME]." and redacted[2].text == "Terima kasih pak [NAME], ada yang bisa dibantu?"
    assert redacted[3].text == utts[3].text  # "mau tanya" is no name


def test_introductions_in_both_languages_and_misspelt_mentions():
    utts = (
        utt(0.0, 2.0, A, "Boleh tahu namanya, Bu?"),
        utt(2.5, 4.5, C, "nama saya siti rahayu"),
        utt(5.0, 7.0, A, "Terima kasih Ibu Siti Rahaju, mohon ditunggu."),  # old spelling, j for y
        utt(7.5, 9.0, C, "my name is margaret thornton, for the record"),
        utt(9.5, 11.0, A, "Thank you Mrs Tornton."),  # Whisper dropped the h
    )
    found = [v for v, _ in names(utts)]
    assert found == ["siti rahayu", "Siti Rahaju", "margaret thornton", "Tornton"]


def test_whisper_syllables_of_a_name_are_joined():
    utts = (
        utt(0.0, 2.0, A, "Dengan siapa saya berbicara?"),
        utt(2.5, 4.0, C, "Nama saya bu di santo so."),  # Whisper's split of "Budi Santoso"
        utt(4.5, 6.0, A, "Baik Pak Budi, ditunggu sebentar."),
    )
    found = [v for v, _ in names(utts)]
    assert found[0].startswith("bu di santo") and "Budi" in found


def test_the_agents_own_name_and_a_colleague_are_not_the_callers():
    utts = (
        utt(0.0, 3.0, A, "Good morning, my name is Kevin, how can I help you?"),
        utt(3.5, 5.0, C, "Hi, I have a question about my bill."),
        utt(5.5, 8.0, A, "Baik, silakan dengan Pak Hendro dari bagian keberatan."),
    )
    assert names(utts) == []


def test_capitalised_names_from_identification_are_unchanged():
    utts = (utt(0.0, 2.0, A, "Dengan Bapak siapa?"), utt(2.5, 4.0, C, "Saya Budi Santoso."))
    assert names(utts, ("Budi Santoso",)) == [("Budi Santoso", C)]


def test_registry_checks():
    # NIK: region 3174 (Jakarta Selatan) and birth date 12-08-85 / women 52-08-85
    assert nik_valid("3174051208850003") and nik_valid("3174055208850003")
    assert not nik_valid("9974051208850003")  # no such region
    assert not nik_valid("3174053208850003")  # day 32
    assert not nik_valid("3174051208850000")  # serial 0000
    # NPWP check digit (stdnum's own example 01.312.166.0-091.000), one digit changed
    assert npwp_valid("013121660091000") and not npwp_valid("013121670091000")
    assert phone_valid("081234567890") and phone_valid("6281234567890") and phone_valid("442079460000", plus=True)
    assert not phone_valid("0812")


def test_checks_raise_confidence_but_do_not_gate():
    def conf(text):
        utts = (utt(0.0, 2.0, A, "Boleh NIK Bapak?"), utt(2.5, 8.0, C, text))
        (f,) = [f for f in detect_personal_data(utts) if f.type is T.NIK]
        return f.confidence

    assert conf("3174051208850003") == 0.97
    # a misheard digit makes month 18: the check fails, the number is still a NIK
    assert conf("3174051218850003") == 0.85

    def npwp(text):
        utts = (utt(0.0, 2.0, A, "Nomor NPWP Bapak?"), utt(2.5, 8.0, C, text))
        return [(f.type, f.confidence) for f in detect_personal_data(utts)]

    assert npwp("013121660091000") == [(T.NPWP, 0.97)]
    assert npwp("013121670091000") == [(T.NPWP, 0.85)]


def test_an_international_number_with_plus_is_a_phone():
    utts = (utt(0.0, 3.0, C, "You can text +44 20 7946 0000 any time."),)
    assert [f.type for f in detect_personal_data(utts)] == [T.PHONE]
