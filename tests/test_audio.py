"""Decoding real recordings, and the errors a person gets for bad files."""

import hashlib

import numpy as np
import pytest

from call_qa.audio import FRAME_S, decode, frame_energy_db
from call_qa.domain import Layout
from call_qa.errors import AudioError
from call_qa.files import file_hash

from sample_truth import shared_data


def test_stereo_file_keeps_one_party_per_channel():
    a = decode(shared_data("stereo_two_sentences", "stereo_diarization.wav"))
    assert a.layout is Layout.STEREO and len(a.channels) == 2
    assert a.sample_rate == 16000 and a.duration == pytest.approx(5.0, abs=0.05)


def test_stereo_file_with_identical_channels_is_mono():
    a = decode(shared_data("jfk", "jfk.flac"))  # PROVENANCE: channels identical
    assert a.layout is Layout.MONO and a.original_channels == 2
    assert a.duration == pytest.approx(11.0, abs=0.05)


def test_unsigned_8bit_8khz_call_decodes():
    a = decode(shared_data("calls_unlabelled", "pca_Auto0_GUID_000_AGENT_ChrisL_Mono.wav"))
    assert a.original_sample_rate == 8000 and a.duration == pytest.approx(277.66, abs=0.1)
    assert np.abs(a.channels[0]).max() <= 1.0


def test_empty_truncated_and_non_audio_files_say_what_is_wrong(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        decode(empty)
    text = tmp_path / "notes.wav"
    text.write_text("this is not a recording")
    with pytest.raises(AudioError, match="cannot be decoded"):
        decode(text)
    header_only = tmp_path / "header.wav"
    header_only.write_bytes((shared_data("stereo_two_sentences", "stereo_diarization.wav")).read_bytes()[:44])
    with pytest.raises(AudioError):
        decode(header_only)
    with pytest.raises(AudioError, match="layout stereo"):
        decode(shared_data("calls_unlabelled", "google_commercial_mono.wav"), layout="stereo")


def test_frame_energy_is_the_mean_power_of_each_20ms_frame_in_db():
    rate = 16000
    hop = int(FRAME_S * rate)  # 320 samples
    # frame 1: constant 0.5 (power 0.25 -> -6.02 dB); frame 2: +-0.1 (power 0.01 -> -20 dB);
    # the last 100 samples do not fill a frame and are dropped
    signal = np.concatenate([np.full(hop, 0.5), np.tile([0.1, -0.1], hop // 2), np.ones(100)]).astype(np.float32)
    energy = frame_energy_db(signal, rate)
    assert energy.shape == (2,)
    assert energy == pytest.approx([10 * np.log10(0.25), -20.0], abs=1e-4)


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "call.bin"
    path.write_bytes(b"x" * (3 << 20))  # several read blocks
    assert file_hash(path) == hashlib.sha256(b"x" * (3 << 20)).hexdigest()
