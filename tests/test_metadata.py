"""Telephony metadata sidecars replace detection for their event types."""

import pytest

from call_qa.config import TimingSettings
from call_qa.domain import Event, EventType, Layout, Role, SoundKind, SoundSegment, SpeakerActivity, Span, Utterance
from call_qa.metadata import MetadataError, read_call_metadata
from call_qa.timing import TimingCues, analyse_timing

CUES = TimingCues(hold_announce=("please hold",), hold_return=("thank you for holding",))


def test_json_and_csv_sidecars(tmp_path):
    rec = tmp_path / "0001.wav"
    rec.write_bytes(b"")
    assert read_call_metadata(rec) == ()
    (tmp_path / "0001.events.json").write_text('{"events": [{"type": "transfer", "start": 50, "end": 58.5, "target": "billing"}, {"type": "hold", "start": 10, "end": 30}]}')
    events = read_call_metadata(rec)
    assert [(e.type, e.start, e.end, e.source) for e in events] == [
        (EventType.HOLD, 10.0, 30.0, "metadata"), (EventType.TRANSFER, 50.0, 58.5, "metadata")]
    assert events[1].details.target == "billing"
    (tmp_path / "0001.events.json").unlink()
    (tmp_path / "0001.events.csv").write_text("type,start,end,target\nhold,5,20,\n")
    assert [(e.type, e.start, e.end) for e in read_call_metadata(rec)] == [(EventType.HOLD, 5.0, 20.0)]


@pytest.mark.parametrize("content", ["type,start,end\nhold,20,5\n", "type,start,end\ndead_air,1,5\n", "type,start\nhold,1\n"])
def test_bad_sidecar_names_the_file_and_the_event(tmp_path, content):
    rec = tmp_path / "0002.flac"
    (tmp_path / "0002.events.csv").write_text(content)
    with pytest.raises(MetadataError, match=r"0002.events.csv event 1"):
        read_call_metadata(rec)


def test_given_hold_replaces_detection_and_keeps_its_details():
    #  A |0-4 "please hold"|  switch says hold 5..25 (the audio gap is 4..26)  A |26-30 "thank you for holding"|
    #  a second 12 s silence 31..43 that the switch does not call a hold -> dead air, not a hold
    activity = SpeakerActivity(Layout.STEREO, {"A": (Span(0, 4), Span(26, 30), Span(43, 45))}, "test")
    utts = [Utterance(0, 4, "A", Role.AGENT, "Please hold"), Utterance(26, 30, "A", Role.AGENT, "Thank you for holding")]
    given = (Event(EventType.HOLD, 5.0, 25.0, source="metadata"),)
    r = analyse_timing(activity, {"A": Role.AGENT}, utts, 50.0, TimingSettings(), CUES,
                       sounds=[SoundSegment(4, 26, SoundKind.MUSIC)], given=given)
    (hold,) = r.events_of(EventType.HOLD)
    assert (hold.start, hold.end, hold.source) == (5.0, 25.0, "metadata")
    assert hold.details.announced and hold.details.thanked and hold.details.kind == "music"
    (dead,) = r.events_of(EventType.DEAD_AIR)
    assert (dead.start, dead.end) == (30, 43)
