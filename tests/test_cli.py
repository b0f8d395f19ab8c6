"""The command line's contract (docs/interfaces.md): exit codes and messages."""

import json
import os
import shutil

import pytest

from call_qa.cli import EXIT_NO_DATABASE, EXIT_USAGE, build_parser, main
from sample_truth import SAMPLES


def test_help_lists_the_commands():
    text = build_parser().format_help()
    assert "process" in text and "eval" in text


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["process", str(tmp_path / "nope.wav"), "--db", f"sqlite:///{tmp_path}/x.db"]) == EXIT_USAGE
    assert "not found" in capsys.readouterr().err


def test_folder_without_recordings_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["process", str(tmp_path), "--db", f"sqlite:///{tmp_path}/x.db"]) == EXIT_USAGE
    assert "no recordings" in capsys.readouterr().err


def test_bad_config_names_the_key(tmp_path, capsys):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("timing:\n  dead_air_seconds: 3\n")
    assert main(["process", str(SAMPLES), "--config", str(cfg)]) == EXIT_USAGE
    assert "timing.dead_air_seconds" in capsys.readouterr().err


def test_unreachable_database_exits_3(tmp_path, capsys):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert main(["process", str(SAMPLES / "en_stereo_interrupt.flac"), "--db", url]) == EXIT_NO_DATABASE
    err = capsys.readouterr().err
    assert "127.0.0.1:1" in err


def test_database_url_from_environment(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CALL_QA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["process", str(SAMPLES / "en_stereo_interrupt.flac")]) == EXIT_NO_DATABASE


def test_eval_without_truth_is_a_usage_error(tmp_path, capsys):
    shutil.copy(SAMPLES / "en_stereo_interrupt.flac", tmp_path / "call.flac")
    assert main(["eval", str(tmp_path)]) == EXIT_USAGE
    assert "ground truth" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_on_a_sample_call_agrees_with_its_truth(tmp_path, capsys):
    for suffix in (".flac", ".truth.json"):
        (tmp_path / f"en_stereo_interrupt{suffix}").symlink_to(SAMPLES / f"en_stereo_interrupt{suffix}")
    assert main(["eval", str(tmp_path), "--json", "--save", str(tmp_path / "report.json")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads((tmp_path / "report.json").read_text())
    overall = report["overall"]
    # stereo: channels are the parties, so roles and the interruption must be exact
    assert overall["role_accuracy"] >= 0.95
    assert overall["events"]["interruption_by_agent"]["f1"] == 1.0
    assert overall["der"]["0.25"] < 0.10
    # espeak English through Whisper base: docs/environment.md measured 12-25 % WER
    assert overall["wer"] < 0.25
    assert overall["rubric_agreement"] >= 0.8


def test_backfill_takes_language(tmp_path, monkeypatch, capsys):
    """Issue 20: `backfill --language` overrides the configured language, as `process` does."""
    import flows.process

    (tmp_path / "rec" / "2026-11-27").mkdir(parents=True)
    seen = []

    def day_run(day, settings, db_url, out, root, progress):
        seen.append(settings.language)
        from call_qa.batch import summarise

        return summarise(f"calls-{day}", [], 0.0)

    monkeypatch.setattr(flows.process, "run_process_day", day_run)
    args = ["backfill", "--from", "2026-11-27", "--recordings", str(tmp_path / "rec"), "--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*args, "--language", "en"]) == 0
    assert main(args) == 0
    assert seen == ["en", "auto"]
