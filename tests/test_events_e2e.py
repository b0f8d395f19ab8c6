"""Each event type end to end: real corpus recordings through the whole pipeline,
compared with the truth the generator wrote from its timeline.

Cost. Every stage runs with the shipped settings. (Before batched recognition the
file turned Whisper's temperature fallback off: on the garbled Indonesian espeak voices
it re-decoded nearly every window by sampling, 200-230 s of CPU per call. The shipped
fallback is now one deterministic re-decode for at most ``asr.max_redecodes`` windows
per call, so nothing needs turning off.) The events asserted here come from voice
activity, diarization, line sounds and roles; words reach them only through roles,
backchannel text and announcements. Faster still but NOT used: ``bundled:tiny.en``
and/or ``beam_size: 1`` change what is found (en_hold_not_thanked: the hold no longer
reads as announced).
"""

import functools

import pytest

from call_qa.config import load_settings
from call_qa.evaluation import load_truth, score_events
from call_qa.export import to_document
from call_qa.pipeline import process_recording
from sample_truth import ROOT

pytestmark = pytest.mark.slow
CORPUS = ROOT / "corpus"


def settings_for(language):
    """The shipped settings for the call's language."""
    return load_settings().with_overrides(language=language)


@functools.lru_cache(maxsize=None)
def run(name):
    """(truth, document, scores) of one corpus call, processed once per session."""
    truth = load_truth(CORPUS / f"{name}.flac")
    doc = to_document(process_recording(truth.audio, settings_for(truth.language)))
    if doc["status"] != "ok":  # not an AssertionError: must not pass as the xfail below
        pytest.fail(f"{name}: the pipeline failed: {doc.get('errors')}")
    return truth, doc, score_events(truth.events, doc["events"])


@pytest.mark.parametrize(
    "name, key, attributes",
    [
        ("id_hold_music", "hold", ("kind",)),  # mono, 8 kHz, music hold
        ("id_hold_silence", "hold", ("kind",)),  # stereo, silent hold
        # announced/thanked depend on the agent's words reaching the agent: in this mono
        # call the fallback diarizer gives "Please hold." to the caller, and Indonesian
        # espeak comes out garbled; they are tested on hand-built timelines (test_timing.py)
        ("en_hold_not_thanked", "hold", ("kind",)),
        ("en_transfer_blind", "transfer", ("warm",)),  # mono, North American ringback
        # stereo: the new party answers on the agent's channel (second voice, ch1b) and
        # the agent speaks again after it: warm
        ("id_transfer_stereo_warm", "transfer", ("warm",)),
        ("id_dead_air", "dead_air", ()),  # stereo, 20 dB SNR, three gaps
        ("id_agent_interrupts", "interruption_by_agent", ("successful",)),  # one successful, one attempted
    ],
)
def test_event_found_with_its_attributes(name, key, attributes):
    truth, doc, scores = run(name)
    s = scores[key]
    assert s.f1 == 1.0, (key, s)
    assert s.boundary_error_s <= 1.0  # metrics targets: boundaries within 1 s
    agreement = s.attribute_agreement
    assert {a: agreement.get(a) for a in attributes} == {a: 1.0 for a in attributes}
    # nothing else invented: no false positive of any event type
    assert {k for k, v in scores.items() if v.false_positives} == set()


def test_backchannels_are_not_interruptions():
    truth, doc, scores = run("id_agent_backchannels")
    assert doc["metrics"]["agent_interruptions"] == 0 and doc["metrics"]["customer_interruptions"] == 0


def test_customer_interruption_in_mono():
    """The diarizer labels overtalk as both voices, so a caller talking over the agent is seen."""
    truth, doc, scores = run("id_customer_interrupts")
    s = scores["interruption_by_customer"]
    assert s.recall == 1.0 and s.precision == 1.0 and s.boundary_error_s <= 1.0


# raises=AssertionError: only the known wrong answer counts as the expected failure; a
# crash or a config error fails the test instead of passing as this xfail
@pytest.mark.xfail(reason="mono: the diarizer does not find this English call's third voice (it does in the "
                          "Indonesian transfer calls), so the agent speaking after the new party answers is not "
                          "seen and the transfer reads blind", strict=True, raises=AssertionError)
def test_warm_transfer_in_mono():
    truth, doc, scores = run("en_transfer_warm")
    assert scores["transfer"].f1 == 1.0 and scores["transfer"].attribute_agreement == {"warm": 1.0}
