"""/calls/{id}/audio serves the toned copy to every role without privacy.reveal_roles
and the original only to a revealing role, both logged; the copy is cached under the
call-qa home and retention deletes it with the original.

The call: a caller reads her NIK 16.5–23.0 s on ch0 (the left channel) of a real
stereo WAV of two steady tones (440 Hz left, 660 Hz right), so where the copy differs
from the original is known by hand: ch0 inside the NIK's seconds (± the 0.15 s pad)
becomes the 1 kHz redaction tone; everything else is sample-for-sample the original.
"""

from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from call_qa import db as dbmod
from call_qa.compose import conclude
from call_qa.config import PipelineSettings
from call_qa.domain import Heard, Layout, Role, RoleAssignment
from call_qa.rubric.transcript import activity_from_utterances
from web_samples import write_wav
from web_support import login, new_client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pii"))
from pii_helpers import utt  # noqa: E402

CALL_ID = "2026-11-27_0777"
RATE = 16000
NIK_START, NIK_END, PAD = 16.5, 23.0, 0.15


def _call(source: Path) -> Heard:
    A, C = Role.AGENT, Role.CUSTOMER
    utts = (
        utt(0.0, 4.0, A, "Selamat pagi, Kring Pajak dengan Sari, ada yang bisa dibantu?"),
        utt(4.5, 8.0, C, "Selamat pagi, saya mau tanya soal EFIN saya."),
        utt(12.5, 16.0, A, "Untuk verifikasi, boleh disebutkan NIK Ibu?"),
        utt(NIK_START, NIK_END, C, "tiga satu tujuh empat nol lima lima dua nol delapan delapan lima nol nol nol tiga"),
        utt(23.5, 27.0, A, "Baik, terima kasih, EFIN sudah kami kirim ulang."),
    )
    roles = {"ch1": A, "ch0": C}
    return Heard(source=str(source), content_hash="e" * 64, duration=30.0, layout=Layout.STEREO,
                 original_channels=2, activity=activity_from_utterances(utts), utterances=utts, language="id",
                 assignment=RoleAssignment(roles, {k: 0.9 for k in roles}, "hand-built"))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CALL_QA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def recording(tmp_path) -> Path:
    return write_wav(tmp_path / "nik_call.wav", seconds=30.0, rate=RATE)


@pytest.fixture
def site(database, recording, home):
    base = PipelineSettings()
    settings = base.model_copy(update={"privacy": base.privacy.model_copy(update={"reveal_roles": ("admin",)}),
                                       "web": base.web.model_copy(update={"utc_offset_minutes": 0})})
    dbmod.save_call_result(database, conclude(_call(recording), settings, CALL_ID))
    from call_qa.web.app import create_app

    return create_app(settings=settings, database=database), settings


def _client(app, user):
    client = new_client(app)
    assert login(client, user).status_code == 303
    return client


def test_a_supervisor_hears_the_nik_toned(site, database, recording, home):
    app, _ = site
    response = _client(app, "sam").get(f"/calls/{CALL_ID}/audio")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    assert response.content != recording.read_bytes()
    served, rate = sf.read(io.BytesIO(response.content), dtype="int16", always_2d=True)
    original, _ = sf.read(str(recording), dtype="int16", always_2d=True)
    assert rate == RATE and served.shape == original.shape
    a, b = int(round((NIK_START - PAD) * RATE)), int(round((NIK_END + PAD) * RATE))
    # outside the NIK, and on the agent's channel throughout: the original samples
    assert np.array_equal(served[:a], original[:a]) and np.array_equal(served[b:], original[b:])
    assert np.array_equal(served[:, 1], original[:, 1])
    # inside it, on the caller's channel: the 1 kHz tone, not the 440 Hz original
    seg = served[a:b, 0].astype(float)
    spectrum = np.abs(np.fft.rfft(seg))
    assert np.fft.rfftfreq(len(seg), 1 / RATE)[int(np.argmax(spectrum))] == pytest.approx(1000, abs=2)
    # cached under the call-qa home: a second request reuses the same file
    (copy,) = (home / "redacted-audio").iterdir()
    mtime = copy.stat().st_mtime_ns
    assert _client(app, "alice").get(f"/calls/{CALL_ID}/audio").content == response.content
    assert copy.stat().st_mtime_ns == mtime
    # serving the toned copy is not logged (the page preloads it; playback is logged when
    # it starts, /played: test_web_officer.py); only the original's serving is
    entries, _ = dbmod.access_log(database, call_id=CALL_ID)
    assert not [e for e in entries if e.action in ("play_audio", "play_original_audio")]


def test_only_a_revealing_role_gets_the_original_and_it_is_logged(site, database, recording):
    app, _ = site
    response = _client(app, "ada").get(f"/calls/{CALL_ID}/audio")
    assert response.status_code == 200 and response.content == recording.read_bytes()
    entries, _ = dbmod.access_log(database, call_id=CALL_ID)
    assert ("ada", "play_original_audio") in [(e.user, e.action) for e in entries]


def test_retention_deletes_the_copy_with_the_original(site, database, recording, home):
    import datetime as dt

    from call_qa.pii.retention import apply_retention

    app, settings = site
    assert _client(app, "sam").get(f"/calls/{CALL_ID}/audio").status_code == 200
    assert len(list((home / "redacted-audio").iterdir())) == 1
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=settings.privacy.audio_retention_days + 1)
    report = apply_retention(database, settings.privacy, later)
    (record,) = [r for r in report.audio if r.call_id == CALL_ID]
    assert not recording.exists() and list((home / "redacted-audio").iterdir()) == []
    assert "redacted copy (1 file(s)) too" in record.detail
