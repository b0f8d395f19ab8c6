"""Spoken and written numbers → digits (values computed by hand from the words)."""

import pytest

from call_qa.pii import luhn_valid, nik_plausible, parse_digits, phone_shaped


@pytest.mark.parametrize(
    "text, digits",
    [
        # Indonesian: digit by digit, "kosong" for zero, pairs, repeats, teens, years
        ("nol delapan satu dua tiga empat", "081234"),
        ("kosong delapan satu satu", "0811"),
        ("tiga puluh satu tujuh puluh empat", "3174"),
        ("dua kali lima", "55"),
        ("lima dua kali", "55"),
        ("tiga kali nol", "000"),
        ("sebelas dua belas sepuluh", "111210"),
        ("sembilan belas delapan puluh lima", "1985"),
        ("dua ribu dua puluh tiga", "2023"),
        ("seratus dua puluh tiga", "123"),
        ("satu, eh, dua", "12"),
        ("plus enam dua delapan satu dua", "62812"),
        ("lapan", "8"),
        # amounts: the whole value (issue 17: "sebelas ribu" was 11, "empat puluh lima ribu" 405000)
        ("sebelas ribu", "11000"),
        ("empat puluh lima ribu", "45000"),
        ("nol drapan satu", "081"),  # Whisper's "drapan" beside real digits
        # English: "oh", double/triple, teens and tens
        ("oh eight one two", "0812"),
        ("double five triple oh seven", "550007"),
        ("nineteen eighty-five", "1985"),
        ("twenty twenty three", "2023"),
        ("oh oh four three", "0043"),
        ("one hundred and five", "105"),
        ("six seven eight nine oh", "67890"),
        # written
        ("3174 0512 8501 0003.", "3174051285010003"),
        ("01.234.567.8-901.000", "012345678901000"),
        ("+62 812-3456-7890", "6281234567890"),
        # not numbers
        ("oh well", ""),
        ("the one on the left", "1"),
    ],
)
def test_parse_digits(text, digits):
    assert parse_digits(text) == digits


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")  # the textbook example
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("79927398710")


def test_nik_structure():
    # 31 74 05 | 12 08 85 | 0003: DKI Jakarta, born 12-08-1985
    assert nik_plausible("3174051208850003")
    assert nik_plausible("3174055208850003")  # women: day + 40
    assert not nik_plausible("9974051208850003")  # no province 99
    assert not nik_plausible("3174051213850003")  # month 13
    assert not nik_plausible("3174053508850003")  # day 35
    assert not nik_plausible("3174051208850000")  # serial 0000


def test_phone_shape():
    assert phone_shaped("081234567890") and phone_shaped("6281234567890")
    assert phone_shaped("6221555123", plus=True)
    assert not phone_shaped("0812345")  # too short
    assert not phone_shaped("3174051208850003")
