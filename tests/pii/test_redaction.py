"""Redaction of transcript, evidence and per-call JSON; scoring on the full transcript;
exposure flags and the critical hook; identifier normalisation."""

import json

from call_qa.domain import PersonalDataType as T, Role, Verdict
from call_qa.export import to_document
from call_qa.pii import normalise_identifiers, normalise_transcript

from pii_helpers import utt
from pii_call import NIK, NPWP, PHONE, SECRETS, scored_result, unprotected_scorecard, utterances, with_privacy


def test_json_has_no_original_value_and_keeps_timings():
    result = scored_result()
    blob = json.dumps(to_document(result), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in blob, secret
    for placeholder in ("[NIK]", "[PHONE]", "[EMAIL]", "[DOB]", "[ADDRESS]", "[NAME]", "[NPWP]"):
        assert placeholder in blob, placeholder
    # the NIK's first segment: 8 words (16.5-19.5 s) became one word with the same span
    seg = result.utterances[5]
    assert seg.text == "[NIK]" and (seg.words[0].start, seg.words[0].end) == (16.5, 19.5)
    assert result.utterances[7].text == "[NIK]."
    # untouched utterances are unchanged, word for word
    assert result.utterances[0] == utterances()[0]


def test_scored_on_full_transcript():
    """data_verification sees the identifiers the redacted transcript no longer has."""
    full = unprotected_scorecard()
    result = scored_result()
    assert full.item("data_verification").verdict is Verdict.PASS
    assert result.scorecard.item("data_verification").verdict is Verdict.PASS
    assert result.scorecard.score == full.score
    # ... and its evidence quotes are redacted
    quotes = " ".join(ev.quote + ev.reason for it in result.scorecard.items for ev in it.evidence)
    assert "tiga satu tujuh" not in quotes and "Budi" not in quotes


def test_findings_and_originals_travel_with_the_result():
    result = scored_result()
    types = {f.type for f in result.personal_data}
    assert types == {T.NIK, T.PHONE, T.EMAIL, T.DOB, T.ADDRESS, T.NAME, T.NPWP}
    nik = next(f for f in result.personal_data if f.type is T.NIK)
    assert nik.value == NIK and nik.role is Role.CUSTOMER and (nik.start, nik.end) == (16.5, 23.0)
    assert result.originals == utterances()


def test_keep_originals_off_drops_values():
    result = scored_result(with_privacy(keep_originals=False))
    assert result.originals is None
    assert all(f.value is None for f in result.personal_data)


def test_redaction_off_and_type_selection():
    off = scored_result(with_privacy(redact=False, normalise_numbers=False))
    assert off.utterances == utterances() and off.originals is None
    only_nik = scored_result(with_privacy(types=("nik",)))
    text = " ".join(u.text for u in only_nik.utterances)
    assert "[NIK]" in text and "Budi" in text and "[PHONE]" not in text


def test_agent_reading_an_identifier_back_is_flagged_and_can_zero_the_score():
    utts = list(utterances())
    # the agent reads the whole NIK back
    utts.insert(8, utt(23.1, 23.4, Role.AGENT, f"Saya ulangi, {NIK}, betul?"))
    flagged = scored_result(utts=tuple(utts))
    kinds = [(f.kind, f.type) for f in flagged.privacy_flags]
    assert ("readback", T.NIK) in kinds
    assert flagged.scorecard.score > 0  # flagged, not critical by default
    critical = scored_result(with_privacy(critical_flags=("readback",)), utts=tuple(utts))
    assert critical.scorecard.score == 0.0
    item = critical.scorecard.item("procedure_compliance")
    assert item.verdict is Verdict.FAIL and item.critical
    doc = to_document(critical)
    assert doc["personal_data"]["flags"][0]["critical"] is True
    assert NIK not in json.dumps(doc)


def test_agent_saying_an_identifier_the_caller_never_gave():
    utts = list(utterances())
    utts.insert(8, utt(23.1, 23.4, Role.AGENT, "NIK istri Bapak 3273014506890002 juga terdaftar."))
    result = scored_result(utts=tuple(utts))
    # a NIK other than the caller's; the NPWP the agent read from the system (the caller said none)
    assert [(f.kind, f.type) for f in result.privacy_flags] == [("other_person", T.NIK), ("disclosure", T.NPWP)]


def test_normalise_identifiers():
    u = utt(0.0, 6.0, Role.CUSTOMER, "nomornya kosong delapan satu dua, tiga empat lima enam. Tiket 4 4 7 1 9.")
    (n,) = normalise_identifiers([u])
    assert n.text == "nomornya 08123456. Tiket 4 4 7 1 9."
    word = n.words[1]
    assert word.text == "08123456." and word.start == u.words[1].start and word.end == u.words[8].end
    assert normalise_identifiers([u], min_digits=9)[0] == u


def test_normalise_transcript_switch():
    from call_qa.domain import Transcript

    u = utt(0.0, 3.0, Role.CUSTOMER, "oh eight one two three four five")
    t = Transcript("en", 0.9, (u,))
    assert normalise_transcript(t).utterances[0].text == "0812345"
    assert normalise_transcript(t, enabled=False) is t
