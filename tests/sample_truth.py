"""Paths to the bundled sample calls and a reader for their truth files."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_audio"
SHARED_DATA = ROOT.parent / "shared" / "data"


def load_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data (real recordings made outside this project).

    CI always has ../shared beside the clone, so there a missing file fails the test;
    elsewhere (a clone on its own) the test is skipped with the reason.
    """
    import os

    import pytest

    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must lay ../shared beside the clone")
        pytest.skip(f"{path} not found (../shared is not beside this clone)")
    return path
