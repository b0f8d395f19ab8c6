"""Detection of every type, Indonesian and English, written and spoken; identifiers
split across segments; ASR slips; and numbers that are not personal data."""

import pytest

from call_qa.domain import PersonalDataType as T, Role
from call_qa.pii import DetectOptions, detect_personal_data

from pii_helpers import utt

A, C = Role.AGENT, Role.CUSTOMER
NIK = "3174051208850003"  # region 31 74 05, born 12-08-85, serial 0003
NIK_SPOKEN_ID = "tiga satu tujuh empat kosong lima satu dua nol delapan delapan lima nol nol nol tiga"
NIK_SPOKEN_EN = "three one seven four oh five one two oh eight eight five triple oh three"


def found(utterances, names=()):
    return detect_personal_data(utterances, DetectOptions(caller_names=tuple(names)))


def only(findings, typ):
    got = [f for f in findings if f.type is typ]
    assert len(got) == 1, findings
    return got[0]


@pytest.mark.parametrize(
    "question, answer, typ, value",
    [
        # ---- Indonesian, written
        ("Boleh disebutkan NIK Bapak?", "3174 0512 0885 0003.", T.NIK, NIK),
        ("NPWP Ibu berapa?", "01.234.567.8-901.000", T.NPWP, "012345678901000"),
        ("Nomor HP yang bisa dihubungi?", "0812-3456-7890.", T.PHONE, "081234567890"),
        ("Nomor rekeningnya berapa?", "Nomornya 2710455981, Mbak.", T.ACCOUNT, "2710455981"),
        ("Nomor kartu kreditnya?", "4111 1111 1111 1111.", T.CARD, "4111111111111111"),
        ("Emailnya apa, Pak?", "budi.santoso@gmail.com", T.EMAIL, "budi.santoso@gmail.com"),
        ("Tanggal lahir Bapak?", "12-08-1985.", T.DOB, "12-08-1985"),
        # ---- Indonesian, spoken
        ("Boleh disebutkan NIK Bapak?", NIK_SPOKEN_ID, T.NIK, NIK),
        ("NPWP Ibu berapa?", "nol satu dua tiga empat lima enam tujuh delapan sembilan kosong satu nol nol nol",
         T.NPWP, "012345678901000"),
        ("Nomor HP-nya?", "kosong delapan satu dua, tiga empat dua kali lima, enam tujuh delapan", T.PHONE,
         "08123455678"),
        ("Rekening Bapak?", "dua tujuh satu kosong empat lima lima sembilan delapan satu", T.ACCOUNT, "2710455981"),
        ("Nomor kartu debitnya?", "empat satu satu satu, satu satu satu satu, satu satu satu satu, satu satu satu satu",
         T.CARD, "4111111111111111"),
        ("Alamat email Ibu?", "Emailnya siti dua tiga et yahoo titik co titik id", T.EMAIL, "siti23@yahoo.co.id"),
        ("Tanggal lahirnya?", "Dua belas Agustus sembilan belas delapan puluh lima.", T.DOB, "1985-08-12"),
        # ---- English, written
        ("Could you read me your NIK?", "Sure, 3174051208850003.", T.NIK, NIK),
        ("What's your tax ID?", "It's 01.234.567.8-901.000.", T.NPWP, "012345678901000"),
        ("May I have your mobile number?", "+62 812 3456 7890", T.PHONE, "+6281234567890"),
        ("Your account number please?", "2710455981", T.ACCOUNT, "2710455981"),
        ("What's the card number?", "4111 1111 1111 1111", T.CARD, "4111111111111111"),
        ("What's your email address?", "It is d.chen@outlook.com.", T.EMAIL, "d.chen@outlook.com"),
        ("And your date of birth?", "07/02/1988", T.DOB, "07/02/1988"),
        # ---- English, spoken
        ("Could you read me your NIK?", NIK_SPOKEN_EN, T.NIK, NIK),
        ("What's your tax ID?", "oh one two three four five six seven eight nine oh one triple oh", T.NPWP,
         "012345678901000"),
        ("May I have your mobile number?", "oh eight one two, double three four five, six seven eight nine", T.PHONE,
         "081233456789"),
        ("Your account number please?", "two seven one oh four double five nine eight one", T.ACCOUNT, "2710455981"),
        ("What's the card number?", "four triple one, one one one one, one one one one, one one one one", T.CARD,
         "4111111111111111"),
        ("What's your email address?", "david dot chen at outlook dot com", T.EMAIL, "david.chen@outlook.com"),
        ("And your date of birth?", "born July second, nineteen eighty-eight", T.DOB, "1988-07-02"),
    ],
)
def test_each_type(question, answer, typ, value):
    f = only(found([utt(0, 2, A, question), utt(2.5, 8, C, answer)]), typ)
    assert f.value == value
    assert f.role is C and f.speaker == "ch0"
    assert 2.5 <= f.start < f.end <= 8


@pytest.mark.parametrize(
    "lang, question, answer, expect",
    [
        ("id", "Alamat rumah Bapak?", "Jalan Melati No. 12, RT 03 RW 05, Jakarta Pusat.",
         "Jalan Melati No 12 RT 03 RW 05 Jakarta Pusat"),
        ("id", "Alamatnya di mana?", "Di Jl. Kenanga nomor dua belas Bekasi, Pak.", "Jl Kenanga nomor dua belas Bekasi"),
        ("en", "What's your home address?", "I live at 42 Baker Street, Springfield.", "42 Baker Street Springfield"),
        ("en", "Where do you live?", "Forty two Baker Street, Springfield.", "Forty two Baker Street Springfield"),
    ],
)
def test_address(lang, question, answer, expect):
    f = only(found([utt(0, 2, A, question), utt(2.5, 8, C, answer)]), T.ADDRESS)
    assert f.value == expect


def test_identifier_split_across_segments_with_backchannel():
    utterances = [
        utt(0, 2, A, "Untuk verifikasi, NIK Bapak?"),
        utt(2.5, 5, C, "tiga satu tujuh empat kosong lima satu dua"),
        utt(5.2, 5.5, A, "iya"),
        utt(6.0, 9.0, C, "nol delapan delapan lima nol nol nol tiga."),
    ]
    f = only(found(utterances), T.NIK)
    assert f.value == NIK
    assert (f.start, f.end) == (2.5, 9.0)
    assert {ui for ui, _ in f.words} == {1, 3}  # both segments, not the agent's "iya"


def test_two_numbers_in_a_row_stay_apart():
    f = found([utt(0, 2, A, "NIK dan nomor HP Bapak?"), utt(2.5, 9, C, f"{NIK}, 081234567890.")])
    assert [(x.type, x.value) for x in f] == [(T.NIK, NIK), (T.PHONE, "081234567890")]


def test_asr_slips_still_found():
    # a misheard digit (the NIK's province no longer valid), "lapan" and a filler
    f = only(found([utt(0, 2, A, "NIK Bapak?"),
                    utt(2.5, 8, C, "sembilan satu tujuh empat kosong lima satu dua nol lapan eh delapan lima nol nol nol tiga")]),
             T.NIK)
    assert f.value == "9174051208850003"
    # one digit dropped: accepted with the cue, at lower confidence
    g = only(found([utt(0, 2, A, "NPWP Bapak?"), utt(2.5, 8, C, "nol satu dua tiga empat lima enam tujuh delapan sembilan nol satu nol nol")]), T.NPWP)
    assert g.value == "01234567890100" and g.confidence < 0.9


def test_caller_name_everywhere():
    utterances = [
        utt(0, 2, A, "Dengan Bapak siapa saya berbicara?"),
        utt(2.5, 4, C, "Saya Budi Santoso."),
        utt(4.5, 6, A, "Baik, Pak Budi, ada yang bisa dibantu?"),
    ]
    names = [(f.value, f.role) for f in found(utterances, ["Budi Santoso"]) if f.type is T.NAME]
    assert names == [("Budi Santoso", C), ("Budi", A)]


@pytest.mark.parametrize(
    "text",
    [
        "Nomor tiket pengaduan Bapak 4 4 7 1 9.",
        "Kode billing-nya 012345678901234, silakan dibayar.",
        "Tagihannya Rp 12.500.000.000, Pak.",
        "Pembayaran paling lambat tanggal lima belas Maret dua ribu dua puluh lima.",
        "Aplikasinya sudah jalan lagi sejak kemarin.",
        "Di ATM Jalan Merdeka, sekitar jam sembilan pagi.",
        "Silakan hubungi Kring Pajak di 1500200.",
        "Your ticket number is 4 4 7 1 9.",
        "I was at home around eight, the one on the left.",
        "The payment is due on the fifth of December.",
        "The refund of one hundred and twenty dollars goes out on Monday.",
        # amounts said with a scale word are quantities, never a digit string (1 200 000 000
        # has an account's ten digits)
        "Saya bayar dua miliar tiga ratus juta.",
        "Restitusinya empat puluh lima ribu, nol koma lima persen.",
        "The refund is two million five hundred thousand rupiah.",
    ],
)
def test_not_personal_data(text):
    assert found([utt(0, 2, A, "Baik, ada yang bisa dibantu?"), utt(2.5, 8, C, text)]) == ()


def test_an_amount_after_an_identifier_question_is_no_identifier():
    # 200 000 000 has nine digits, but it was said as an amount
    assert found([utt(0, 2, A, "Nomor rekening Bapak?"), utt(2.5, 8, C, "Saya transfer dua ratus juta kemarin.")]) == ()


def test_text_only_utterances_get_spread_times():
    from call_qa.domain import Utterance

    u = Utterance(10.0, 14.0, "spk1", C, "NIK saya 3174051208850003 ya", ())
    f = only(found([u]), T.NIK)
    assert (f.start, f.end) == (12.0, 13.0)  # the third of four words


def test_indonesian_di_for_at_only_before_a_domain():
    f = only(found([utt(0, 2, A, "Email yang terdaftar?"), utt(2.5, 6, C, "Email yusuf di gmail titik com.")]), T.EMAIL)
    assert f.value == "yusuf@gmail.com"
    assert found([utt(0, 2, C, "Saya tinggal di Bekasi titik.")]) == ()


def test_birth_year_alone_after_the_cue():
    f = only(found([utt(0, 2, A, "Tanggal lahir Bapak?"), utt(2.5, 6, C, "Rekening 1 2 3 0 0 4 5 6 7 8, lahir tahun sembilan puluh.")]),
             T.DOB)
    assert f.value == "90"


def test_full_name_and_third_party_names():
    utterances = [
        utt(0, 2, A, "Dengan Ibu siapa saya berbicara?"),
        utt(2.5, 4, C, "Saya Ibu Ratna."),
        utt(4.5, 8, C, "Nol delapan satu dua, tiga empat lima enam. Ratna Kusuma, ibu kandung Siti Aminah."),
    ]
    names = [f.value for f in found(utterances, ["Ratna"]) if f.type is T.NAME]
    assert names == ["Ratna", "Ratna Kusuma", "Siti Aminah"]


def test_a_strong_cue_labels_an_unusual_length():
    f = only(found([utt(0, 2, A, "May I have your tax ID?"), utt(2.5, 6, C, "My tax ID is 4 7 1 2 9 0 3 8 6.")]), T.NPWP)
    assert f.value == "471290386" and f.confidence == 0.6
