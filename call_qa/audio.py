"""Decode a recording once into per-channel float arrays at 16 kHz.

Every later stage takes the ``CallAudio`` value; nothing re-reads the file.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
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


def _wav_declared(path: Path) -> tuple[float, float] | None:
    """(seconds the RIFF header promises, seconds the file holds) of a WAV, or None
    for another container or a header that does not say (0 / 0xFFFFFFFF: a recorder
    that streams and never finalises the header)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"fmt ":
            byte_rate = int.from_bytes(head[pos + 16 : pos + 20], "little")
        elif chunk == b"data":
            if not byte_rate or size in (0, 0xFFFFFFFF):
                return None
            available = max(path.stat().st_size - (pos + 8), 0)
            return size / byte_rate, min(available, size) / byte_rate
        pos += 8 + size + (size & 1)
    return None


def _ogg_end_problem(path: Path) -> str | None:
    """Ogg (Opus, Vorbis): the stream's total length is only known from its last page,
    so a cut file looks complete to a decoder. A complete stream ends with a whole page
    flagged end-of-stream (RFC 3533); anything else is a truncated file."""
    size = path.stat().st_size
    with path.open("rb") as f:
        if f.read(4) != b"OggS":
            return None
        f.seek(max(size - 65_536 - 282, 0))
        tail = f.read()
    start = tail.rfind(b"OggS")
    page = tail[start:] if start >= 0 else b""
    if len(page) < 27:
        return "the Ogg stream ends inside a page header"
    n_segments = page[26]
    if len(page) < 27 + n_segments:
        return "the Ogg stream ends inside a page header"
    body = sum(page[27 : 27 + n_segments])
    if len(page) < 27 + n_segments + body:
        return f"the last Ogg page is cut ({len(page) - 27 - n_segments} of {body} bytes)"
    if not page[5] & 0x04:
        return "the Ogg stream ends without its end-of-stream page"
    return None


def _declared_and_present(path: Path) -> tuple[float | None, float]:
    """(seconds the container declares, or None; seconds of packets it holds), read
    by demuxing without decoding (milliseconds for an hour of audio)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        declared = None
        if stream.duration and stream.time_base:
            declared = float(stream.duration * stream.time_base)
        elif container.duration:
            declared = container.duration / 1_000_000
        end = 0.0
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return declared, end


def truncation(path: str | Path, tolerance_s: float = 0.5) -> str | None:
    """Why the recording stops before the end its container declares, or None when it
    is complete (or the container declares nothing to compare with). WAV: the RIFF
    header's data size against the bytes present; Ogg/Opus: the end-of-stream page;
    FLAC, MP3 (Xing/Info header), M4A …: the declared duration against the end of the
    last packet. ``tolerance_s``: how much shorter than declared is still complete."""
    path = Path(path)
    try:
        wav = _wav_declared(path)
        if wav is not None:
            declared, present = wav
        else:
            ogg = _ogg_end_problem(path)
            if ogg is not None:
                return (f"{path}: truncated: {ogg} (an interrupted copy?); copy or export the recording again")
            declared, present = _declared_and_present(path)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by decode(), with its reason
        return None
    if declared is None or present >= declared - tolerance_s:
        return None
    return (
        f"{path}: truncated: the header promises {declared:.1f} s of audio but the file holds only "
        f"{present:.1f} s (an interrupted copy?); copy or export the recording again"
    )


def _check_complete(path: Path, accept_truncated: bool, tolerance_s: float) -> None:
    """A recording cut short (an interrupted copy) scored as a whole call would be judged
    by its first part only: fail it, unless the settings accept it (then the batch
    flags the call, call_qa/batch.py)."""
    problem = truncation(path, tolerance_s)
    if problem is None:
        return
    if not accept_truncated:
        raise AudioError(problem)
    logger.warning("%s (processed: audio.on_truncated is flag)", problem)


def decode(
    path: str | Path,
    layout: str = "auto",
    content_hash: str | None = None,
    accept_truncated: bool = False,
    tolerance_s: float = 0.5,
) -> CallAudio:
    """Read a recording into a ``CallAudio``.

    ``layout``: ``stereo`` keeps the two channels apart (one party each), ``mono``
    mixes them, ``auto`` keeps two channels unless they are copies of one mix.
    Raises ``AudioError`` with an actionable message for unreadable, empty or
    truncated files (:func:`truncation`; ``accept_truncated``: decode what is there).
    """
    from faster_whisper.audio import decode_audio

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); the recording was not written — re-export it")
    n_channels, rate = _probe(path)
    _check_complete(path, accept_truncated, tolerance_s)
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
    path: str | Path,
    piece_s: float,
    layout: str = "auto",
    content_hash: str | None = None,
    accept_truncated: bool = False,
    tolerance_s: float = 0.5,
) -> Iterator[tuple[float, CallAudio]]:
    """A long recording as consecutive pieces of ``piece_s`` seconds, decoded as a
    stream: (offset in seconds, the piece as a ``CallAudio``). Memory holds one piece,
    not the call. Stereo/mono is decided on the first piece, as ``decode`` does."""
    import av

    path = Path(path)
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); the recording was not written — re-export it")
    n_channels, rate = _probe(path)
    _check_complete(path, accept_truncated, tolerance_s)
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


@dataclass(frozen=True)
class Inputs:
    """What a batch was given: every entry named like a recording (each becomes a call,
    stored as failed with the reason when it cannot be opened: :func:`input_problem`),
    and the entries that are no call, each with the reason it is skipped (a folder
    named like a recording, a folder that cannot be read, a folder loop)."""

    recordings: tuple[Path, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def _is_audio_name(name: str) -> bool:
    return Path(name).suffix.lower() in AUDIO_SUFFIXES


def find_inputs(paths: list[str | Path]) -> Inputs:
    """Expand files and folders (recursively, following links to folders once) into
    the sorted recordings and the skipped entries. Broken links, link loops, FIFOs and
    unreadable files named like recordings are recordings here: they fail, on record."""
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for p in map(Path, paths):
        if not p.is_dir():
            found.append(p)
            continue
        seen: set[tuple[int, int]] = set()
        in_folder: list[Path] = []

        def unreadable(exc: OSError) -> None:
            skipped.append((str(exc.filename), f"folder cannot be read ({exc.strerror or exc}); its recordings are not processed"))

        for folder, dirnames, filenames in os.walk(p, followlinks=True, onerror=unreadable):
            st = os.stat(folder)
            seen.add((st.st_dev, st.st_ino))
            for d in list(dirnames):
                full = os.path.join(folder, d)
                try:
                    key = (os.stat(full).st_dev, os.stat(full).st_ino)
                except OSError:
                    continue
                if key in seen:  # a link back up the tree: walking it would never end
                    dirnames.remove(d)
                    skipped.append((full, "link to a folder already searched (a loop); not followed"))
                    continue
                seen.add(key)
                if _is_audio_name(d):
                    skipped.append((full, "a folder named like a recording, not a recording; the recordings in it are processed"))
            in_folder.extend(Path(folder) / f for f in filenames if _is_audio_name(f))
        found.extend(sorted(in_folder))
    return Inputs(tuple(found), tuple(skipped))


def input_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be opened as a recording (a broken link, a link loop, a
    folder, a FIFO or device, no permission, a name too long), or None. Never opens a
    FIFO for reading in blocking mode (that would wait for a writer forever)."""
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return f"broken symbolic link (its target {os.readlink(path)} does not exist)"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symbolic link loop (the link points back to itself)"
            return f"cannot be opened ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a recording"
    if not stat.S_ISREG(st.st_mode):
        kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "device"
        return f"not a regular file (a {kind}); nothing to decode"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.read(fd, 1)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    return None


def find_recordings(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders into a sorted list of recordings (folders recursively;
    :func:`find_inputs` also says what was skipped)."""
    return list(find_inputs(paths).recordings)
