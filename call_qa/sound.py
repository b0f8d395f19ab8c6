"""Non-speech sound on the line: silence, hold music, tones and ringback.

Where no party speaks, the line carries one of four things (docs/metrics.md, Hold,
Transfer, Dead air):

    silence   the line's own noise (or sound with no tonal structure at all)
    music     hold music: many partials that stay put for tenths of seconds at a time
    tone      one or two steady sinusoids (dial tone, beeps, a ringback off its cadence)
    ringback  425 Hz 1 s on / 4 s off (Indonesia) or 440+480 Hz 2 s on / 4 s off
              (North America), found from its frequencies *and* its cadence

``classify_sound`` labels every stretch where no speaker is active, all of it, with
segments of these kinds.

How the sound is analysed (all on the telephone band, audio resampled to 8 kHz):

    frames     20 ms hop (the diarization grid, FRAME_S), 128 ms Hann window: 7.8 Hz
               bins, fine enough to tell 425 from 440 Hz and to split 440 from 480 Hz
    level      per channel, dB above that channel's noise floor (a low percentile of
               the whole call's frame energies); stereo takes, frame by frame, the
               channel furthest above its floor (hold music and ringback are played on
               the agent's leg, the other leg only carries their crosstalk)
    top peaks  the two strongest spectral components of each frame and their share of
               the band energy: tones and ringback
    stability  long-term spectral peak stability: the peaks of the spectrum averaged
               over 0.4 s are compared with those of the next 0.4 s; the score is the
               share of band energy in peaks found again within ~1.2 % in frequency

Why long-term peak stability for music. Measured on seven kinds of synthesised music
(chords, plucked notes, sawtooth arpeggio, pop with drums and vibrato lead, piano,
strings, solo flute; wideband and telephone band) and on real speech (AMI meeting
excerpts, the pyannote sample, two real calls), as 1.5 s means over sound frames:

    feature                        music p5        speech p99     time per minute
    long-term peak stability       0.63-0.98 (*)   0.21-0.50      ~0.1 s (all of it)
    short-term (60 ms) stability   0.39-0.97       0.34-0.55      ~0.1 s
    HPSS harmonic ratio (librosa)  0.62-0.98       0.67-0.98      ~1.5 s
    chroma stability (librosa)     0.41-0.78       0.92-0.98      -

    (*) a solo flute line with vibrato and no accompaniment: 0.33-0.41

Voiced speech is as harmonic as music, so a harmonic ratio (HPSS) or spectral
flatness does not separate them, and speech chroma is smeared but steady. What speech
never does is hold its partials still: its pitch glides and its formants move every
syllable, so the 0.4 s average spectrum of speech has few peaks and the next 0.4 s
puts them elsewhere. Music holds notes and chords (and a 0.4 s average brings a
vibrato back to its centre), so its peaks come back. A steady tone is as stable, which
is why tones and ringback are taken out first, by their top components.

Known weak spot: unaccompanied melodies with strong vibrato and short notes (a solo
flute) are only partly music (60-85 % of their time on a quiet line, less on a noisy
one); hold music almost always has an accompaniment, which is stable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import fft, ndimage, signal

from call_qa.audio import FRAME_S, CallAudio, frame_energy_db
from call_qa.config import SoundSettings
from call_qa.domain import SoundKind, SoundSegment, SpeakerActivity, Span, gaps, merge_spans

ANALYSIS_RATE = 8_000  # everything a phone line carries lies below 4 kHz
_N_FFT = 1024  # 128 ms at 8 kHz: 7.8 Hz bins
_HOP = int(FRAME_S * ANALYSIS_RATE)  # 160 samples = 20 ms, one frame of the diarization grid
_GROUP = 5  # frames per stability step (100 ms): the block averages move in these steps
_CHUNK_FRAMES = 3000  # one minute of frames per STFT pass keeps memory flat on long calls


# The sound stage's options are the validated ``sound:`` block of the pipeline settings
# (call_qa/config.py holds each default and its reason once); ``SoundOptions()`` is the
# shipped default, ``settings.sound`` a site's.
SoundOptions = SoundSettings


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True, eq=False)
class _Frames:
    """Per-frame measurements of a whole call (n frames of FRAME_S)."""

    above_floor_db: np.ndarray  # level above the noise floor, loudest channel
    sound: np.ndarray  # bool: above_floor_db > floor_margin_db
    top_hz: np.ndarray  # (n, 2) frequencies of the two strongest components
    top_share: np.ndarray  # (n, 2) their shares of the band energy
    stability: np.ndarray  # long-term spectral peak stability, 0..1


def _band_bins(options: SoundOptions) -> tuple[int, int]:
    lo, hi = options.band_hz
    return int(lo * _N_FFT / ANALYSIS_RATE), int(math.ceil(hi * _N_FFT / ANALYSIS_RATE)) + 1


def _parabolic_hz(logp: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Frequency of the peak at bin ``k`` of each row, refined by a parabola through
    the log power of the bin and its two neighbours (Hann: ~0.1 bin accuracy)."""
    rows = np.arange(len(k))
    a, b, c = logp[rows, k - 1], logp[rows, k], logp[rows, k + 1]
    den = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(np.abs(den) > 1e-9, 0.5 * (a - c) / den, 0.0)
    return (k + np.clip(delta, -0.5, 0.5)) * ANALYSIS_RATE / _N_FFT


def _top_components(power: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The two strongest components of each spectrum in bins [lo, hi): frequency and
    share of the band energy (the peak bin ±2, the Hann main lobe)."""
    band = power[:, lo:hi].astype(np.float64)
    total = band.sum(axis=1) + 1e-20
    c = np.cumsum(np.pad(band, ((0, 0), (3, 2))), axis=1)
    lobe = c[:, 5:] - c[:, :-5]  # lobe[:, j] = band[:, j-2 .. j+2]
    logp = np.log(power.astype(np.float64) + 1e-20)
    rows = np.arange(len(band))
    hz, share = np.zeros((len(band), 2)), np.zeros((len(band), 2))
    masked = band.copy()
    for rank in range(2):
        j = np.argmax(masked, axis=1)
        share[:, rank] = lobe[rows, j] / total
        hz[:, rank] = _parabolic_hz(logp, np.clip(j + lo, 1, power.shape[1] - 2))
        for d in range(-3, 4):  # hide the lobe so the second pick is another component
            masked[rows, np.clip(j + d, 0, band.shape[1] - 1)] = -1.0
    return hz, share


def _peaks(
    blocks: np.ndarray, noise: np.ndarray, lo: int, hi: int, options: SoundOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks of each averaged block in bins [lo, hi): frequency (NaN where no
    peak) and energy (peak bin ±2).

        power:   ___/\\___/\\/\\______
        peak:       ^    ^  ^         local maximum over ±2 bins, prominent over the
                                      lowest bin within ±6, well above the line noise
    """
    p = blocks[:, lo - 6 : hi + 6]
    centre = p[:, 6:-6]
    is_max = np.ones(centre.shape, dtype=bool)
    for d in (-2, -1, 1, 2):
        neighbour = p[:, 6 + d : p.shape[1] - 6 + d]
        is_max &= centre > neighbour if d > 0 else centre >= neighbour
    valley = ndimage.minimum_filter1d(p, 13, axis=1)[:, 6:-6]
    peak = is_max & (centre > valley * 10 ** (options.peak_prominence_db / 10))
    peak &= centre > noise[lo:hi] * 10 ** (options.peak_above_noise_db / 10)
    logp = np.log(p.astype(np.float64) + 1e-20)
    a, b, c = logp[:, 5:-7], logp[:, 6:-6], logp[:, 7:-5]
    den = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(np.abs(den) > 1e-9, 0.5 * (a - c) / den, 0.0)
    bins = np.arange(lo, hi)[None, :] + np.clip(delta, -0.5, 0.5)
    hz = np.where(peak, bins * ANALYSIS_RATE / _N_FFT, np.nan)
    energy = np.where(peak, ndimage.uniform_filter1d(p, 5, axis=1)[:, 6:-6] * 5, 0.0)
    return hz, energy


def _stability(groups: np.ndarray, noise: np.ndarray, options: SoundOptions) -> np.ndarray:
    """Long-term spectral peak stability at each group boundary.

        groups:   |g0|g1|g2|g3|g4|g5|g6|g7|      100 ms each
        before:   |-- block  --|                 mean power over 0.4 s
        after:                 |-- block  --|
        score at the boundary between them: share of the band energy of *before*
        that lies in peaks found again in *after* (within the frequency tolerance)

    Music holds notes and chords across blocks; speech moves its partials.
    """
    lo, hi = _band_bins(options)
    per_block = max(1, int(round(options.stability_block_s / (FRAME_S * _GROUP))))
    c = np.cumsum(np.pad(groups.astype(np.float64), ((1, 0), (0, 0))), axis=0)
    n_groups = len(groups)
    score = np.zeros(n_groups + 1)
    if n_groups < 2 * per_block:
        return score
    blocks = (c[per_block:] - c[:-per_block]) / (per_block * _GROUP)  # blocks[j] = groups j..j+per_block-1
    hz, energy = _peaks(blocks, noise, lo, hi, options)
    total = blocks[:, lo:hi].sum(axis=1) + 1e-20
    before_hz, after_hz = hz[: -per_block], hz[per_block:]
    tol = np.maximum(options.stability_tolerance_hz, options.stability_tolerance * np.nan_to_num(before_hz))
    found = np.zeros(before_hz.shape, dtype=bool)
    # Looking ±2 bins away caps the tolerance at ~16 Hz, which binds above 1.3 kHz:
    # the upper partials of held notes are steady well within that.
    for d in range(-2, 3):
        shifted = np.roll(after_hz, d, axis=1)
        with np.errstate(invalid="ignore"):
            found |= np.abs(shifted - before_hz) <= tol
    matched = (energy[: -per_block] * found).sum(axis=1) / total[: -per_block]
    # boundary b sits between group b-1 and group b; before = groups b-per_block..b-1
    score[per_block : per_block + len(matched)] = np.minimum(matched, 1.0)
    return score


def _analyse(audio: CallAudio, options: SoundOptions) -> _Frames:
    """Per-frame level, top components and stability of the whole call."""
    rate = audio.sample_rate
    energies = [frame_energy_db(ch, rate) for ch in audio.channels]
    n = min(len(e) for e in energies)
    above = np.stack([e[:n] - np.percentile(e[:n], options.floor_percentile) for e in energies])
    loudest = np.argmax(above, axis=0)
    above_floor = above[loudest, np.arange(n)]

    # Resample once per channel; the window of frame i is centred on the middle of the
    # frame (i + 0.5) * FRAME_S, padded with zeros at both ends of the call.
    g = math.gcd(ANALYSIS_RATE, rate)
    pad = _N_FFT // 2
    lines = np.stack(
        [
            np.pad(
                signal.resample_poly(ch.astype(np.float32), ANALYSIS_RATE // g, rate // g).astype(np.float32),
                (pad, _N_FFT),
            )
            for ch in audio.channels
        ]
    )
    window = np.hanning(_N_FFT).astype(np.float32)
    lo, hi = _band_bins(options)
    n_groups = n // _GROUP
    groups = np.zeros((n_groups, _N_FFT // 2 + 1), dtype=np.float32)
    top_hz, top_share = np.zeros((n, 2)), np.zeros((n, 2))
    offsets = np.arange(_N_FFT)
    for a in range(0, n, _CHUNK_FRAMES):
        idx = np.arange(a, min(n, a + _CHUNK_FRAMES))
        # frame i is centred at i*HOP + HOP/2; its window starts N/2 before that, which
        # the N/2 of leading padding turns into i*HOP + HOP/2 in the padded line
        starts = idx * _HOP + _HOP // 2
        frames = lines[loudest[idx][:, None], starts[:, None] + offsets[None, :]] * window
        spec = fft.rfft(frames, axis=1)
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        top_hz[idx], top_share[idx] = _top_components(power, lo, hi)
        # chunks start on group boundaries (_CHUNK_FRAMES is a multiple of _GROUP)
        k = min(n_groups, (a + len(idx)) // _GROUP) - a // _GROUP
        groups[a // _GROUP : a // _GROUP + k] = power[: k * _GROUP].reshape(k, _GROUP, -1).sum(axis=1)
    # line noise spectrum: groups of frames all within 3 dB of the floor
    quiet_groups = np.all(above_floor[: n_groups * _GROUP].reshape(n_groups, _GROUP) <= 3.0, axis=1)
    if quiet_groups.sum() >= 5:
        noise = np.median(groups[quiet_groups], axis=0) / _GROUP
    else:  # no line noise to measure (a synthetic or gated signal): the quietest 5 %
        noise = np.percentile(groups, 5, axis=0) / _GROUP if n_groups else np.zeros(_N_FFT // 2 + 1)
    noise = np.maximum(noise, 1e-12)

    boundary_score = _stability(groups, noise, options)
    # frame i takes the score of the group boundary nearest to its centre
    nearest = np.clip(np.rint((np.arange(n) + 0.5) / _GROUP).astype(int), 0, len(boundary_score) - 1)
    return _Frames(
        above_floor_db=above_floor,
        sound=above_floor > options.floor_margin_db,
        top_hz=top_hz,
        top_share=top_share,
        stability=boundary_score[nearest],
    )


# --------------------------------------------------------------------------- labelling

_SILENCE, _MUSIC, _TONE, _RING = 0, 1, 2, 3
_KINDS = {_SILENCE: SoundKind.SILENCE, _MUSIC: SoundKind.MUSIC, _TONE: SoundKind.TONE, _RING: SoundKind.RINGBACK}
_MIN_BURST_FRAMES = 5  # 0.1 s: shorter steady bits are chance alignments, not tones
_MAX_DROPOUT_FRAMES = 2  # a click or codec glitch inside a tone does not end it
_ANSWER_FRAMES = 10  # 0.2 s of sound after a ring: someone answered (a click is shorter)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame index pairs of the True runs of ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _value_runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of equal values."""
    cuts = np.flatnonzero(np.diff(labels)) + 1
    bounds = np.concatenate(([0], cuts, [len(labels)]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


@dataclass(frozen=True)
class _Burst:
    """Frames [start, end) holding one or two components at a steady pitch."""

    start: int
    end: int
    hz: tuple[float, ...]  # ascending

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class _Claim:
    """Frames [start, end) taken by a ringback or a tone, with what was heard."""

    start: int
    end: int
    kind: int
    detail: str
    hz: tuple[float, ...]


def _same_pitch(a: Sequence[float], b: Sequence[float], tolerance_hz: float) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tolerance_hz for x, y in zip(a, b))


def _hz_name(hz: Sequence[float]) -> str:
    return "+".join(f"{h:.0f}" for h in hz) + " Hz"


def _bursts(f: _Frames, lo: int, hi: int, options: SoundOptions) -> list[_Burst]:
    """Steady tone bursts inside frames [lo, hi).

        share:  .2  .95 .97 .96 .96 .9  .9  .3      >= tone_share in the top one or two
        pitch:      440 440 441 440 880 880         components; a jump of more than
        bursts:     |--- 440 Hz ---|880 Hz|         tone_drift_hz starts a new burst
    """
    share = f.top_share[lo:hi]
    dual = share[:, 1] >= 0.25 * share[:, 0]
    tonal = f.sound[lo:hi] & (share[:, 0] + np.where(dual, share[:, 1], 0.0) >= options.tone_share)
    hz = np.where(dual[:, None], np.sort(f.top_hz[lo:hi], axis=1), f.top_hz[lo:hi, :1])
    steady = np.ones(len(hz), dtype=bool)
    steady[1:] = (dual[1:] == dual[:-1]) & np.all(np.abs(hz[1:] - hz[:-1]) <= options.tone_drift_hz, axis=1)
    bursts: list[_Burst] = []
    for a, b in _runs(tonal):
        cuts = [a] + [k for k in range(a + 1, b) if not steady[k]] + [b]
        for x, y in zip(cuts, cuts[1:]):
            if y - x < _MIN_BURST_FRAMES:
                continue
            pitch = np.median(hz[x:y], axis=0) if dual[x:y].mean() >= 0.5 else np.median(hz[x:y, :1], axis=0)
            burst = _Burst(x + lo, y + lo, tuple(float(p) for p in pitch))
            if (
                bursts
                and burst.start - bursts[-1].end <= _MAX_DROPOUT_FRAMES
                and _same_pitch(bursts[-1].hz, burst.hz, options.tone_drift_hz)
            ):
                burst = _Burst(bursts[-1].start, burst.end, bursts[-1].hz)
                bursts.pop()
            bursts.append(burst)
    return bursts


def _ringbacks(bursts: list[_Burst], f: _Frames, hi: int, options: SoundOptions) -> list[_Claim]:
    """Ringback: bursts at a known ringback's frequencies, of its ring length, one
    period apart.

        frames:  |==|........|==|........|==|..|        425 Hz rings, 1 s on
                 ^ start     ^ +5 s      ^ +5 s ^ stretch end (the call is answered)
        claim:   |------------------------------|        3 rings in cadence

    Two or more rings in cadence make a ringback; so does one ring of the right length
    when the stretch ends within a period of it (answered at the first ring). A ring
    that the line outlasts without a second one is out of cadence and stays a tone.
    The claim runs on after the last ring through its quiet off-time, up to a period.
    """
    tol = options.cadence_tolerance
    claims: list[_Claim] = []
    for plan in options.ringbacks:
        freqs = tuple(sorted(plan.freqs_hz))
        on = [
            b
            for b in bursts
            if _same_pitch(b.hz, freqs, options.ringback_tolerance_hz)
            and abs(b.length * FRAME_S - plan.on_s) <= tol * plan.on_s
        ]
        period = plan.period_s / FRAME_S
        i = 0
        while i < len(on):
            j = i
            while j + 1 < len(on) and abs(on[j + 1].start - on[j].start - period) <= tol * period:
                j += 1
            first, last = on[i], on[j]
            if j > i or hi - first.start <= (1 + tol) * period:
                # on through the quiet off-time, up to the first 0.2 s of sound (the answer)
                limit = min(hi, int(round(last.start + period)))
                loud = [a for a, b in _runs(f.sound[last.end : limit]) if b - a >= _ANSWER_FRAMES]
                end = last.end + loud[0] if loud else limit
                rings = j - i + 1
                detail = f"{plan.name}, {rings} ring{'s' if rings > 1 else ''} ({plan.country})"
                claims.append(_Claim(first.start, end, _RING, detail, freqs))
            i = j + 1
    return claims


def _tones(bursts: list[_Burst], f: _Frames, options: SoundOptions) -> list[_Claim]:
    """Steady tones: one burst, or bursts of one pitch with only quiet between them
    (a busy tone, an unknown ringback), of at least tone_min_s of tone in all.

        bursts:  |480+620|  |480+620|  |480+620|     0.5 s on, 0.5 s quiet
        claim:   |------------------------------|    "480+620 Hz 0.5/0.5 s cadence"
    """
    claims: list[_Claim] = []
    max_gap = options.tone_max_gap_s / FRAME_S
    i = 0
    while i < len(bursts):
        j = i
        while j + 1 < len(bursts):
            a, b = bursts[j], bursts[j + 1]
            gap = f.sound[a.end : b.start]
            if not (
                _same_pitch(a.hz, b.hz, 2 * options.tone_drift_hz)
                and b.start - a.end <= max_gap
                and (len(gap) == 0 or gap.mean() <= 0.2)
            ):
                break
            j += 1
        chain = bursts[i : j + 1]
        on = sum(b.length for b in chain)
        if on * FRAME_S >= options.tone_min_s:
            hz = chain[0].hz
            if len(chain) == 1:
                detail = f"{_hz_name(hz)} steady"
            else:
                off = np.median([b.start - a.end for a, b in zip(chain, chain[1:])]) * FRAME_S
                on_s = np.median([b.length for b in chain]) * FRAME_S
                detail = f"{_hz_name(hz)} {on_s:.1f}/{off:.1f} s cadence"
            claims.append(_Claim(chain[0].start, chain[-1].end, _TONE, detail, hz))
        i = j + 1
    return claims


def _window_mean(values: np.ndarray, weight: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred moving mean of ``values`` over the frames where ``weight`` is True, and
    the share of such frames in each window."""

    def window_sum(x: np.ndarray) -> np.ndarray:  # zero beyond the ends: they are not in the stretch
        return ndimage.uniform_filter1d(x.astype(float), width, mode="constant") * width

    num = window_sum(np.where(weight, values, 0.0))
    den = window_sum(weight)
    count = window_sum(np.ones(len(values)))
    return num / np.maximum(den, 1e-9), den / np.maximum(count, 1e-9)


def _merge_same(runs: list[list[int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for r in runs:
        if merged and merged[-1][0] == r[0]:
            merged[-1][2] = r[2]
        else:
            merged.append(r[:])
    return merged


def _bridge_gaps(runs: list[list[int]], min_frames: int) -> list[list[int]]:
    """Silence shorter than ``min_frames`` between two runs of one kind of sound joins them.

        kinds:  music  |sil|  music       a pause between notes ...
        out:    music ------------        ... is part of the music
    """
    runs = [r[:] for r in runs]
    for i in range(1, len(runs) - 1):
        kind, a, b = runs[i]
        if kind == _SILENCE and b - a < min_frames and runs[i - 1][0] == runs[i + 1][0] != _SILENCE:
            runs[i][0] = runs[i - 1][0]
    return _merge_same(runs)


def _absorb_short(runs: list[list[int]], min_frames: int) -> list[list[int]]:
    """Merge runs ([kind, start, end]) shorter than ``min_frames`` into their neighbours:
    first the short pauses inside one kind of sound (``_bridge_gaps``), then the rest,
    shortest first.

        kinds:  silence |music| tone      a short run between two kinds
        out:    silence ------| tone      goes to its longer neighbour
    """
    runs = _bridge_gaps(runs, min_frames)
    while len(runs) > 1:
        lengths = [b - a for _, a, b in runs]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_frames:
            break
        left = runs[i - 1] if i > 0 else None
        right = runs[i + 1] if i + 1 < len(runs) else None
        if left and right and left[0] == right[0]:
            left[2] = right[2]
            del runs[i : i + 2]
        elif left and (not right or left[2] - left[1] >= right[2] - right[1]):
            left[2] = runs[i][2]
            del runs[i]
        else:
            assert right is not None
            right[1] = runs[i][1]
            del runs[i]
    return _merge_same(runs)


def _claims_in(claims: list[_Claim], kind: int, a: int, b: int) -> list[_Claim]:
    return [c for c in claims if c.kind == kind and min(b, c.end) > max(a, c.start)]


def _detail(kind: int, a: int, b: int, f: _Frames, claims: list[_Claim]) -> str:
    inside = _claims_in(claims, kind, a, b)
    if inside:
        return max(inside, key=lambda c: min(b, c.end) - max(a, c.start)).detail
    if kind == _MUSIC:
        sound = f.sound[a:b]
        stability = float(np.mean(f.stability[a:b][sound])) if sound.any() else 0.0
        return f"peak stability {stability:.2f}"
    return "line noise" if float(np.mean(f.sound[a:b])) < 0.5 else "non-tonal sound"


def _classify_stretch(f: _Frames, stretch: Span, options: SoundOptions) -> list[SoundSegment]:
    """Label one stretch with no speech; segments cover it exactly.

    Ringback first (frequencies and cadence), then steady tones, then music among the
    remaining sound, the rest silence; then short runs are absorbed.
    """
    n = len(f.sound)
    lo = min(n, max(0, int(math.ceil(stretch.start / FRAME_S - 0.5))))
    hi = min(n, max(lo, int(math.ceil(stretch.end / FRAME_S - 0.5))))
    if hi <= lo:  # shorter than a frame: nothing to measure
        return [SoundSegment(stretch.start, stretch.end, SoundKind.SILENCE, "too short to analyse")]
    labels = np.full(hi - lo, _SILENCE)

    bursts = _bursts(f, lo, hi, options)
    claims = _ringbacks(bursts, f, hi, options)
    taken = np.zeros(n, dtype=bool)
    for c in claims:
        taken[c.start : c.end] = True
    claims += _tones([b for b in bursts if not taken[b.start : b.end].any()], f, options)
    for c in claims:  # ringback first: a tone never overwrites it
        part = labels[c.start - lo : c.end - lo]
        part[part == _SILENCE] = c.kind

    width = max(1, int(round(options.music_window_s / FRAME_S)))
    mean_stability, sound_share = _window_mean(f.stability[lo:hi], f.sound[lo:hi], width)
    music = (
        f.sound[lo:hi]
        & (labels == _SILENCE)
        & (mean_stability >= options.music_stability)
        & (sound_share >= options.music_min_sound_share)
    )
    labels[music] = _MUSIC

    min_frames = int(round(options.min_segment_s / FRAME_S))
    runs = _bridge_gaps([[int(labels[a]), a, b] for a, b in _value_runs(labels)], min_frames)
    # A short steady tone against music is one of its held notes.
    held = int(round(options.held_note_max_s / FRAME_S))
    for i, (kind, a, b) in enumerate(runs):
        beside = {runs[j][0] for j in (i - 1, i + 1) if 0 <= j < len(runs)}
        if kind == _TONE and b - a < held and _MUSIC in beside:
            runs[i][0] = _MUSIC
    runs = _bridge_gaps(runs, min_frames)
    # Music is sustained: a short run of it, its own pauses and notes included, is not
    # hold music (and the rare second of very steady speech, a held "mmm", stays out).
    for r in runs:
        if r[0] == _MUSIC and (r[2] - r[1]) * FRAME_S < options.music_min_s:
            r[0] = _SILENCE
    runs = _absorb_short(_merge_same(runs), min_frames)
    # Tones stepping through three or more pitches are a melody, not a steady tone.
    for r in runs:
        if r[0] == _TONE:
            tones = _claims_in(claims, _TONE, lo + r[1], lo + r[2])
            if len({round(12 * math.log2(max(c.hz[-1], 1.0) / 440.0)) for c in tones}) >= 3:
                r[0] = _MUSIC
    runs = _merge_same(runs)

    segments = []
    for kind, a, b in runs:
        start = stretch.start if a == 0 else round((lo + a) * FRAME_S, 3)
        end = stretch.end if b == hi - lo else round((lo + b) * FRAME_S, 3)
        segments.append(SoundSegment(start, end, _KINDS[kind], _detail(kind, lo + a, lo + b, f, claims)))
    return segments


# --------------------------------------------------------------------------- public


def non_speech_stretches(
    activity: SpeakerActivity, duration: float, within: Sequence[Span] | None = None
) -> tuple[Span, ...]:
    """Where no speaker is active, optionally only inside ``within``.

        within:    |--------------|     |----------|
        speech:       |===|    |=======|    |==|
        stretches: |--|   |----|        |---|  |---|
    """
    speech = merge_spans(s for spans in activity.speakers.values() for s in spans)
    support = merge_spans(within) if within is not None else (Span(0.0, duration),)
    out: list[Span] = []
    for span in support:
        span = span & Span(0.0, duration)
        if span:
            out.extend(gaps(speech, span))
    return tuple(out)


def classify_sound(
    audio: CallAudio,
    activity: SpeakerActivity,
    options: SoundOptions = SoundOptions(),
    *,
    within: Sequence[Span] | None = None,
) -> tuple[SoundSegment, ...]:
    """Label every stretch where no speaker is active as silence, music, tone or ringback.

        speech:    |===|                          |====|
        line:           ~~~ ♪♪♪♪♪♪♪♪ ~~ ))) ))) ~
        segments:       |sil|  music  |ringback|sil|

    Segments cover the stretches completely (inside ``within`` when given, e.g. the
    gaps between turns), adjacent segments of one kind are merged and runs shorter
    than ``options.min_segment_s`` are absorbed by their neighbours. Stereo calls are
    measured on whichever channel is furthest above its own noise floor, frame by frame.
    """
    stretches = non_speech_stretches(activity, audio.duration, within)
    if not stretches:
        return ()
    frames = _analyse(audio, options)
    segments: list[SoundSegment] = []
    for stretch in stretches:
        segments.extend(_classify_stretch(frames, stretch, options))
    return tuple(segments)
