"""A redacted copy of a recording, for sharing and coaching.

Each finding's seconds (padded by ``pad_s``) are replaced by a 1 kHz tone or by
silence — on the finding speaker's channel only for stereo calls (``ch0`` → channel 0),
on the one channel of a mono call — and every other sample is copied unchanged::

    ch0 (caller): ~~~~~|tone tone tone|~~~~~~     the NIK the caller read out
    ch1 (agent):  ~~~~~~~~~~~~~~~~~~~~~~~~~~     untouched

The original file is read at its own sample rate and sample format (PCM 16-bit files
stay PCM 16-bit), so the untouched samples are bit-identical in a WAV or FLAC copy.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from call_qa.domain import PersonalDataFinding, Span, merge_spans
from call_qa.errors import CallQAError

TONE_HZ = 1000.0
TONE_LEVEL = 0.1  # -20 dBFS: clearly a bleep, not painful in headphones


class AudioRedactionError(CallQAError):
    pass


def redaction_spans(findings: Iterable[PersonalDataFinding], channels: int, pad_s: float, duration_s: float
                    ) -> dict[int | None, tuple[Span, ...]]:
    """Spans to cover per channel index (None: every channel, for mono or unknown speakers)."""
    per: dict[int | None, list[Span]] = {}
    for f in findings:
        ch: int | None = None
        if channels > 1 and f.speaker.startswith("ch") and f.speaker[2:].isdigit() and int(f.speaker[2:]) < channels:
            ch = int(f.speaker[2:])
        per.setdefault(ch, []).append(Span(max(0.0, f.start - pad_s), min(duration_s, f.end + pad_s)))
    return {ch: merge_spans(spans) for ch, spans in per.items()}


def redact_samples(samples: np.ndarray, sample_rate: int, spans: dict[int | None, tuple[Span, ...]],
                   fill: str = "tone") -> np.ndarray:
    """A copy of ``samples`` (frames × channels) with ``spans`` filled by tone or silence."""
    out = samples.copy()
    channels = out.shape[1]
    integer = np.issubdtype(out.dtype, np.integer)
    scale = float(np.iinfo(out.dtype).max) if integer else 1.0
    for ch, chan_spans in spans.items():
        targets = range(channels) if ch is None else [ch]
        for span in chan_spans:
            a, b = int(round(span.start * sample_rate)), int(round(span.end * sample_rate))
            a, b = max(0, a), min(len(out), b)
            if b <= a:
                continue
            if fill == "silence":
                block = np.zeros(b - a)
            else:
                t = np.arange(a, b) / sample_rate
                block = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * t)
            block = (np.round(block * scale) if integer else block).astype(out.dtype)
            for c in targets:
                out[a:b, c] = block
    return out


def redact_audio_file(source: str | Path, findings: Iterable[PersonalDataFinding], out: str | Path,
                      fill: str = "tone", pad_s: float = 0.15) -> Path:
    """Write a copy of ``source`` with the findings' seconds toned or silenced (see the
    module doc). The output format follows ``out``'s suffix (.wav, .flac)."""
    import soundfile as sf

    if fill not in ("tone", "silence"):
        raise AudioRedactionError(f"fill must be 'tone' or 'silence', not {fill!r}")
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise AudioRedactionError(
            f"{source}: recording not found (deleted by audio retention, or moved); a redacted copy needs the original")
    try:
        info = sf.info(str(source))
    except RuntimeError as exc:
        raise AudioRedactionError(f"{source}: cannot read it as audio ({exc}); WAV and FLAC are supported") from None
    dtype = "int16" if info.subtype in ("PCM_16", "PCM_S8", "PCM_U8") else "int32" if info.subtype in ("PCM_24", "PCM_32") else "float64"
    samples, rate = sf.read(str(source), dtype=dtype, always_2d=True)
    spans = redaction_spans(findings, samples.shape[1], pad_s, len(samples) / rate)
    redacted = redact_samples(samples, rate, spans, fill)
    out.parent.mkdir(parents=True, exist_ok=True)
    subtype = info.subtype if out.suffix.lower() == source.suffix.lower() else None
    sf.write(str(out), redacted, rate, subtype=subtype)
    return out


# --------------------------------------------------------------------------- the cached copy the web app serves

COPIES_FOLDER = "redacted-audio"


def _copy_stem(call_id: str) -> str:
    """A file-name-safe stem for ``call_id`` (its readable part and a hash, so two ids
    that clean to the same text never share a copy)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", call_id)[:80]
    return f"{readable}-{hashlib.sha256(call_id.encode()).hexdigest()[:10]}"


def redacted_copy(source: str | Path, call_id: str, findings: Sequence[PersonalDataFinding], folder: Path,
                  fill: str = "tone", pad_s: float = 0.15) -> Path:
    """The redacted copy of a call's recording in ``folder``, made on first use and
    reused while the recording, the findings' times and the fill are the same (a
    re-processed or swapped call gets a new one; the stale one is removed). WAV and FLAC
    keep their format; anything else becomes WAV."""
    source = Path(source)
    stat = source.stat() if source.is_file() else None
    spans = [[f.speaker, round(f.start, 3), round(f.end, 3)] for f in findings]
    key = hashlib.sha256(json.dumps([str(source), stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0,
                                     spans, fill, pad_s]).encode()).hexdigest()[:12]
    suffix = source.suffix.lower() if source.suffix.lower() in (".wav", ".flac") else ".wav"
    stem = _copy_stem(call_id)
    out = folder / f"{stem}.{key}{suffix}"
    if out.is_file():
        return out
    made = redact_audio_file(source, findings, folder / f"{stem}.{key}.partial{suffix}", fill, pad_s)
    made.replace(out)  # readers never see a half-written copy
    for stale in folder.glob(f"{stem}.*"):
        if stale != out:
            stale.unlink(missing_ok=True)
    return out


def delete_redacted_copies(call_id: str, folder: Path) -> list[Path]:
    """Delete every redacted copy of ``call_id`` in ``folder`` (retention: the copy goes
    with the original); returns what was deleted."""
    gone = [p for p in folder.glob(f"{_copy_stem(call_id)}.*") if p.is_file()]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone
