#!/usr/bin/env python3
"""Make synthetic contact-centre calls with exact ground truth.

    python scripts/make_calls.py scenarios/*.yaml --out sample_audio [--seed 0]
    python scripts/make_calls.py scenarios/corpus/*.yaml --out corpus   # the eval corpus

Each scenario YAML describes one call as a script of lines, pauses, holds and
transfers. The script places every item on ONE timeline (integer milliseconds), renders
that timeline to audio (espeak-ng voices, synthesised hold music and ringback, light
noise, crosstalk) and writes, from the same timeline:

    <name>.flac        the call (stereo: one party per channel; or a mono mix)
    <name>.truth.json  turns, utterances, words, events, expected rubric verdicts
    <name>.rttm        one SPEAKER line per turn

Nothing is recognised from the audio. Utterance and turn times are exact (each clip is
trimmed to where its voice is); word times inside an utterance are approximate
(spread by character count) and the truth file says so. Same YAML + seed -> identical
truth JSON and identical audio samples.

Scenario YAML (see scenarios/ for complete examples):

    name: en_stereo_interrupt          # call_id and file stem
    description: free text
    language: en                       # id | en
    layout: stereo                     # stereo | mono
    sample_rate: 16000                 # 8000 | 16000
    agent_channel: 1                   # stereo only: 0 or 1
    snr_db: 40                         # background noise below the speech level
    crosstalk_db: -30                  # stereo only: leak of the other channel
    telephone_band: false              # 300-3400 Hz band-pass on every source
    voices:                            # per role: espeak-ng voice, pitch 0-99, words/min
      agent: {voice: en-us+f3, pitch: 60, speed: 165}
    script:
      - agent: "Good morning ..."      # a line; starts `gap` s after everything so far
      - customer: "Hi ..."
        gap: -2.5                      #   negative gap = overlaps what came before
      - customer: "Okay."
        after_start: 3.0               #   or: this many s after the previous line's start
      - pause: 5.0                     # nobody speaks: dead air if >= 3 s; < 10 s (else
                                       #   it is a hold by metrics.md: use hold: silence)
      - hold: music                    # music | silence; >= 10 s
        duration: 15
        announced: true
        thanked: true
      - transfer: billing department   # target as said by the agent (null: none said)
        ring: na                       #   na: 440+480 Hz 2 s on 4 s off (North America)
        duration: 11                   #   id: 425 Hz 1 s on 4 s off (Indonesia) | silence
        warm: false                    #   warm: the agent introduces the caller
    expected: {opening_greeting: pass, ...}   # all 18 phone_inbound item ids
    expected_notes: {empathy: "why", ...}     # optional, copied to the truth

Extending: a new kind of script item is a dataclass in the "Scenario" section, a branch
in `parse_item`, a branch in `build_timeline` and (if it is an event) a few lines in
`events_from_timeline`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile
import yaml
from scipy import signal

#: Bumped when the same scenario + seed would give different audio or truth.
#: 1: first version. 2: Indonesian ringback 1 s on / 4 s off (was 3 s off); transfers
#: without a spoken target; pauses of hold length rejected.
GENERATOR_VERSION = 2

# --------------------------------------------------------------------------------------
# Fixed vocabularies (docs/rubric.md, docs/metrics.md)
# --------------------------------------------------------------------------------------

PHONE_ITEM_IDS = (
    "opening_greeting", "customer_identification", "data_verification", "closing_greeting",
    "address_by_name", "no_interruption", "problem_confirmation", "attentiveness", "empathy",
    "probing", "conversation_control", "formal_language", "hold_transfer_technique",
    "solution_clarity", "solution_accuracy", "solution_completeness",
    "procedure_compliance", "solution_acceptance",
)
VERDICTS = ("pass", "partial", "fail", "not_applicable", "needs_review")
ROLES = ("agent", "customer", "other")

#: Words that make a turn a backchannel when it is made only of them (metrics.md).
BACKCHANNEL_WORDS = frozenset({
    "ya", "iya", "he'em", "heem", "oh", "baik", "oke", "ok", "mm", "hmm", "mhm",
    "yeah", "uh-huh", "right", "okay",
})


@dataclass(frozen=True)
class Thresholds:
    """Defaults of docs/metrics.md; the truth file records the values used."""

    turn_merge_gap_s: float = 0.5
    backchannel_max_s: float = 1.0
    interruption_min_overlap_s: float = 0.5
    interruption_yield_s: float = 2.0
    hold_min_s: float = 10.0
    dead_air_min_s: float = 3.0


# --------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------


class ScenarioError(ValueError):
    """A scenario file that cannot be turned into a call; the message says what to fix."""


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: `voice` like 'id+f3' or 'en-us+m3', pitch 0-99, words/min."""

    voice: str
    pitch: int = 50
    speed: int = 160


@dataclass(frozen=True)
class Line:
    """One utterance by one role. Starts `gap` s after the latest end so far, or
    `after_start` s after the previous line's start (for backchannels/overlaps)."""

    role: str
    text: str
    gap: float | None = None
    after_start: float | None = None


@dataclass(frozen=True)
class Pause:
    """Nobody speaks for `duration` s (the next item follows with no extra gap)."""

    duration: float


@dataclass(frozen=True)
class Hold:
    """The caller waits: synthesised music or silence on the line."""

    duration: float
    kind: str = "music"  # music | silence
    announced: bool = True
    thanked: bool = True
    gap: float | None = None


@dataclass(frozen=True)
class Transfer:
    """The call is handed to `target` (None: the agent names no target): ringback (or
    silence) until the next voice. Warm: the agent introduces the caller to the new party."""

    target: str | None
    duration: float
    warm: bool = False
    ring: str = "na"  # na (440+480 Hz, 2 s on 4 s off) | id (425 Hz, 1 s on 4 s off) | silence
    gap: float | None = None


Item = Line | Pause | Hold | Transfer


@dataclass(frozen=True)
class Scenario:
    """A parsed, validated scenario file."""

    name: str
    language: str
    layout: str
    sample_rate: int
    voices: dict[str, Voice]
    script: tuple[Item, ...]
    expected: dict[str, str]
    expected_notes: dict[str, str] = field(default_factory=dict)
    description: str = ""
    agent_channel: int = 0
    snr_db: float = 40.0
    crosstalk_db: float = -30.0
    telephone_band: bool = False
    default_gap: float = 0.5
    lead_in: float = 0.5
    tail: float = 0.8
    source_file: str = ""


_TOP_KEYS = {
    "name", "description", "language", "layout", "sample_rate", "agent_channel", "snr_db",
    "crosstalk_db", "telephone_band", "default_gap", "lead_in", "tail", "voices", "script",
    "expected", "expected_notes",
}
_ITEM_KEYS = {
    "line": {"gap", "after_start"},
    "pause": set(),
    "hold": {"duration", "announced", "thanked", "gap"},
    "transfer": {"duration", "warm", "ring", "gap"},
}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario YAML; raise ScenarioError saying what to fix."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario is a YAML mapping")

    def fail(msg: str) -> ScenarioError:
        return ScenarioError(f"{path}: {msg}")

    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    for key in ("name", "language", "layout", "sample_rate", "voices", "script", "expected"):
        if key not in raw:
            raise fail(f"missing required key '{key}'")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", str(raw["name"])):
        raise fail("name must be letters, digits, '_' or '-' (it is the file stem)")
    if raw["language"] not in ("id", "en"):
        raise fail(f"language must be 'id' or 'en', not {raw['language']!r}")
    if raw["layout"] not in ("stereo", "mono"):
        raise fail(f"layout must be 'stereo' or 'mono', not {raw['layout']!r}")
    if raw["sample_rate"] not in (8000, 16000):
        raise fail(f"sample_rate must be 8000 or 16000, not {raw['sample_rate']!r}")
    if raw.get("agent_channel", 0) not in (0, 1):
        raise fail("agent_channel must be 0 or 1")

    voices = {}
    for role, spec in raw["voices"].items():
        if role not in ROLES:
            raise fail(f"voices: unknown role {role!r}; roles are {ROLES}")
        voices[role] = Voice(**spec)

    script = tuple(parse_item(item, fail) for item in raw["script"])
    roles_used = {it.role for it in script if isinstance(it, Line)}
    missing_voice = roles_used - set(voices)
    if missing_voice:
        raise fail(f"voices: no voice for role(s) {sorted(missing_voice)}")
    if not script:
        raise fail("script is empty")

    expected = raw["expected"] or {}
    missing = [i for i in PHONE_ITEM_IDS if i not in expected]
    extra = sorted(set(expected) - set(PHONE_ITEM_IDS))
    if missing:
        raise fail(f"expected is missing rubric item id(s) {missing}; every one of the "
                   f"{len(PHONE_ITEM_IDS)} phone_inbound items needs a verdict")
    if extra:
        raise fail(f"expected has unknown rubric item id(s) {extra}; "
                   f"known ids: {list(PHONE_ITEM_IDS)}")
    bad = {k: v for k, v in expected.items() if v not in VERDICTS}
    if bad:
        raise fail(f"expected has invalid verdict(s) {bad}; verdicts are {VERDICTS}")
    notes = raw.get("expected_notes") or {}
    if set(notes) - set(PHONE_ITEM_IDS):
        raise fail(f"expected_notes has unknown id(s) {sorted(set(notes) - set(PHONE_ITEM_IDS))}")

    optional = {k: raw[k] for k in ("description", "agent_channel", "snr_db", "crosstalk_db",
                                    "telephone_band", "default_gap", "lead_in", "tail")
                if k in raw}
    return Scenario(
        name=str(raw["name"]), language=raw["language"], layout=raw["layout"],
        sample_rate=int(raw["sample_rate"]), voices=voices, script=script,
        expected={i: expected[i] for i in PHONE_ITEM_IDS}, expected_notes=dict(notes),
        source_file=path.name, **optional,
    )


def parse_item(item: dict, fail) -> Item:
    """One script entry -> Line | Pause | Hold | Transfer."""
    if not isinstance(item, dict):
        raise fail(f"script entries are mappings, got {item!r}")
    kinds = [k for k in (*ROLES, "pause", "hold", "transfer") if k in item]
    if len(kinds) != 1:
        raise fail(f"script entry needs exactly one of {ROLES} / pause / hold / transfer: {item}")
    kind = kinds[0]
    allowed = _ITEM_KEYS["line" if kind in ROLES else kind] | {kind}
    if set(item) - allowed:
        raise fail(f"script entry {item}: unknown key(s) {sorted(set(item) - allowed)}")
    if kind in ROLES:
        text = str(item[kind]).strip()
        if not text or text.startswith("-"):
            raise fail(f"line text must be non-empty and not start with '-': {item}")
        if "gap" in item and "after_start" in item:
            raise fail(f"give gap or after_start, not both: {item}")
        return Line(kind, text, item.get("gap"), item.get("after_start"))
    if kind == "pause":
        return Pause(float(item["pause"]))
    if kind == "hold":
        if item["hold"] not in ("music", "silence"):
            raise fail(f"hold must be 'music' or 'silence': {item}")
        if "duration" not in item:
            raise fail(f"hold needs a duration: {item}")
        return Hold(float(item["duration"]), item["hold"], bool(item.get("announced", True)),
                    bool(item.get("thanked", True)), item.get("gap"))
    if "duration" not in item:
        raise fail(f"transfer needs a duration: {item}")
    if item.get("ring", "na") not in ("na", "id", "silence"):
        raise fail(f"transfer ring must be na, id or silence: {item}")
    target = item["transfer"]
    target = None if target is None or not str(target).strip() else str(target).strip()
    return Transfer(target, float(item["duration"]), bool(item.get("warm", False)),
                    item.get("ring", "na"), item.get("gap"))


# --------------------------------------------------------------------------------------
# Sources: speech, hold music, ringback (mono float clips at the call's sample rate)
# --------------------------------------------------------------------------------------

SPEECH_RMS_DBFS = -20.0
MUSIC_RMS_DBFS = -24.0
RING_RMS_DBFS = -22.0
TRIM_DB = 40.0  # a frame is voice when within this many dB of the clip's loudest frame
MAX_INTERNAL_PAUSE_S = 0.3  # keeps an utterance one run of speech (< turn_merge_gap_s)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def espeak_version() -> str:
    """'espeak-ng 1.51' or raise with a hint when espeak-ng is not installed."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng not found on PATH; install it (Debian: apt-get install espeak-ng)")
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"text-to-speech:\s*([\w.\-]+)", out.stdout)
    return f"espeak-ng {match.group(1) if match else 'unknown'}"


def band_limit(x: np.ndarray, sr: int) -> np.ndarray:
    """Telephone band 300-3400 Hz (causal, so any ringing lies after onsets)."""
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=sr, output="sos")
    return signal.sosfilt(sos, x)


def synthesize(text: str, voice: Voice, sr: int, telephone_band: bool) -> np.ndarray:
    """espeak-ng -> resample -> (band) -> trim to the voice -> shorten long inner pauses
    -> level. The returned clip starts and ends on voice and is a whole number of ms."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice.voice, "-p", str(voice.pitch), "-s", str(voice.speed),
             "-w", str(wav), text],
            check=True, capture_output=True,
        )
        x, native_sr = soundfile.read(wav, dtype="float64")
    ratio = Fraction(sr, native_sr)
    x = signal.resample_poly(x, ratio.numerator, ratio.denominator)
    if telephone_band:
        x = band_limit(x, sr)

    frame = sr // 200  # 5 ms
    n_frames = len(x) // frame
    rms = np.sqrt(np.mean(x[: n_frames * frame].reshape(n_frames, frame) ** 2, axis=1))
    voiced = rms > rms.max() * db_to_gain(-TRIM_DB)
    idx = np.flatnonzero(voiced)
    if idx.size == 0:
        raise RuntimeError(f"espeak-ng produced no audible speech for {text!r}")
    first, last = idx[0], idx[-1]
    keep = voiced.copy()  # voiced frames, plus inner pauses shortened to MAX_INTERNAL_PAUSE_S
    max_pause = int(MAX_INTERNAL_PAUSE_S * 200)
    i = first
    while i <= last:
        if voiced[i]:
            i += 1
            continue
        j = i
        while not voiced[j]:
            j += 1
        if j - i <= max_pause:
            keep[i:j] = True
        else:  # keep both edges of a long pause, drop its middle
            half = max_pause // 2
            keep[i:i + half] = True
            keep[j - (max_pause - half):j] = True
        i = j
    clip = x[: n_frames * frame].reshape(n_frames, frame)[keep].reshape(-1)
    ms = sr // 1000
    clip = clip[: len(clip) // ms * ms]
    clip *= db_to_gain(SPEECH_RMS_DBFS) / np.sqrt(np.mean(clip ** 2))
    return clip


def fade(x: np.ndarray, sr: int, seconds: float = 0.02) -> np.ndarray:
    """Short linear fade in/out so synthesised tones start and stop without clicks."""
    n = min(int(seconds * sr), len(x) // 2)
    if n:
        ramp = np.linspace(0.0, 1.0, n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def hold_music(duration_s: float, sr: int) -> np.ndarray:
    """A plain I-V-vi-IV chord loop (C major) with an arpeggio on top."""
    n = int(round(duration_s * sr))
    t = np.arange(n) / sr
    chords = [(261.63, 329.63, 392.00), (196.00, 246.94, 293.66),
              (220.00, 261.63, 329.63), (174.61, 220.00, 261.63)]
    chord_s, note_s = 2.0, 0.25
    out = np.zeros(n)
    for k in range(int(np.ceil(duration_s / chord_s))):
        a, b = int(k * chord_s * sr), min(n, int((k + 1) * chord_s * sr))
        seg_t = t[a:b] - t[a]
        env = np.exp(-seg_t * 0.8)
        for f in chords[k % 4]:
            out[a:b] += env * (np.sin(2 * np.pi * f * seg_t) + 0.3 * np.sin(4 * np.pi * f * seg_t))
        for j in range(int(chord_s / note_s)):  # arpeggio one octave up
            c, d = a + int(j * note_s * sr), min(b, a + int((j + 1) * note_s * sr))
            if c >= d:
                break
            f = 2 * chords[k % 4][j % 3]
            nt = t[c:d] - t[c]
            out[c:d] += 0.8 * np.exp(-nt * 6) * np.sin(2 * np.pi * f * nt)
    out = fade(out, sr)
    return out * db_to_gain(MUSIC_RMS_DBFS) / np.sqrt(np.mean(out ** 2))


def ringback(duration_s: float, sr: int, style: str) -> np.ndarray:
    """Ringback tone: 'na' 440+480 Hz 2 s on / 4 s off (North America), 'id' 425 Hz 1 s on /
    4 s off (Indonesia, ITU-T E.180). Each cycle starts with its tone."""
    n = int(round(duration_s * sr))
    if style == "silence":
        return np.zeros(n)
    freqs, on_s, period_s = ((440.0, 480.0), 2.0, 6.0) if style == "na" else ((425.0,), 1.0, 5.0)
    t = np.arange(n) / sr
    tone = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    out = np.zeros(n)
    for start in np.arange(0.0, duration_s, period_s):
        a, b = int(start * sr), min(n, int((start + on_s) * sr))
        out[a:b] = fade(tone[a:b].copy(), sr, 0.01)
    return out * db_to_gain(RING_RMS_DBFS) / np.sqrt(np.mean(tone ** 2))


# --------------------------------------------------------------------------------------
# Timeline: every item at an integer-millisecond position
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """One rendered item on the timeline; times in ms from the start of the recording."""

    kind: str  # speech | hold | transfer | pause
    start_ms: int
    end_ms: int
    item: Item
    audio: np.ndarray | None = None  # at the call's sample rate; None for silence

    @property
    def role(self) -> str | None:
        return self.item.role if isinstance(self.item, Line) else None


@dataclass(frozen=True)
class Timeline:
    """All placed items and the length of the recording (last item + tail)."""

    placed: tuple[Placed, ...]
    duration_ms: int


def to_ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def build_timeline(sc: Scenario, synth=synthesize) -> Timeline:
    """Place the script items one after another.

    `latest_end` is the end of everything placed so far. A line starts at
    `latest_end + gap` (negative gap = overlap) or `previous_line.start + after_start`:

        agent    |=========== answer ===========|
        customer         |okay|        |yeah|       after_start from the previous line
        agent                                  |== next ==|   gap after latest_end
    """
    sr = sc.sample_rate
    placed: list[Placed] = []
    latest_end = to_ms(sc.lead_in)
    prev_line: Placed | None = None
    gap_after_silence = False  # a pause is the gap itself

    def default_gap(g: float | None) -> int:
        if g is not None:
            return to_ms(g)
        return 0 if gap_after_silence else to_ms(sc.default_gap)

    for n, item in enumerate(sc.script):
        if isinstance(item, Line):
            clip = synth(item.text, sc.voices[item.role], sr, sc.telephone_band)
            if n == 0:
                start = latest_end
            elif item.after_start is not None:
                if prev_line is None:
                    raise ScenarioError(f"{sc.source_file}: after_start needs a line before it")
                start = prev_line.start_ms + to_ms(item.after_start)
            else:
                start = latest_end + default_gap(item.gap)
            if start < 0:
                raise ScenarioError(f"{sc.source_file}: line {item.text!r} would start before 0 s")
            p = Placed("speech", start, start + len(clip) * 1000 // sr, item, clip)
            prev_line = p
        elif isinstance(item, Pause):
            p = Placed("pause", latest_end, latest_end + to_ms(item.duration), item)
        elif isinstance(item, Hold):
            start = latest_end + default_gap(item.gap)
            audio = hold_music(item.duration, sr) if item.kind == "music" else None
            p = Placed("hold", start, start + to_ms(item.duration), item, audio)
        else:  # Transfer
            start = latest_end + default_gap(item.gap)
            audio = ringback(item.duration, sr, item.ring) if item.ring != "silence" else None
            p = Placed("transfer", start, start + to_ms(item.duration), item, audio)
        if p.audio is not None and sc.telephone_band and p.kind != "speech":
            p = Placed(p.kind, p.start_ms, p.end_ms, p.item, band_limit(p.audio, sr))
        placed.append(p)
        latest_end = max(latest_end, p.end_ms)
        gap_after_silence = p.kind == "pause"

    return Timeline(tuple(placed), latest_end + to_ms(sc.tail))


# --------------------------------------------------------------------------------------
# Audio: place sources on channels, crosstalk, noise
# --------------------------------------------------------------------------------------


def render(sc: Scenario, tl: Timeline, seed: int) -> np.ndarray:
    """Mix the timeline to a (samples, channels) float array in [-1, 1].

    Stereo: agent on `agent_channel`, customer on the other; hold music and ringback on
    the agent's channel (the side the switch plays them from); each channel then leaks
    into the other at `crosstalk_db`. Mono: everything summed. Noise is added last,
    `snr_db` below the speech level of its channel, from a generator seeded by
    (seed, call name) so every call has its own but repeatable noise.
    """
    sr = sc.sample_rate
    n = tl.duration_ms * sr // 1000
    n_ch = 2 if sc.layout == "stereo" else 1
    dry = np.zeros((n, n_ch))
    speech_mask = np.zeros((n, n_ch), dtype=bool)
    for p in tl.placed:
        if p.audio is None:
            continue
        if n_ch == 1:
            ch = 0
        elif p.kind == "speech" and p.role == "customer":
            ch = 1 - sc.agent_channel
        # the agent's leg carries what the switch bridges in: hold music, ringback and,
        # after a transfer, the new party (role other)
        else:
            ch = sc.agent_channel
        a = p.start_ms * sr // 1000
        dry[a:a + len(p.audio), ch] += p.audio
        if p.kind == "speech":
            speech_mask[a:a + len(p.audio), ch] = True

    mixed = dry.copy()
    if n_ch == 2:
        leak = db_to_gain(sc.crosstalk_db)
        mixed[:, 0] += leak * dry[:, 1]
        mixed[:, 1] += leak * dry[:, 0]

    rng = np.random.default_rng([seed, zlib.crc32(sc.name.encode())])
    for ch in range(n_ch):
        speech = dry[speech_mask[:, ch], ch]
        level = np.sqrt(np.mean(speech ** 2)) if speech.size else db_to_gain(SPEECH_RMS_DBFS)
        noise = signal.lfilter([1.0], [1.0, -0.7], rng.standard_normal(n))  # gently low-tilted
        if sc.telephone_band:
            noise = band_limit(noise, sr)
        noise *= level * db_to_gain(-sc.snr_db) / np.sqrt(np.mean(noise ** 2))
        mixed[:, ch] += noise

    peak = np.abs(mixed).max()
    if peak > 0.95:  # overlapping voices in a mono mix can add up
        mixed *= 0.95 / peak
    return mixed


def to_pcm16(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16)


# --------------------------------------------------------------------------------------
# Truth: labels, utterances, turns, events
# --------------------------------------------------------------------------------------


def speaker_labels(sc: Scenario, tl: Timeline) -> dict[str, str]:
    """role -> label. Stereo: ch0/ch1 by channel, and ``ch<agent>b`` for a party the
    switch bridges onto the agent's channel after a transfer (role other); mono: spk0,
    spk1, ... by first speech."""
    if sc.layout == "stereo":
        labels = {"agent": f"ch{sc.agent_channel}", "customer": f"ch{1 - sc.agent_channel}"}
        if any(p.kind == "speech" and p.role == "other" for p in tl.placed):
            labels["other"] = f"ch{sc.agent_channel}b"
        return labels
    labels: dict[str, str] = {}
    for p in tl.placed:
        if p.kind == "speech" and p.role not in labels:
            labels[p.role] = f"spk{len(labels)}"
    return labels


def word_times(text: str, start_ms: int, end_ms: int) -> list[dict]:
    """Approximate word spans: the utterance span shared out by letters per word."""
    words = text.split()
    weights = [max(1, len(re.sub(r"\W", "", w))) for w in words]
    total, acc, out = sum(weights), 0, []
    for w, k in zip(words, weights):
        a = start_ms + (end_ms - start_ms) * acc // total
        acc += k
        b = start_ms + (end_ms - start_ms) * acc // total
        out.append({"start": a / 1000, "end": b / 1000, "text": w})
    return out


@dataclass(frozen=True)
class Turn:
    start_ms: int
    end_ms: int
    speaker: str
    role: str
    text: str

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def build_turns(utts: list[dict], th: Thresholds) -> list[Turn]:
    """Per speaker, merge utterances separated by less than turn_merge_gap_s.

        spk  |== a ==| 0.3 |== b ==|      1.2      |== c ==|
        turn |======= a + b =======|               |== c ==|
    """
    turns: list[Turn] = []
    gap = to_ms(th.turn_merge_gap_s)
    for spk in sorted({u["speaker"] for u in utts}):
        cur: Turn | None = None
        for u in sorted((u for u in utts if u["speaker"] == spk), key=lambda u: u["start_ms"]):
            if cur and u["start_ms"] - cur.end_ms < gap:
                cur = Turn(cur.start_ms, max(cur.end_ms, u["end_ms"]), spk, cur.role,
                           f"{cur.text} {u['text']}")
            else:
                if cur:
                    turns.append(cur)
                cur = Turn(u["start_ms"], u["end_ms"], spk, u["role"], u["text"])
        if cur:
            turns.append(cur)
    return sorted(turns, key=lambda t: (t.start_ms, t.speaker))


def is_backchannel(turn: Turn, th: Thresholds) -> bool:
    """At most backchannel_max_s long, or made only of acknowledgement words."""
    if turn.duration_ms <= to_ms(th.backchannel_max_s):
        return True
    words = [re.sub(r"[^\w'\-]", "", w.lower()) for w in turn.text.split()]
    return all(w in BACKCHANNEL_WORDS for w in words if w)


def interruptions(turns: list[Turn], th: Thresholds) -> list[dict]:
    """B interrupts A: B's turn starts inside A's, overlaps it >= interruption_min_overlap_s
    and is not a backchannel; successful when A ends within interruption_yield_s of B's start.

        A  |========== turn ==========|            A ends 3.0 s after B starts
        B                 |====== turn ======|     -> attempted (yield limit 2.0 s)
                          ^ start     ^ end of overlap = event span
    """
    events = []
    for b in turns:
        if is_backchannel(b, th):
            continue
        for a in turns:
            if a.speaker == b.speaker or not (a.start_ms < b.start_ms < a.end_ms):
                continue
            overlap_end = min(a.end_ms, b.end_ms)
            if overlap_end - b.start_ms < to_ms(th.interruption_min_overlap_s):
                continue
            events.append({
                "type": "interruption", "start": b.start_ms / 1000, "end": overlap_end / 1000,
                "by": b.role, "of": a.role,
                "successful": a.end_ms - b.start_ms <= to_ms(th.interruption_yield_s),
            })
    return events


def dead_air(tl: Timeline, th: Thresholds) -> list[dict]:
    """Gaps of at least dead_air_min_s covered by no speech, hold or transfer."""
    busy = sorted((p.start_ms, p.end_ms) for p in tl.placed if p.kind != "pause")
    events, cursor = [], 0
    for a, b in busy + [(tl.duration_ms, tl.duration_ms)]:
        if a - cursor >= to_ms(th.dead_air_min_s):
            events.append({"type": "dead_air", "start": cursor / 1000, "end": a / 1000})
        cursor = max(cursor, b)
    return events


def events_from_timeline(tl: Timeline, turns: list[Turn], th: Thresholds, name: str) -> list[dict]:
    """Interruptions, holds, transfers and dead air, sorted by start."""
    speech = [p for p in tl.placed if p.kind == "speech"]
    events = interruptions(turns, th)
    for p in tl.placed:
        if p.kind == "pause" and p.end_ms - p.start_ms >= to_ms(th.hold_min_s):
            raise ScenarioError(f"{name}: a pause of {th.hold_min_s} s or more is a hold by "
                                "metrics.md; write it as hold: silence (announced or not)")
        if p.kind in ("hold", "transfer") and any(s.start_ms < p.end_ms and p.start_ms < s.end_ms
                                                  for s in speech):
            raise ScenarioError(f"{name}: someone speaks during a {p.kind}; "
                                "give the next line a non-negative gap")
        if p.kind == "hold":
            if p.end_ms - p.start_ms < to_ms(th.hold_min_s):
                raise ScenarioError(f"{name}: a hold must last at least {th.hold_min_s} s "
                                    "(use pause for shorter silences)")
            events.append({"type": "hold", "start": p.start_ms / 1000, "end": p.end_ms / 1000,
                           "announced": p.item.announced, "thanked": p.item.thanked,
                           "kind": p.item.kind})
        elif p.kind == "transfer":
            events.append({"type": "transfer", "start": p.start_ms / 1000, "end": p.end_ms / 1000,
                           "target": p.item.target, "warm": p.item.warm})
    events += dead_air(tl, th)
    return sorted(events, key=lambda e: (e["start"], e["type"]))


def build_truth(sc: Scenario, tl: Timeline, seed: int, tts: str,
                th: Thresholds = Thresholds()) -> tuple[dict, list[Turn]]:
    """The truth document (per-call JSON shape where known) and the turns."""
    labels = speaker_labels(sc, tl)
    utts = []
    for p in sorted((p for p in tl.placed if p.kind == "speech"), key=lambda p: p.start_ms):
        utts.append({"start_ms": p.start_ms, "end_ms": p.end_ms, "speaker": labels[p.role],
                     "role": p.role, "text": p.item.text})
    turns = build_turns(utts, th)
    truth = {
        "call_id": sc.name,
        "source": f"{sc.name}.flac",
        "duration_s": tl.duration_ms / 1000,
        "channels": 2 if sc.layout == "stereo" else 1,
        "layout": sc.layout,
        "language": sc.language,
        "sample_rate": sc.sample_rate,
        "description": sc.description,
        "generator": {"script": "scripts/make_calls.py", "scenario": sc.source_file,
                      "seed": seed, "tts": tts},
        "word_times": "approximate",
        "settings": {"thresholds": asdict(th)},
        "speakers": [{"label": lab, "role": role} for role, lab in
                     sorted(labels.items(), key=lambda kv: kv[1])],
        "turns": [{"start": t.start_ms / 1000, "end": t.end_ms / 1000, "speaker": t.speaker,
                   "role": t.role} for t in turns],
        "utterances": [{"start": u["start_ms"] / 1000, "end": u["end_ms"] / 1000,
                        "speaker": u["speaker"], "role": u["role"], "text": u["text"],
                        "words": word_times(u["text"], u["start_ms"], u["end_ms"])}
                       for u in utts],
        "events": events_from_timeline(tl, turns, th, sc.source_file),
        "expected": sc.expected,
    }
    if sc.expected_notes:
        truth["expected_notes"] = sc.expected_notes
    return truth, turns


def rttm_lines(call_id: str, turns: list[Turn]) -> list[str]:
    """NIST RTTM, one SPEAKER line per turn."""
    return [f"SPEAKER {call_id} 1 {t.start_ms / 1000:.3f} {t.duration_ms / 1000:.3f} "
            f"<NA> <NA> {t.speaker} <NA> <NA>" for t in turns]


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def make_call(scenario_path: str | Path, out_dir: str | Path, seed: int = 0) -> dict:
    """Generate one call; return its truth document."""
    sc = load_scenario(scenario_path)
    tts = espeak_version()
    tl = build_timeline(sc)
    truth, turns = build_truth(sc, tl, seed, tts)
    audio = render(sc, tl, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    soundfile.write(out / f"{sc.name}.flac", to_pcm16(audio), sc.sample_rate,
                    format="FLAC", subtype="PCM_16")
    (out / f"{sc.name}.truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / f"{sc.name}.rttm").write_text("\n".join(rttm_lines(sc.name, turns)) + "\n",
                                         encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="+", help="scenario YAML files")
    ap.add_argument("--out", default="sample_audio", help="output folder (default sample_audio)")
    ap.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    args = ap.parse_args(argv)
    try:
        for path in args.scenarios:
            truth = make_call(path, args.out, args.seed)
            kinds = [e["type"] for e in truth["events"]]
            print(f"{truth['call_id']}: {truth['duration_s']:.1f} s, "
                  f"{len(truth['utterances'])} utterances, {len(truth['turns'])} turns, "
                  f"events {kinds}")
    except (ScenarioError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
