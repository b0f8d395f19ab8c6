"""Evaluation metrics on hand-made cases whose answers are known."""

import pytest

from call_qa.evaluation import (
    diarization_error,
    match_events,
    normalise_words,
    role_accuracy,
    score_events,
    word_errors,
)


def test_normaliser_makes_digits_and_number_words_agree():
    assert normalise_words("NPWP saya nol sembilan dua, lima!") == normalise_words("npwp saya 0925")
    assert normalise_words("tahun dua ribu dua puluh tiga") == normalise_words("Tahun 2023.")
    assert normalise_words("seratus lima puluh ribu rupiah") == normalise_words("150.000 rupiah")
    assert normalise_words("born on the fourth of March, nineteen eighty") == normalise_words("born on the 4th of march 1980")
    assert normalise_words("Eh, saya mau tanya, ehm") == ["saya", "mau", "tanya"]


def test_normaliser_reads_the_numbers_issue_17_found_misread():
    assert normalise_words("lahir sembilan belas delapan puluh lima") == ["lahir", "1", "9", "8", "5"]  # was 1 0 4
    assert normalise_words("one hundred and five forms") == ["1", "0", "5", "forms"]  # was 1 0 0 and 5
    assert normalise_words("empat puluh lima ribu") == list("45000")
    assert normalise_words("dua kali lima") == normalise_words("lima dua kali") == ["5", "5"]
    assert normalise_words("nomor sepuluh. Oh, itu") == ["nomor", "1", "0", "oh", "itu"]
    # a misspelt digit stays a word: the WER must see the recognition error
    assert normalise_words("nol drapan satu") == ["0", "drapan", "1"]
    ref, hyp = normalise_words("born in nineteen eighty-five"), normalise_words("Born in 1985.")
    assert word_errors(ref, hyp) == 0


def test_word_errors_counts_substitutions_deletions_insertions():
    ref = "a b c d".split()
    assert word_errors(ref, ref) == 0
    assert word_errors(ref, "a x c d".split()) == 1  # substitution
    assert word_errors(ref, "a c d".split()) == 1  # deletion
    assert word_errors(ref, "a b c d e".split()) == 1  # insertion
    assert word_errors(ref, []) == 4


def test_events_matched_one_to_one_by_overlap_with_boundary_error():
    truth = [{"type": "hold", "start": 10.0, "end": 30.0}, {"type": "hold", "start": 50.0, "end": 60.0}]
    found = [{"type": "hold", "start": 11.0, "end": 29.0}, {"type": "hold", "start": 70.0, "end": 80.0}]
    s = match_events(truth, found)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (1, 1, 1)
    assert s.precision == 0.5 and s.recall == 0.5 and s.f1 == 0.5
    assert s.boundary_error_s == 1.0  # |10-11| and |30-29| -> mean 1.0


def test_perfect_hypothesis_scores_perfectly_and_interruptions_split_by_interrupter():
    events = [
        {"type": "interruption", "start": 5, "end": 6, "by": "agent"},
        {"type": "interruption", "start": 9, "end": 10, "by": "customer"},
        {"type": "dead_air", "start": 20, "end": 24},
    ]
    scores = score_events(events, events)
    assert set(scores) == {"interruption_by_agent", "interruption_by_customer", "dead_air"}
    assert all(s.f1 == 1.0 and s.boundary_error_s == 0.0 for s in scores.values())
    wrong_by = [dict(events[0], by="customer")]
    assert score_events(events[:1], wrong_by)["interruption_by_agent"].recall == 0.0


TRUTH_TURNS = [
    {"start": 0.0, "end": 10.0, "speaker": "A", "role": "agent"},
    {"start": 10.0, "end": 20.0, "speaker": "B", "role": "customer"},
]


def test_der_zero_for_renamed_speakers_and_known_value_for_a_shift():
    renamed = [dict(t, speaker=t["speaker"].lower()) for t in TRUTH_TURNS]
    assert diarization_error(TRUTH_TURNS, renamed, collar=0.0)["diarization error rate"] == 0.0
    # hypothesis boundary 1 s late: 1 s of confusion over 20 s of speech = 5 %
    shifted = [{"start": 0.0, "end": 11.0, "speaker": "x"}, {"start": 11.0, "end": 20.0, "speaker": "y"}]
    assert diarization_error(TRUTH_TURNS, shifted, collar=0.0)["diarization error rate"] == pytest.approx(0.05)
    # a 0.25 s collar removes 0.25 s around each truth boundary (0.5 s of the error)
    assert diarization_error(TRUTH_TURNS, shifted, collar=0.25)["diarization error rate"] < 0.05


def test_role_accuracy_is_time_weighted():
    assert role_accuracy(TRUTH_TURNS, TRUTH_TURNS) == 1.0
    swapped = [dict(t, role="customer" if t["role"] == "agent" else "agent") for t in TRUTH_TURNS]
    assert role_accuracy(TRUTH_TURNS, swapped) == 0.0
    half = [{"start": 0.0, "end": 20.0, "speaker": "x", "role": "agent"}]
    assert role_accuracy(TRUTH_TURNS, half) == 0.5


def test_attributes_of_matched_events_are_compared():
    truth = [{"type": "transfer", "start": 10, "end": 20, "warm": True},
             {"type": "hold", "start": 30, "end": 45, "kind": "music", "announced": True, "thanked": True}]
    found = [{"type": "transfer", "start": 11, "end": 20, "warm": False},
             {"type": "hold", "start": 30, "end": 44, "kind": "music", "announced": True, "thanked": False}]
    scores = score_events(truth, found)
    assert scores["transfer"].attribute_agreement == {"warm": 0.0}
    assert scores["hold"].attribute_agreement == {"announced": 1.0, "kind": 1.0, "thanked": 0.0}
