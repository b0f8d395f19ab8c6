"""The one number reader (call_qa.numbers): hand cases whose values are known from the
words, and round trips through num2words (an independent writer of Indonesian and
English numbers) over a large sample of values."""

import random

import pytest
from num2words import num2words

from call_qa.evaluation import normalise_words
from call_qa.numbers import ReadOptions, read_number, read_numbers, words_to_digits
from call_qa.pii import parse_digits


def toks(text: str) -> list[str]:
    return text.casefold().replace("-", " ").replace(",", " ").split()


def spans(text: str, **options):
    return [(s.digits, s.value) for s in read_numbers(toks(text), ReadOptions(**options))]


@pytest.mark.parametrize(
    "text, digits, value",
    [
        # the bugs of issue 17
        ("sembilan belas delapan puluh lima", "1985", 1985),  # WER normaliser said 104
        ("one hundred and five", "105", 105),  # WER normaliser said "100 and 5"
        ("sebelas ribu", "11000", 11000),  # pii said 11
        ("empat puluh lima ribu", "45000", 45000),  # pii said 405000
        # digit by digit: identifiers keep their leading zeros and have no single value
        ("nol delapan satu dua", "0812", None),
        ("kosong delapan satu satu", "0811", None),
        ("oh eight one two", "0812", None),
        ("oh oh four three", "0043", None),
        # repeats: a count word with kali/times repeats the digit word next to it
        ("dua kali lima", "55", None),
        ("lima dua kali", "55", None),
        ("tiga kali nol", "000", None),
        ("double five", "55", None),
        ("triple oh", "000", None),
        ("dobel tujuh", "77", None),
        # teens, tens, hundreds
        ("sebelas", "11", 11),
        ("dua belas", "12", 12),
        ("eleven", "11", 11),
        ("dua puluh", "20", 20),
        ("twenty", "20", 20),
        ("dua puluh tujuh", "27", 27),
        ("seratus", "100", 100),
        ("dua ratus", "200", 200),
        ("seratus lima", "105", 105),
        ("a hundred", "100", 100),
        ("nine hundred and ninety-nine", "999", 999),
        # thousands and beyond
        ("seribu", "1000", 1000),
        ("seribu seratus", "1100", 1100),
        ("seratus lima puluh ribu", "150000", 150000),
        ("dua juta lima ratus ribu", "2500000", 2_500_000),
        ("satu miliar", "1000000000", 10**9),
        ("twenty five thousand", "25000", 25000),
        ("a thousand", "1000", 1000),
        ("one million, two hundred and thirty-four thousand, five hundred and sixty-seven", "1234567", 1_234_567),
        ("two billion and one", "2000000001", 2_000_000_001),
        # years
        ("dua ribu dua puluh enam", "2026", 2026),
        ("seribu sembilan ratus delapan puluh lima", "1985", 1985),
        ("nineteen eighty-five", "1985", 1985),
        ("nineteen oh five", "1905", 1905),
        ("nineteen hundred", "1900", 1900),
        ("twenty twenty-six", "2026", 2026),
        ("two thousand and five", "2005", 2005),
        # identifiers said in pairs
        ("tiga puluh satu tujuh puluh empat", "3174", 3174),
        # mixed digits and words
        ("45 ribu", "45000", 45000),
        ("dua ribu 500", "2500", 2500),
        ("0812 tiga empat", "081234", None),
    ],
)
def test_one_span(text, digits, value):
    assert spans(text) == [(digits, value)]


def test_kali_without_a_digit_is_no_repeat():
    # "sudah dua kali" (twice): the count stays a number, "kali" a word
    assert spans("saya sudah dua kali telepon") == [("2", 2)]
    # "dua puluh dua kali lima": twenty, then 55 (not 22 and a lone 5)
    assert words_to_digits("dua puluh dua kali lima") == "2055"


def test_quantities_stand_alone_and_groups_split():
    # an amount never joins a digit string next to it
    assert spans("nol delapan lima puluh ribu") == [("08", None), ("50000", 50000)]
    # "dua ribu tiga ribu" is two numbers, not 2003 and a stray "ribu"
    assert spans("dua ribu tiga ribu") == [("2000", 2000), ("3000", 3000)]
    # "seratus nol lima" is a hundred, then the digits 0 5
    assert words_to_digits("seratus nol lima") == "10005"


def test_oh_is_zero_only_beside_an_english_digit():
    assert spans("oh well") == []
    assert spans("six seven eight nine oh") == [("67890", None)]
    assert spans("nomor sepuluh oh itu") == [("10", 10)]  # the interjection after an Indonesian number
    assert spans("oh delapan", language="id") == [("8", 8)]  # no English zero in Indonesian


def test_joiners_and_asr_spellings_are_options():
    assert spans("satu eh dua") == [("1", 1)] + [("2", 2)]
    assert spans("satu eh dua", joiners=frozenset({"eh"})) == [("12", None)]
    assert spans("nol drapan satu") == [("0", 0), ("1", 1)]
    assert spans("nol drapan satu", asr_spellings=True) == [("081", None)]
    assert spans("drapan", asr_spellings=True) == []  # only beside a real digit


def test_language_restricts_the_vocabulary():
    assert spans("one two", language="id") == []
    assert spans("satu dua", language="en") == []
    assert spans("satu two") == [("12", None)]
    with pytest.raises(ValueError):
        read_numbers(["satu"], ReadOptions(language="fr"))


def test_read_number_at_a_position():
    t = toks("tahun dua ribu dua puluh tiga ya")
    n = read_number(t, 1)
    assert (n.start, n.end, n.value, n.digits, n.quantity) == (1, 6, 2023, "2023", True)
    assert read_number(t, 0) is None


@pytest.mark.parametrize(
    "text",
    ["sembilan belas delapan puluh lima", "one hundred and five", "dua kali lima", "lima dua kali",
     "sebelas ribu", "empat puluh lima ribu", "oh eight one two", "double five triple oh seven"],
)
def test_evaluation_and_personal_data_read_the_same_digits(text):
    assert "".join(normalise_words(text)) == parse_digits(text) == words_to_digits(text)


# --------------------------------------------------------------------------- num2words round trips

RNG = random.Random(17)
SAMPLE = list(range(0, 10_001)) + [RNG.randrange(10**9) for _ in range(3000)] + \
    [RNG.randrange(10**12) for _ in range(1000)]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("language", ["own", None])
def test_num2words_round_trip(lang, language):
    options = ReadOptions(language=lang if language == "own" else None)
    wrong = []
    for v in SAMPLE:
        words = num2words(v, lang=lang)
        t = toks(words)
        got = read_numbers(t, options)
        if not (len(got) == 1 and got[0].value == v and got[0].digits == str(v) and got[0].used == tuple(range(len(t)))):
            wrong.append((v, words, [(s.digits, s.value) for s in got]))
    assert not wrong, f"{len(wrong)} of {len(SAMPLE)} misread, e.g. {wrong[:5]}"


def test_num2words_english_years():
    wrong = []
    for year in range(1900, 2100):
        words = num2words(year, lang="en", to="year")  # "nineteen oh-five", "twenty twenty-six"
        got = read_numbers(toks(words))
        if not (len(got) == 1 and got[0].value == year and got[0].digits == str(year)):
            wrong.append((year, words, [(s.digits, s.value) for s in got]))
    assert not wrong, wrong[:5]


def test_num2words_through_the_wer_normaliser():
    for v in SAMPLE[::7]:
        for lang in ("id", "en"):
            assert normalise_words(num2words(v, lang=lang)) == list(str(v)), (v, lang)
