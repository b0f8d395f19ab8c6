"""Normalisation, whole-word matching and name extraction."""

from __future__ import annotations

from call_qa.text import count_digits, count_phrase, count_phrases, extract_name, find_phrase, normalize, tokens

HON = frozenset({"bapak", "pak", "ibu", "bu", "mr", "mrs", "ms"})
STOP = frozenset({"iya", "ya", "baik", "saya", "mau", "tanya", "dari", "yes", "calling", "about", "the"})
PREFIXES = [("nama", "saya"), ("saya",), ("dengan",), ("my", "name", "is"), ("this", "is"), ("im",)]


def test_normalize_strips_punctuation_case_and_space():
    assert normalize("Selamat  Siang,  Pak!") == "selamat siang pak"
    assert normalize("NPWP-nya") == "npwp nya"
    assert normalize("You're  welcome, Mr. Smith.") == "youre welcome mr smith"
    assert normalize("Terima kasih…") == "terima kasih"


def test_phrases_match_whole_words_only():
    assert find_phrase(tokens("ibukota negara"), ("ibu",)) == -1
    assert find_phrase(tokens("baik, Ibu Sari"), ("ibu", "sari")) == 1
    assert count_phrase(tokens("nggak, nggak bisa"), ("nggak",)) == 2


def test_count_digits_counts_digits_and_number_words():
    words = frozenset({"satu", "dua", "tiga"})
    assert count_digits(tokens("3201 12"), words) == 6
    assert count_digits(tokens("tiga dua satu, ya"), words) == 3


def test_extract_name_after_prefix_and_bare():
    assert extract_name("Saya Budi Santoso.", PREFIXES, HON, STOP) == "Budi Santoso"
    assert extract_name("Iya, nama saya Budi Santoso dari Bekasi", PREFIXES, HON, STOP) == "Budi Santoso"
    assert extract_name("Dengan Ibu Sari.", PREFIXES, HON, STOP) == "Sari"
    assert extract_name("Saya mau tanya soal NPWP", PREFIXES, HON, STOP) is None
    assert extract_name("Budi Santoso.", PREFIXES, HON, STOP) is None
    assert extract_name("Iya, Budi Santoso.", PREFIXES, HON, STOP, bare=True) == "Budi Santoso"
    assert extract_name("Baik.", PREFIXES, HON, STOP, bare=True) is None
    assert extract_name("My name is John Miller.", PREFIXES, HON, STOP) == "John Miller"
    assert extract_name("Yes, I'm calling about the refund", PREFIXES, HON, STOP) is None


def test_extract_name_from_lowercase_asr_and_never_an_acronym():
    assert extract_name("iya saya budi", PREFIXES, HON, STOP) == "budi"
    assert extract_name("Saya NPWP-nya belum ada", PREFIXES, HON, STOP) is None


def test_count_phrases_counts_each_phrase_present_as_whole_words():
    assert count_phrases("Ada yang bisa dibantu?", ["bisa dibantu"]) == 1
    assert count_phrases("tidak dibantunya", ["dibantu"]) == 0
    assert count_phrases("bisa dibantu, bisa dibantu", ["bisa dibantu", "terima kasih"]) == 1  # phrases, not occurrences
