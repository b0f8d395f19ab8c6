"""Issue 20, case 2: what cannot work is found before the first call. Each command exits
2 with the key and the file named, in under 5 s (no model loaded, no call started)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from call_qa.cli import EXIT_USAGE, main
from call_qa.config import CONFIG_BASE, PipelineSettings, load_settings
from call_qa.config_check import check_settings
from sample_truth import ROOT, SAMPLES


def _config(tmp_path: Path, **changes) -> Path:
    raw = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text())
    for dotted, value in changes.items():
        section = raw
        *parents, last = dotted.split(".")
        for key in parents:
            section = section.setdefault(key, {})
        section[last] = value
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_the_shipped_settings_have_no_problem():
    assert check_settings(load_settings()) == []


def _day(tmp_path: Path) -> Path:
    day = tmp_path / "rec" / "2026-11-27"
    day.mkdir(parents=True)
    shutil.copy(SAMPLES / "en_stereo_interrupt.flac", day / "0001.flac")
    transcript = tmp_path / "t.json"
    transcript.write_text('{"call_id": "t", "language": "en", "duration_s": 1, "utterances": []}')
    (tmp_path / "mail.txt").write_text("Hello")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return day


COMMANDS = {
    "process": lambda t, cfg: ["process", str(t / "rec"), "--config", str(cfg), "--db", f"sqlite:///{t}/x.db"],
    "backfill": lambda t, cfg: ["backfill", "--from", "2026-11-27", "--recordings", str(t / "rec"), "--config", str(cfg),
                                "--db", f"sqlite:///{t}/x.db"],
    "schedule": lambda t, cfg: ["schedule", "--config", str(cfg)],
    "eval": lambda t, cfg: ["eval", str(t / "corpus"), "--config", str(cfg)],
    "score-transcript": lambda t, cfg: ["score-transcript", str(t / "t.json"), "--config", str(cfg), "--no-db"],
    "score-email": lambda t, cfg: ["score-email", str(t / "mail.txt"), "--config", str(cfg), "--no-db"],
}

CASES = {
    "missing rubric": ({"rubric.phone_rubric": "/nowhere/phone.yaml"}, "rubric.phone_rubric", "/nowhere/phone.yaml"),
    "missing model folder": ({"asr.models": {"default": "/srv/models/whisper-small"}}, "asr.models.default",
                             "/srv/models/whisper-small"),
    "auto on English-only": ({"language": "auto", "asr.models": {"default": "bundled:tiny.en"}}, "asr.models.default",
                             "bundled:tiny.en"),
    "unknown bundled model": ({"asr.models": {"default": "bundled:large-v3"}}, "asr.models.default", "bundled:large-v3"),
    "cuda without GPU": ({"asr.device": "cuda"}, "asr.device", "no CUDA GPU"),
    "missing knowledge base": ({"rubric.knowledge_base": "/kb/pajak.yaml"}, "rubric.knowledge_base", "/kb/pajak.yaml"),
    "missing semantic examples": ({"rubric.semantic.examples": "/x/semantic.yaml"}, "rubric.semantic.examples", "/x/semantic.yaml"),
    "missing encoder": ({"rubric.semantic.encoders": {"id": "/models/labse"}}, "rubric.semantic.encoders.id", "/models/labse"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CASES))
def test_each_command_exits_2_naming_the_key_and_the_file(tmp_path, capsys, monkeypatch, command, case):
    monkeypatch.setattr("call_qa.config_check.gpu_count", lambda: 0)  # a machine without a GPU (ctranslate2's count)
    changes, key, named = CASES[case]
    _day(tmp_path)
    cfg = _config(tmp_path, **changes)
    start = time.perf_counter()
    assert main(COMMANDS[command](tmp_path, cfg)) == EXIT_USAGE
    took = time.perf_counter() - start
    err = capsys.readouterr().err
    assert key in err and named in err and str(cfg) in err, err
    assert took < 5.0


def test_roles_cues_are_checked_in_the_cues_folder(tmp_path):
    cues = tmp_path / "cues"
    shutil.copytree(CONFIG_BASE / "configs" / "cues", cues)
    (cues / "roles.yaml").unlink()
    s = PipelineSettings()
    s = s.model_copy(update={"rubric": s.rubric.model_copy(update={"cues_dir": str(cues)})})
    (problem,) = check_settings(s)
    assert problem.key == "rubric.cues_dir" and problem.value == str(cues / "roles.yaml")


def test_indonesian_on_an_english_only_model_is_a_problem():
    s = PipelineSettings(language="id", asr={"models": {"default": "bundled:whisper-base", "id": "bundled:tiny.en"}})
    (problem,) = check_settings(s)
    assert problem.key == "asr.models.id" and "Indonesian" in problem.reason
    assert check_settings(PipelineSettings(language="en", asr={"models": {"default": "bundled:tiny.en"}})) == []


def test_the_flows_refuse_to_start_with_a_problem():
    from call_qa.config_check import require_valid
    from call_qa.errors import ConfigError

    with pytest.raises(ConfigError, match="rubric.procedures"):
        require_valid(PipelineSettings(rubric={"procedures": "/nowhere.yaml"}), "site.yaml")
