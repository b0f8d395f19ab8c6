"""Speaker activity: who talks when.

Stereo (one party per channel) is exact up to voice activity: each channel gets its
own Silero VAD, then frames where the channel only carries the *other* party's leak
(crosstalk, echo) are removed. Mono calls use the offline fallback: VAD windows
clustered by voice timbre (MFCC statistics).
"""

from __future__ import annotations

import logging

import numpy as np

from call_qa.audio import CallAudio
from call_qa.config import DiarizationSettings, VadSettings
from call_qa.domain import Layout, SpeakerActivity, Span, merge_spans

logger = logging.getLogger("call_qa")

FRAME_S = 0.02


def voice_activity(signal: np.ndarray, sample_rate: int, options: VadSettings) -> tuple[Span, ...]:
    """Speech regions of one signal with faster-whisper's Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(
        threshold=options.threshold,
        min_speech_duration_ms=options.min_speech_duration_ms,
        min_silence_duration_ms=options.min_silence_duration_ms,
        speech_pad_ms=options.speech_pad_ms,
    )
    stamps = get_speech_timestamps(signal, vad, sampling_rate=sample_rate)
    return tuple(Span(s["start"] / sample_rate, s["end"] / sample_rate) for s in stamps)


def frame_energy_db(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Energy in dB per 20 ms frame."""
    hop = int(FRAME_S * sample_rate)
    n = len(signal) // hop
    frames = signal[: n * hop].reshape(n, hop).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)


def mask_to_spans(mask: np.ndarray, min_len_s: float, join_gap_s: float) -> tuple[Span, ...]:
    spans: list[Span] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    for start, end in zip(edges[::2], edges[1::2]):
        spans.append(Span(round(float(start) * FRAME_S, 3), round(float(end) * FRAME_S, 3)))
    merged = merge_spans(spans, gap=join_gap_s)
    return tuple(s for s in merged if s.duration >= min_len_s)


def spans_to_mask(spans: tuple[Span, ...], n_frames: int) -> np.ndarray:
    mask = np.zeros(n_frames, dtype=bool)
    for s in spans:
        mask[int(s.start / FRAME_S) : int(np.ceil(s.end / FRAME_S))] = True
    return mask


def _dominance_db(energies: list[np.ndarray], i: int, span: Span) -> float:
    """Power of channel ``i`` over ``span`` relative to the loudest other channel, in dB.
    A stretch that is only leak sits ~30 dB below the party who is really talking."""
    a, b = int(span.start / FRAME_S), max(int(span.end / FRAME_S), int(span.start / FRAME_S) + 1)
    power = [float(np.mean(10 ** (e[a:b] / 10))) for e in energies]
    others = max(p for j, p in enumerate(power) if j != i)
    return 10 * np.log10((power[i] + 1e-12) / (others + 1e-12))


def stereo_activity(audio: CallAudio, options: VadSettings) -> SpeakerActivity:
    """Per-channel activity with crosstalk removed.

        ch0 voice:  |=====|           leak of ch1 into ch0 is ~30 dB quieter
        ch1 voice:        |=======|
        ch0 VAD:    |=====|~~~~~~~|   VAD also fires on the leak ...
        ch0 kept:   |=====|           ... which is dropped where ch0 is more than
                                      `crosstalk_margin_db` quieter than ch1,
                                      frame by frame and then over each kept stretch
    """
    energies = [frame_energy_db(ch, audio.sample_rate) for ch in audio.channels]
    n = min(len(e) for e in energies)
    speakers: dict[str, tuple[Span, ...]] = {}
    for i, channel in enumerate(audio.channels):
        vad_mask = spans_to_mask(voice_activity(channel, audio.sample_rate, options), n)
        others = np.max(np.stack([e[:n] for j, e in enumerate(energies) if j != i]), axis=0)
        own_voice = energies[i][:n] > others - options.crosstalk_margin_db
        min_len = options.min_speech_duration_ms / 1000
        spans = mask_to_spans(vad_mask & own_voice, min_len, join_gap_s=0.2)
        speakers[f"ch{i}"] = tuple(s for s in spans if _dominance_db(energies, i, s) > -options.crosstalk_margin_db)
    return SpeakerActivity(layout=Layout.STEREO, speakers=speakers, method="stereo-vad")


def _mfcc_features(signal: np.ndarray, sample_rate: int, windows: list[Span]) -> np.ndarray:
    import librosa

    feats = []
    for w in windows:
        chunk = signal[int(w.start * sample_rate) : int(w.end * sample_rate)]
        mfcc = librosa.feature.mfcc(y=chunk, sr=sample_rate, n_mfcc=20, n_fft=512, hop_length=160)
        feats.append(np.concatenate([mfcc[1:].mean(axis=1), mfcc[1:].std(axis=1)]))
    x = np.asarray(feats)
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)


def _kmeans(x: np.ndarray, k: int, iterations: int = 50) -> np.ndarray:
    """Deterministic k-means (farthest-point initialisation): same audio, same labels."""
    centres = [x[0]]
    for _ in range(1, k):
        d = np.min([np.sum((x - c) ** 2, axis=1) for c in centres], axis=0)
        centres.append(x[int(np.argmax(d))])
    c = np.asarray(centres)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iterations):
        labels = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        new = np.asarray([x[labels == j].mean(axis=0) if np.any(labels == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return labels


def _silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient: how much closer windows are to their own voice than to the next."""
    d = np.sqrt(((x[:, None, :] - x[None]) ** 2).sum(-1))
    ks = np.unique(labels)
    own = np.zeros(len(x))
    nearest = np.full(len(x), np.inf)
    for k in ks:
        members = labels == k
        mean_d = d[:, members].sum(axis=1) / np.maximum(members.sum() - members.astype(int), 1)
        own = np.where(members, mean_d, own)
        nearest = np.where(members, nearest, np.minimum(nearest, d[:, members].mean(axis=1)))
    return float(np.mean((nearest - own) / np.maximum(np.maximum(own, nearest), 1e-12)))


def _cluster(x: np.ndarray, options: DiarizationSettings) -> np.ndarray:
    """``num_speakers`` voices, or up to ``max_speakers`` when a further voice is clearly
    there (silhouette up by ``extra_speaker_gain``, every voice ≥ ``min_speaker_share``
    of the windows) — a transferred call brings a third party."""
    k = min(options.num_speakers, len(x))
    if k <= 1:
        return np.zeros(len(x), dtype=int)
    best = _kmeans(x, k)
    best_score = _silhouette(x, best)
    for extra in range(k + 1, min(options.max_speakers, len(x)) + 1):
        labels = _kmeans(x, extra)
        score = _silhouette(x, labels)
        share = np.bincount(labels, minlength=extra).min() / len(x)
        if score - best_score < options.extra_speaker_gain or share < options.min_speaker_share:
            break
        best, best_score = labels, score
    return best


def mono_activity(audio: CallAudio, vad: VadSettings, options: DiarizationSettings) -> SpeakerActivity:
    """Offline fallback diarization for a mixed channel.

        speech (VAD):  |==========|     |=======|
        windows:       [--][--][--]     [--][--]   1 s windows, 0.5 s step
        clusters:       A   A   B        B   A     k-means on MFCC mean/std (2 voices,
                                                   a 3rd when clearly there)
        per frame:     majority vote of the windows covering it -> spk0 / spk1

    Overlapping speech gets one label (the fallback cannot separate overtalk).
    """
    signal = audio.mix
    speech = voice_activity(signal, audio.sample_rate, vad)
    n_frames = int(len(signal) / audio.sample_rate / FRAME_S)
    windows: list[Span] = []
    for region in speech:
        t = region.start
        while True:
            end = min(t + options.window_s, region.end)
            windows.append(Span(t, end))
            if end >= region.end:
                break
            t += options.step_s
    windows = [w for w in windows if w.duration >= 0.2]
    if not windows:
        return SpeakerActivity(layout=Layout.MONO, speakers={}, method="mono-mfcc-cluster")
    labels = _cluster(_mfcc_features(signal, audio.sample_rate, windows), options)
    k = int(labels.max()) + 1

    votes = np.zeros((n_frames, k))
    for w, label in zip(windows, labels):
        votes[int(w.start / FRAME_S) : int(w.end / FRAME_S), label] += 1
    speech_mask = spans_to_mask(speech, n_frames)
    frame_label = np.where(speech_mask & (votes.sum(axis=1) > 0), np.argmax(votes, axis=1), -1)
    # Labels in order of first appearance, so spk0 is whoever spoke first.
    order = list(dict.fromkeys(int(lab) for lab in frame_label if lab >= 0))
    speakers = {
        f"spk{rank}": mask_to_spans(frame_label == lab, min_len_s=0.2, join_gap_s=0.1) for rank, lab in enumerate(order)
    }
    return SpeakerActivity(layout=Layout.MONO, speakers=speakers, method="mono-mfcc-cluster")


def speaker_activity(audio: CallAudio, vad: VadSettings, options: DiarizationSettings) -> SpeakerActivity:
    """Stereo first (exact separation); diarization only for mono."""
    if audio.layout is Layout.STEREO:
        return stereo_activity(audio, vad)
    return mono_activity(audio, vad, options)
