"""Facts about files as bytes, whatever they hold (a recording, an email, model weights)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes: the identity of a recording for skip/re-process."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
