"""Paths to the bundled sample calls and a reader for their truth files."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_audio"
SHARED_DATA = ROOT.parent / "shared" / "data"


def load_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))
