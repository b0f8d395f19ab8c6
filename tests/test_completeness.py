"""Issue 20, case 3: a recording cut short (an interrupted copy) is never scored as a
whole call, whatever its container. Files are made here with ffmpeg from a bundled
sample call (12.5 s) and cut in the byte stream, as an interrupted copy would be."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from call_qa import batch
from call_qa.audio import decode, truncation
from call_qa.config import PipelineSettings
from call_qa.domain import CallResult, CallStatus
from call_qa.errors import AudioError
from sample_truth import ROOT

SECONDS = 12.5
FORMATS = {"wav": [], "flac": [], "mp3": ["-c:a", "libmp3lame"], "opus": ["-c:a", "libopus"]}


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cut")
    source = ROOT / "sample_audio" / "en_stereo_interrupt.flac"
    made = {}
    for ext, codec in FORMATS.items():
        whole = folder / f"whole.{ext}"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-t", str(SECONDS), *codec, str(whole)],
                       check=True)
        half = folder / f"half.{ext}"
        data = whole.read_bytes()
        half.write_bytes(data[: len(data) // 2])
        made[ext], made[f"half.{ext}"] = whole, half
    return made


@pytest.mark.parametrize("ext", list(FORMATS))
def test_a_complete_recording_is_complete(recordings, ext):
    assert truncation(recordings[ext]) is None
    assert decode(recordings[ext]).duration == pytest.approx(SECONDS, abs=0.1)


@pytest.mark.parametrize("ext", list(FORMATS))
def test_a_recording_cut_in_half_fails_as_truncated(recordings, ext):
    half = recordings[f"half.{ext}"]
    reason = truncation(half)
    assert reason is not None and "truncated" in reason and str(half) in reason
    if ext != "opus":  # Ogg declares no total length; its missing end-of-stream page says it
        assert f"promises {SECONDS:.1f} s" in reason
    with pytest.raises(AudioError, match="truncated"):
        decode(half)
    # accepted on request: what is there is decoded (about half the call)
    assert decode(half, accept_truncated=True).duration == pytest.approx(SECONDS / 2, abs=1.0)


def test_an_ogg_cut_at_a_page_boundary_lacks_its_end_of_stream_page(recordings, tmp_path):
    data = recordings["opus"].read_bytes()
    cut = data.rfind(b"OggS", 0, len(data) // 2)  # a whole page ends right before it
    path = tmp_path / "pages.opus"
    path.write_bytes(data[:cut])
    assert "end-of-stream page" in truncation(path)


def test_the_tolerance_accepts_a_short_shortfall(recordings, tmp_path):
    data = recordings["wav"].read_bytes()  # 16 kHz stereo 16-bit: 64,000 bytes a second
    path = tmp_path / "short.wav"
    path.write_bytes(data[: len(data) - 16_000])  # 0.25 s missing
    assert truncation(path, tolerance_s=0.5) is None
    assert "truncated" in truncation(path, tolerance_s=0.1)


def _settings(on_truncated: str) -> PipelineSettings:
    s = PipelineSettings()
    return s.model_copy(update={"audio": s.audio.model_copy(update={"on_truncated": on_truncated})})


def test_the_batch_fails_a_truncated_call_with_the_reason(recordings):
    item = batch.WorkItem(path=str(recordings["half.flac"]), call_id="c1")
    result, _ = batch.process_item(item, _settings("fail"))
    assert result.status is CallStatus.FAILED and "truncated" in result.errors[0]


def test_flag_mode_processes_and_flags_it(recordings, monkeypatch):
    seen = {}

    def listened(path, settings, call_id=None, given=None):  # the pipeline after decoding, without Whisper
        seen["duration"] = decode(path, accept_truncated=settings.audio.on_truncated == "flag").duration
        return CallResult(call_id=call_id, source=str(path), content_hash="h", settings_hash="s", status=CallStatus.OK)

    monkeypatch.setattr("call_qa.pipeline.process_recording", listened)
    item = batch.WorkItem(path=str(recordings["half.mp3"]), call_id="c2")
    result, _ = batch.process_item(item, _settings("flag"))
    assert result.status is CallStatus.OK and seen["duration"] == pytest.approx(SECONDS / 2, abs=1.0)
    assert len(result.errors) == 1 and "truncated" in result.errors[0] and "flagged" in result.errors[0]
    whole, _ = batch.process_item(batch.WorkItem(path=str(recordings["mp3"]), call_id="c3"), _settings("flag"))
    assert whole.errors == ()
