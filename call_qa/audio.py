"""Decode a recording once into per-channel float arrays at 16 kHz.

Every later stage takes the ``CallAudio`` value; nothing re-reads the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from call_qa.domain import Layout
from call_qa.errors import AudioError
from call_qa.files import file_hash

logger = logging.getLogger("call_qa")

SAMPLE_RATE = 16_000
#: The frame grid of speaker activity and sound classification: 20 ms.
FRAME_S = 0.02
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


def frame_energy_db(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Energy in dB per :data:`FRAME_S` (20 ms) frame; a last partial frame is dropped."""
    hop = int(FRAME_S * sample_rate)
    n = len(signal) // hop
    frames = signal[: n * hop].reshape(n, hop).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)


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


def _check_wav_complete(path: Path) -> None:
    """A WAV whose header promises more audio than the file holds was cut short (an
    interrupted copy): scoring it would judge a call by its first part only."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"fmt ":
            byte_rate = int.from_bytes(head[pos + 16 : pos + 20], "little")
        elif chunk == b"data":
            available = path.stat().st_size - (pos + 8)
            # 0 and 0xFFFFFFFF: a recorder that streams and never finalises the header
            if byte_rate and size not in (0, 0xFFFFFFFF) and available < size * 0.99:
                raise AudioError(
                    f"{path}: truncated: the header promises {size / byte_rate:.1f} s of audio but the file holds "
                    f"only {max(available, 0) / byte_rate:.1f} s (an interrupted copy?); copy or export the recording again"
                )
            return
        pos += 8 + size + (size & 1)


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
    _check_wav_complete(path)
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


def probe_duration(path: str | Path) -> float:
    """Seconds of audio the container says the file holds (0 when it does not say)."""
    import av

    try:
        with av.open(str(path)) as container:
            return (container.duration or 0) / 1_000_000
    except Exception:  # decode() reports unreadable files with the reason
        return 0.0


def decode_pieces(
    path: str | Path, piece_s: float, layout: str = "auto", content_hash: str | None = None
) -> Iterator[tuple[float, CallAudio]]:
    """A long recording as consecutive pieces of ``piece_s`` seconds, decoded as a
    stream: (offset in seconds, the piece as a ``CallAudio``). Memory holds one piece,
    not the call. Stereo/mono is decided on the first piece, as ``decode`` does."""
    import av

    path = Path(path)
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); the recording was not written — re-export it")
    n_channels, rate = _probe(path)
    _check_wav_complete(path)
    two = n_channels == 2 and layout != "mono"
    if layout == "stereo" and not two:
        raise AudioError(f"{path}: --layout stereo was asked for, but the file has {n_channels} channel(s)")
    resampler = av.AudioResampler(format="fltp", layout="stereo" if two else "mono", rate=SAMPLE_RATE)
    piece_len = int(piece_s * SAMPLE_RATE)
    content_hash = content_hash or file_hash(path)
    resolved: list[Layout] = []
    buffer: list[np.ndarray] = []
    buffered = 0
    offset = 0

    def piece(samples: np.ndarray) -> CallAudio:
        channels = tuple(np.ascontiguousarray(c, dtype=np.float32) for c in samples)
        if not resolved:
            stereo = two and (layout == "stereo" or not _copies_of_one_mix(*channels))
            resolved.append(Layout.STEREO if stereo else Layout.MONO)
        if resolved[0] is Layout.MONO and len(channels) == 2:
            channels = (((channels[0] + channels[1]) / 2).astype(np.float32),)
        return CallAudio(str(path), content_hash, channels, resolved[0], n_channels, rate)

    try:
        with av.open(str(path)) as container:
            frames = container.decode(audio=0)
            for frame in _with_flush(frames):
                for out in resampler.resample(frame):
                    buffer.append(out.to_ndarray())
                    buffered += buffer[-1].shape[1]
                    while buffered >= piece_len:
                        joined = np.concatenate(buffer, axis=1)
                        yield offset / SAMPLE_RATE, piece(joined[:, :piece_len])
                        offset += piece_len
                        buffer, buffered = [joined[:, piece_len:]], joined.shape[1] - piece_len
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(
            f"{path}: decoding failed part-way ({type(exc).__name__}: {exc}); the file is probably truncated or corrupt"
        ) from None
    if buffered >= SAMPLE_RATE // 10 or offset == 0:
        if buffered < SAMPLE_RATE // 10:
            raise AudioError(f"{path}: the recording holds no audio (under 0.1 s); nothing to assess")
        yield offset / SAMPLE_RATE, piece(np.concatenate(buffer, axis=1))


def _with_flush(frames: Iterator) -> Iterator:
    """The decoded frames, then None (which flushes the resampler)."""
    for frame in frames:
        frame.pts = None
        yield frame
    yield None


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
