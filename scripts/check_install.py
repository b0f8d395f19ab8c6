"""Fail the set-up when a later install replaced the pinned torch (docs/environment.md)."""

import sys
from importlib.metadata import version

EXPECTED = {"torch": "2.9.1", "torchaudio": "2.9.1", "pyannote.audio": "4.0.7", "faster-whisper": "1.2.1"}

wrong = {name: version(name) for name in EXPECTED if not version(name).startswith(EXPECTED[name])}
if wrong:
    sys.exit(f"error: pinned packages were replaced: {wrong}; expected {EXPECTED}. Remove .venv and run `make setup`.")
import pyannote.audio  # noqa: E402,F401  (fails when torch/torchaudio/torchcodec do not match)

print("install check: " + ", ".join(f"{n} {version(n)}" for n in EXPECTED))
