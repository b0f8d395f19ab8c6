"""Decode a recording once into per-channel float arrays at 16 kHz.

Every later stage takes the ``CallAudio`` value; nothing re-reads the file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from call_qa.domain import Layout
from call_qa.errors import AudioError

logger = logging.getLogger("call_qa")

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".amr", ".gsm")
# Below this correlation two channels carry different parties; above it a "stereo"
# file is one mono mix written twice (common with some recorders, and jfk.flac).
_DUPLICATE_CHANNEL_CORR = 0.98


@dataclass(frozen=True, eq=False)
class CallAudio:
    """A decoded call. ``channels`` are float32 arrays at ``sample_rate`` (16 kHz),
    one per party for stereo recordings, one mixed channel for mono."""

    source: str
    content_hash: str
    channels: tuple[np.ndarray, ...]
    layout: Layout
    original_channels: int
    original_sample_rate: int
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate

    @property
    def mix(self) -> np.ndarray:
        """All channels summed into one (for mono processing and music detection)."""
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes: the identity of a recording for skip/re-process."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _probe(path: Path) -> tuple[int, int]:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: the file has no audio stream; is it really a call recording?")
            stream = container.streams.audio[0]
            return stream.channels, stream.sample_rate or 0
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(
            f"{path}: cannot be decoded as audio ({type(exc).__name__}: {exc}); "
            f"check that the file is a complete WAV/FLAC/MP3 recording and re-export it from the recorder"
        ) from None


def decode(path: str | Path, layout: str = "auto", content_hash: str | None = None) -> CallAudio:
    """Read a recording into a ``CallAudio``.

    ``layout``: ``stereo`` keeps the two channels apart (one party each), ``mono``
    mixes them, ``auto`` keeps two channels unless they are copies of one mix.
    Raises ``AudioError`` with an actionable message for unreadable or empty files.
    """
    from faster_whisper.audio import decode_audio

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); the recording was not written — re-export it")
    n_channels, rate = _probe(path)
    try:
        if n_channels == 2 and layout != "mono":
            left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True)
            channels: tuple[np.ndarray, ...] = (left, right)
        else:
            channels = (decode_audio(str(path), sampling_rate=SAMPLE_RATE),)
    except Exception as exc:
        raise AudioError(
            f"{path}: decoding failed part-way ({type(exc).__name__}: {exc}); the file is probably truncated or corrupt"
        ) from None
    if len(channels[0]) < SAMPLE_RATE // 10:
        raise AudioError(f"{path}: the recording holds no audio (under 0.1 s); nothing to assess")
    if n_channels > 2:
        logger.warning("%s: %d channels; mixed to mono", path, n_channels)

    resolved = Layout.MONO
    if len(channels) == 2:
        if layout == "stereo" or not _copies_of_one_mix(*channels):
            resolved = Layout.STEREO
        else:
            channels = ((channels[0] + channels[1]) / 2,)
    if layout == "stereo" and resolved is not Layout.STEREO:
        raise AudioError(f"{path}: --layout stereo was asked for, but the file has {n_channels} channel(s)")
    return CallAudio(
        source=str(path),
        content_hash=content_hash or file_hash(path),
        channels=tuple(np.ascontiguousarray(c, dtype=np.float32) for c in channels),
        layout=resolved,
        original_channels=n_channels,
        original_sample_rate=rate,
    )


def _copies_of_one_mix(a: np.ndarray, b: np.ndarray) -> bool:
    if not a.any() or not b.any():
        return False
    corr = float(np.corrcoef(a, b)[0, 1])
    return corr > _DUPLICATE_CHANNEL_CORR


def find_recordings(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders into a sorted list of recordings (folders recursively)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES))
        else:
            found.append(p)
    return found
