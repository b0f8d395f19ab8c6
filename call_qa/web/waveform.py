"""The call's waveform for the timeline: peaks computed once per recording on the
server and cached under the call-qa home (``<home>/peaks/<content hash>.json``), so
the page draws them as one SVG path (no client-side decoding, no library, the CSP
stays strict).

A peak is the largest absolute sample of one of :data:`BUCKETS` equal stretches of
the call (all channels mixed), scaled so the loudest stretch is 1.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from call_qa.errors import AudioError

log = logging.getLogger("call_qa")
BUCKETS = 600


def compute_peaks(path: Path, buckets: int = BUCKETS) -> list[float]:
    """Peaks of the recording at ``path`` (read with soundfile, channels mixed)."""
    import soundfile

    data, _rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    signal = np.abs(data).max(axis=1) if data.size else np.zeros(0, dtype=np.float32)
    if signal.size == 0:
        return []
    edges = np.linspace(0, signal.size, num=min(buckets, signal.size) + 1).astype(int)
    peaks = np.maximum.reduceat(signal, edges[:-1])
    top = float(peaks.max())
    return [round(float(p) / top, 3) if top > 0 else 0.0 for p in peaks]


def cached_peaks(path: Path, content_hash: str, cache_dir: Path) -> list[float] | None:
    """The peaks of ``path``, computed on the first request and kept in ``cache_dir``
    by the recording's content hash; None when the file cannot be read."""
    cache = cache_dir / f"{content_hash}.json"
    if cache.is_file():
        try:
            return [float(p) for p in json.loads(cache.read_text())]
        except (ValueError, OSError):
            pass  # a torn write: compute again
    try:
        peaks = compute_peaks(path)
    except (RuntimeError, OSError, AudioError, ValueError) as exc:  # soundfile raises RuntimeError subclasses
        log.warning("waveform of %s not computed: %s", path, exc)
        return None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(peaks))
        tmp.replace(cache)
    except OSError as exc:
        log.warning("waveform cache %s not written: %s", cache, exc)
    return peaks
