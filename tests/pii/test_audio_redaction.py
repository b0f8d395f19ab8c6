"""The redacted audio copy: the finding's span (plus padding) is silence or a 1 kHz
tone on the speaker's channel only; every other sample is bit-identical."""

import numpy as np
import pytest
import soundfile as sf

from call_qa.domain import PersonalDataFinding, PersonalDataType as T, Role
from call_qa.pii.audio import AudioRedactionError, redact_audio_file

RATE = 8000


def finding(speaker: str, start: float, end: float) -> PersonalDataFinding:
    return PersonalDataFinding(T.NIK, start, end, speaker, Role.CUSTOMER, ((0, 0),), 0.9, None)


def write_noise(path, channels: int, seconds: float = 4.0, fmt: str = "WAV"):
    rng = np.random.default_rng(3)
    data = rng.integers(-8000, 8000, size=(int(seconds * RATE), channels), dtype=np.int16)
    sf.write(str(path), data, RATE, subtype="PCM_16", format=fmt)
    return data


@pytest.mark.parametrize("suffix, fmt", [(".wav", "WAV"), (".flac", "FLAC")])
def test_stereo_silence_on_the_speakers_channel_only(tmp_path, suffix, fmt):
    src, out = tmp_path / f"call{suffix}", tmp_path / f"red{suffix}"
    original = write_noise(src, 2, fmt=fmt)
    redact_audio_file(src, [finding("ch0", 1.0, 1.5)], out, fill="silence", pad_s=0.1)
    red, rate = sf.read(str(out), dtype="int16", always_2d=True)
    assert rate == RATE and red.shape == original.shape
    a, b = int(0.9 * RATE), int(1.6 * RATE)  # 0.1 s padding each side
    assert np.all(red[a:b, 0] == 0)
    assert np.array_equal(red[:a, 0], original[:a, 0]) and np.array_equal(red[b:, 0], original[b:, 0])
    assert np.array_equal(red[:, 1], original[:, 1])  # the other party untouched


def test_tone_is_1khz_and_mono_gets_it_too(tmp_path):
    src, out = tmp_path / "mono.wav", tmp_path / "red.wav"
    original = write_noise(src, 1)
    redact_audio_file(src, [finding("spk1", 2.0, 3.0)], out, fill="tone", pad_s=0.0)
    red, _ = sf.read(str(out), dtype="int16", always_2d=True)
    a, b = 2 * RATE, 3 * RATE
    span = red[a:b, 0].astype(float)
    spectrum = np.abs(np.fft.rfft(span))
    peak_hz = np.argmax(spectrum) * RATE / len(span)
    assert abs(peak_hz - 1000.0) <= 1.0
    assert abs(np.max(np.abs(span)) / 32767 - 0.1) < 0.01  # -20 dBFS
    assert np.array_equal(red[:a], original[:a]) and np.array_equal(red[b:], original[b:])


def test_missing_recording_is_an_actionable_error(tmp_path):
    with pytest.raises(AudioRedactionError, match="not found"):
        redact_audio_file(tmp_path / "gone.wav", [], tmp_path / "out.wav")


def test_cli_redact_audio(tmp_path, monkeypatch):
    """call-qa redact-audio CALL_ID --out FILE on a stored call."""
    from call_qa import db as dbmod
    from call_qa.cli import main
    from call_qa.domain import CallResult, CallStatus

    src = tmp_path / "call.wav"
    original = write_noise(src, 2)
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    database = dbmod.open_database(url)
    dbmod.save_call_result(database, CallResult(
        call_id="c1", source=str(src), content_hash="x", settings_hash="y", status=CallStatus.OK, duration_s=4.0,
        channels=2, personal_data=(finding("ch1", 0.5, 1.0),)))
    database.close()
    out = tmp_path / "shared.wav"
    assert main(["redact-audio", "c1", "--out", str(out), "--db", url, "--fill", "silence"]) == 0
    red, _ = sf.read(str(out), dtype="int16", always_2d=True)
    a, b = int(0.35 * RATE), int(1.15 * RATE)  # default padding 0.15 s
    assert np.all(red[a:b, 1] == 0) and np.array_equal(red[:, 0], original[:, 0])
    assert main(["redact-audio", "nope", "--out", str(out), "--db", url]) == 2
