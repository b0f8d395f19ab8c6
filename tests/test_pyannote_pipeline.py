"""The configured pyannote.audio pipeline path, end to end, with the real pyannote code.

No pretrained pyannote weights can be installed here (docs/environment.md), so the test
builds a *randomly initialised* pipeline the way a site's copy of
speaker-diarization-community-1 is laid out: ``segmentation/pytorch_model.bin`` (PyanNet),
``embedding/pytorch_model.bin`` (x-vector), ``plda/{xvec_transform,plda}.npz`` and a
``config.yaml`` naming them with ``$model/…``. ``Pipeline.from_pretrained`` loads it from
the folder and runs it for real; the speakers it finds are meaningless (random weights),
so the test checks the code path: loading once per process, the speaker-count arguments,
audio passed in memory, and the conversion to ``SpeakerActivity``.
"""

from pathlib import Path

import numpy as np
import pytest

from call_qa import models
from call_qa.audio import CallAudio
from call_qa.config import DiarizationSettings, VadSettings
from call_qa.diarization import speaker_activity
from call_qa.domain import Layout, Span
from call_qa.errors import ModelError
from call_qa.pyannote_pipeline import annotation_to_activity, speaker_counts


def _save_model(model, specifications, folder: Path) -> None:
    import lightning
    import pyannote.audio
    import torch

    model.specifications = specifications
    model.setup()  # builds the task-dependent layers, as training would
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
        # what pyannote's Model.on_save_checkpoint writes
        "pyannote.audio": {
            "versions": {"pyannote.audio": pyannote.audio.__version__},
            "architecture": {"module": type(model).__module__, "class": type(model).__name__},
            "specifications": specifications,
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, folder / "pytorch_model.bin")


def build_random_pipeline(root: Path) -> Path:
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorSincNet
    from pyannote.audio.models.segmentation import PyanNet

    torch.manual_seed(0)
    _save_model(
        PyanNet(sincnet={"stride": 10}, lstm={"hidden_size": 16, "num_layers": 1}, linear={"hidden_size": 16, "num_layers": 1}),
        Specifications(problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME, duration=5.0,
                       classes=["s1", "s2", "s3"], powerset_max_classes=2, permutation_invariant=True),
        root / "segmentation",
    )
    _save_model(XVectorSincNet(sincnet={"stride": 10}, dimension=32),
                Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=2.0), root / "embedding")
    rng = np.random.RandomState(0)
    dim, lda = 32, 16
    (root / "plda").mkdir()
    np.savez(root / "plda" / "xvec_transform.npz", mean1=rng.randn(dim) * 0.01, mean2=rng.randn(lda) * 0.01,
             lda=np.linalg.qr(rng.randn(dim, lda))[0])
    np.savez(root / "plda" / "plda.npz", mu=np.zeros(lda), tr=np.eye(lda) + 0.01 * rng.randn(lda, lda), psi=np.linspace(2.0, 0.5, lda))
    config = {
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {"segmentation": "$model/segmentation", "embedding": "$model/embedding", "plda": "$model/plda",
                       "segmentation_step": 0.5, "embedding_batch_size": 16, "segmentation_batch_size": 8},
        },
        "params": {"segmentation": {"min_duration_off": 0.0}, "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8}},
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def test_speaker_counts_follow_the_settings():
    assert speaker_counts(DiarizationSettings(num_speakers=2, max_speakers=3)) == {"min_speakers": 2, "max_speakers": 3}
    assert speaker_counts(DiarizationSettings(num_speakers=2, max_speakers=2)) == {"num_speakers": 2}


def test_annotation_keeps_overlap_and_orders_labels_by_first_speech():
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    ann[Segment(5.0, 9.0)] = "SPEAKER_00"
    ann[Segment(1.0, 6.0)] = "SPEAKER_01"  # speaks first, overlaps 5–6
    ann[Segment(6.0, 7.0)] = "SPEAKER_01"  # touching turn merges
    activity = annotation_to_activity(ann)
    assert activity.method == "pyannote" and activity.layout is Layout.MONO
    assert activity.speakers == {"spk0": (Span(1.0, 7.0),), "spk1": (Span(5.0, 9.0),)}


def test_missing_folder_and_hub_id_offline_give_actionable_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("CALL_QA_HUB", raising=False)
    with pytest.raises(ModelError, match="not found"):
        models.load_pyannote_pipeline(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no config.yaml"):
        models.load_pyannote_pipeline(str(tmp_path / "empty"))
    with pytest.raises(ModelError, match="hub is off"):
        models.load_pyannote_pipeline("pyannote/speaker-diarization-community-1")


@pytest.mark.slow
def test_configured_local_pipeline_runs_end_to_end_in_memory(tmp_path, monkeypatch):
    from pyannote.audio import Pipeline

    folder = build_random_pipeline(tmp_path / "pipeline")
    calls = []
    real_call = Pipeline.__call__

    def spy(self, file, **kwargs):  # records what the real pipeline was given, then runs it
        calls.append((file, kwargs))
        return real_call(self, file, **kwargs)

    monkeypatch.setattr(Pipeline, "__call__", spy)
    rng = np.random.RandomState(1)
    t = np.arange(6 * 16000) / 16000
    mix = (0.1 * np.sin(2 * np.pi * 180 * t) * (t < 3) + 0.1 * np.sin(2 * np.pi * 260 * t) * (t >= 3)
           + 0.01 * rng.randn(len(t))).astype(np.float32)
    call = CallAudio("mem.wav", "0" * 64, (mix,), Layout.MONO, 1, 16000)
    options = DiarizationSettings(pyannote_pipeline=str(folder), num_speakers=2, max_speakers=3)

    models.load_pyannote_pipeline.cache_clear()
    activity = speaker_activity(call, VadSettings(), options)
    assert activity.method == "pyannote" and activity.layout is Layout.MONO
    for label, spans in activity.speakers.items():
        assert label.startswith("spk")
        assert all(0.0 <= s.start < s.end <= 6.0 + 1e-6 for s in spans)
    (file, kwargs), = calls
    assert {"waveform", "sample_rate"} <= set(file) and "audio" not in file and file["sample_rate"] == 16000
    assert tuple(file["waveform"].shape) == (1, len(mix))  # the call's samples, not a path
    assert kwargs == {"min_speakers": 2, "max_speakers": 3}

    # loaded once per process: a second call reuses the same pipeline object
    first = models.load_pyannote_pipeline(str(folder), "HF_TOKEN", "cpu")
    speaker_activity(call, VadSettings(), options.model_copy(update={"max_speakers": 2}))
    assert models.load_pyannote_pipeline(str(folder), "HF_TOKEN", "cpu") is first
    assert models.load_pyannote_pipeline.cache_info().misses == 1
    assert calls[-1][1] == {"num_speakers": 2}
    models.load_pyannote_pipeline.cache_clear()
