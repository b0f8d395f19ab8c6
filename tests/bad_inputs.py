"""A corpus of awkward recordings, generated on the fly (tests/test_robustness.py,
benchmarks/long_call.py). Speech comes from a bundled sample call; the 8-bit unsigned
call is the real one in ../shared/data/calls_unlabelled when present."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from sample_truth import ROOT

SPEECH = ROOT / "sample_audio" / "en_stereo_interrupt.flac"
REAL_U8 = ROOT.parent / "shared" / "data" / "calls_unlabelled" / "pca_Auto0_GUID_000_AGENT_ChrisL_Mono.wav"
SECONDS = 15.0  # length of every generated speech/silence/music file


def _sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def _music(seconds: float, rate: int = 16_000) -> np.ndarray:
    """Chords changing every half second with a beat: hold-music-like, no speech."""
    t = np.arange(int(seconds * rate)) / rate
    chords = [(262, 330, 392), (220, 277, 330), (247, 311, 370), (196, 247, 294)]
    out = np.zeros_like(t)
    for i, chord in enumerate(chords * int(seconds)):
        a, b = int(i * 0.5 * rate), int((i + 1) * 0.5 * rate)
        if a >= len(t):
            break
        seg = t[a:b]
        out[a:b] = sum(np.sin(2 * np.pi * f * seg) for f in chord) / 3 * np.exp(-3 * (seg - seg[0]))
    return (0.3 * out).astype(np.float32)


def make_bad_inputs(folder: Path) -> dict[str, Path]:
    """name → file. Durations of the decodable ones are SECONDS unless the name says."""
    folder.mkdir(parents=True, exist_ok=True)
    f = {name: folder / name for name in (
        "zero_bytes.wav", "truncated.wav", "text.wav", "tenth_second.wav", "silence.wav", "music.wav",
        "six_channels.wav", "rate_48k.wav", "mulaw_8bit.wav", "unsigned_8bit.wav",
    )}
    speech = folder / "_speech.wav"
    _sox(str(SPEECH), str(speech), "trim", "0", str(SECONDS))  # stereo 16 kHz 16-bit
    f["zero_bytes.wav"].write_bytes(b"")
    full = speech.read_bytes()
    f["truncated.wav"].write_bytes(full[: len(full) // 3])  # header promises 15 s, 5 s there
    f["text.wav"].write_text("Call log export 2026-11-27\nagent,customer,duration\nsari,budi,184\n", encoding="utf-8")
    sf.write(f["tenth_second.wav"], np.zeros(1600, dtype=np.float32) + 0.01 * np.sin(np.arange(1600) / 3), 16_000)
    sf.write(f["silence.wav"], np.zeros(int(SECONDS * 16_000), dtype=np.float32), 16_000)
    sf.write(f["music.wav"], _music(SECONDS), 16_000)
    _sox(str(speech), "-c", "6", str(f["six_channels.wav"]), "remix", "1", "2", "1", "2", "1v0.5", "2v0.5")
    _sox(str(speech), "-r", "48000", str(f["rate_48k.wav"]))
    _sox(str(speech), "-e", "mu-law", "-b", "8", "-r", "8000", "-c", "1", str(f["mulaw_8bit.wav"]))
    if REAL_U8.exists():
        _sox(str(REAL_U8), str(f["unsigned_8bit.wav"]), "trim", "0", str(SECONDS))
    else:  # the same encoding from the sample call
        _sox(str(speech), "-e", "unsigned-integer", "-b", "8", "-r", "8000", "-c", "1", str(f["unsigned_8bit.wav"]))
    speech.unlink()
    return f
