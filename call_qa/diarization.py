"""Speaker activity: who talks when.

Stereo (one party per channel) is exact up to voice activity: each channel gets its
own Silero VAD, then frames where the channel only carries the *other* party's leak
(crosstalk, echo) are removed. Mono calls use the site's pyannote pipeline when one is
configured (``call_qa.pyannote_pipeline``), else the offline diarizer below: Silero VAD,
MFCC window statistics clustered (Ward), GMM/Viterbi resegmentation at 10 ms, a third
voice when the likelihood says so, and overtalk found with a "both voices" model learnt
from the call itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from call_qa.audio import FRAME_S, CallAudio, frame_energy_db
from call_qa.config import DiarizationSettings, VadSettings
from call_qa.domain import Layout, SpeakerActivity, Span, merge_spans

logger = logging.getLogger("call_qa")


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


HOP_S = 0.01  # frame step of the mono diarizer (MFCC hop 160 samples at 16 kHz)
MAX_WINDOWS = 3600


@dataclass(frozen=True)
class _Segmentation:
    """One mono diarization hypothesis: a speaker index per speech frame (10 ms)."""

    labels: np.ndarray  # (n_speech_frames,) in 0..k-1
    loglik: np.ndarray  # (n_speech_frames, k) per-speaker GMM log-likelihoods
    score: float  # mean log-likelihood per frame of the Viterbi path, switches penalised


def _frame_features(signal: np.ndarray, sample_rate: int, n_mfcc: int) -> np.ndarray:
    """MFCC c1…c(n-1) per 10 ms frame (25 ms window, 40 mel bands 60–4000 Hz: the
    telephone band, so 8 kHz and 16 kHz recordings look alike). c0 (loudness) is left out."""
    import librosa

    mfcc = librosa.feature.mfcc(
        y=signal, sr=sample_rate, n_mfcc=n_mfcc, n_fft=512, win_length=400, hop_length=int(HOP_S * sample_rate),
        n_mels=40, fmin=60, fmax=4000,
    )
    return mfcc[1:].T.astype(np.float64)


def _window_embeddings(feats: np.ndarray, speech: np.ndarray, window: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the speech frames of each window that is at least
    half speech; returns (window start frames, standardised statistics)."""
    starts, stats = [], []
    for a in range(0, max(len(feats) - window, 0) + 1, step):
        keep = speech[a : a + window]
        if keep.sum() < window // 2:
            continue
        x = feats[a : a + window][keep]
        stats.append(np.concatenate([x.mean(axis=0), x.std(axis=0)]))
        starts.append(a)
    e = np.asarray(stats)
    if len(e):
        e = (e - e.mean(axis=0)) / (e.std(axis=0) + 1e-8)
    return np.asarray(starts, dtype=int), e


def _viterbi(loglik: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """Best state path: ``loglik`` (n, k) per-frame scores, ``transition`` (k, k) additive
    scores of going from state i to state j (0 on the diagonal, minus a penalty elsewhere)."""
    n, k = loglik.shape
    score = loglik[0].copy()
    back = np.zeros((n, k), dtype=np.int32)
    for t in range(1, n):
        cand = score[:, None] + transition
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + loglik[t]
    path = np.zeros(n, dtype=np.int32)
    path[-1] = int(score.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _switch_matrix(k: int, penalty: float) -> np.ndarray:
    t = np.full((k, k), -penalty)
    np.fill_diagonal(t, 0.0)
    return t


def _gmm(x: np.ndarray, components: int):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(
        min(components, max(1, len(x) // 20)), covariance_type="diag", random_state=0, max_iter=50, reg_covar=1e-3
    ).fit(x)


def _segment(feats: np.ndarray, speech: np.ndarray, k: int, options: DiarizationSettings) -> _Segmentation:
    """Cluster windows into ``k`` voices, then resegment frame by frame.

        windows (1.5 s, step 0.25 s):  [----][----][----] ...  MFCC mean/std, standardised
        Ward agglomerative clustering ─► k voices; each frame takes its windows' majority
        per voice: a diagonal GMM on its frames ─► frame log-likelihoods
        Viterbi with a switch penalty ─► new frame labels; repeat (GMM ↔ Viterbi)
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    window, step = int(round(options.window_s / HOP_S)), max(1, int(round(options.step_s / HOP_S)))
    # Ward linkage holds all pairwise distances: a long call gets a coarser step
    # (at most MAX_WINDOWS windows, ~50 MB), the frame-level resegmentation keeps the detail.
    step = max(step, -(-len(feats) // MAX_WINDOWS))
    starts, emb = _window_embeddings(feats, speech, window, step)
    x = feats[speech]
    if len(emb) < k + 1 or len(x) < 200 * k:
        return _Segmentation(np.zeros(len(x), dtype=int), np.zeros((len(x), 1)), -np.inf if k > 1 else 0.0)
    win_labels = fcluster(linkage(emb, method="ward"), k, criterion="maxclust") - 1
    votes = np.zeros((len(feats), k))
    for a, label in zip(starts, win_labels):
        votes[a : a + window, label] += 1
    labels = votes.argmax(axis=1)[speech]  # frames without a window fall to voice 0 until resegmented
    transition = _switch_matrix(k, options.switch_penalty)
    loglik = np.zeros((len(x), k))
    for _ in range(max(1, options.resegment_iterations)):
        for j in range(k):
            members = x[labels == j]
            loglik[:, j] = _gmm(members, options.gmm_components).score_samples(x) if len(members) >= 50 else -1e9
        new = _viterbi(loglik, transition)
        if np.array_equal(new, labels):
            break
        labels = new
    switches = int(np.sum(labels[1:] != labels[:-1]))
    score = float((loglik[np.arange(len(x)), labels].sum() - options.switch_penalty * switches) / len(x))
    return _Segmentation(labels, loglik, score)


def _overlap_labels(
    signal: np.ndarray, sample_rate: int, seg: _Segmentation, frame_label: np.ndarray, feats_norm: tuple[np.ndarray, np.ndarray],
    x: np.ndarray, options: DiarizationSettings,
) -> np.ndarray:
    """Two voices: find overtalk with a third model learnt from the call itself.

        voice 0 frames ─┐  60 × 1 s of voice 0 + 1 s of voice 1, summed as the line sums them
        voice 1 frames ─┴► MFCC ─► "both talking" GMM
        Viterbi over {0, 1, both}, entering "both" costs ``overlap_penalty``
    Returns the state per speech frame: 0, 1 or 2 (= both)."""
    hop = int(HOP_S * sample_rate)
    rng = np.random.RandomState(0)
    pieces = []
    for j in range(2):
        frames = np.flatnonzero(frame_label == j)
        pieces.append(np.concatenate([signal[f * hop : (f + 1) * hop] for f in frames]) if len(frames) else np.zeros(0))
    if min(len(p) for p in pieces) < sample_rate:
        return seg.labels
    mixes = []
    for _ in range(60):
        a = rng.randint(0, len(pieces[0]) - sample_rate + 1)
        b = rng.randint(0, len(pieces[1]) - sample_rate + 1)
        mixes.append(pieces[0][a : a + sample_rate] + pieces[1][b : b + sample_rate])
    mean, std = feats_norm
    both = (_frame_features(np.concatenate(mixes).astype(np.float32), sample_rate, options.n_mfcc) - mean) / std
    loglik = np.column_stack([seg.loglik, _gmm(both, options.gmm_components).score_samples(x)])
    transition = _switch_matrix(3, options.switch_penalty)
    transition[:2, 2] = -options.overlap_penalty
    return _viterbi(loglik, transition)


def mono_activity(audio: CallAudio, vad: VadSettings, options: DiarizationSettings) -> SpeakerActivity:
    """Offline diarization of a mixed channel (CPU, installed packages only).

        speech (Silero VAD) ─► 10 ms MFCC (c1–c12, telephone band, normalised over the call)
        ─► ``num_speakers`` voices: Ward clustering of 1.5 s window statistics, then GMM/Viterbi
           resegmentation (``_segment``)
        ─► up to ``max_speakers``: a further voice is kept when it raises the per-frame
           log-likelihood by ``extra_speaker_gain`` and holds ``min_speaker_share`` of the speech
        ─► two voices and ``overlap``: overtalk frames labelled as both (``_overlap_labels``)
        ─► spk0, spk1, … in order of first speech
    """
    signal = audio.mix
    sr = audio.sample_rate
    method = "mono-mfcc-gmm-viterbi"
    regions = voice_activity(signal, sr, vad)
    if sum(r.duration for r in regions) < 0.5:
        return SpeakerActivity(layout=Layout.MONO, speakers={}, method=method)
    feats = _frame_features(signal, sr, options.n_mfcc)
    n = len(feats)
    speech = np.zeros(n, dtype=bool)
    for s in regions:
        speech[int(s.start / HOP_S) : int(np.ceil(s.end / HOP_S))] = True
    if speech.sum() < 50:
        return SpeakerActivity(layout=Layout.MONO, speakers={}, method=method)
    mean, std = feats[speech].mean(axis=0), feats[speech].std(axis=0) + 1e-8
    feats = (feats - mean) / std
    x = feats[speech]

    best = _segment(feats, speech, options.num_speakers, options) if options.num_speakers > 1 else None
    if best is None or not np.isfinite(best.score):
        states = np.zeros(len(x), dtype=int)
        k = 1
    else:
        k = options.num_speakers
        for extra in range(k + 1, options.max_speakers + 1):
            cand = _segment(feats, speech, extra, options)
            share = np.bincount(cand.labels, minlength=extra).min() / len(cand.labels)
            if cand.score - best.score < options.extra_speaker_gain or share < options.min_speaker_share:
                break
            best, k = cand, extra
        states = best.labels
        if k == 2 and options.overlap:
            frame_label = np.full(n, -1)
            frame_label[speech] = best.labels
            states = _overlap_labels(signal, sr, best, frame_label, (mean, std), x, options)

    speech_idx = np.flatnonzero(speech)
    per_voice = []
    for j in range(k):
        mask = np.zeros(n, dtype=bool)
        mask[speech_idx[(states == j) | (states == k)]] = True  # state k (only with overlap) = both
        per_voice.append(_hop_mask_to_spans(mask))
    order = sorted((spans[0].start, j) for j, spans in enumerate(per_voice) if spans)
    speakers = {f"spk{rank}": per_voice[j] for rank, (_, j) in enumerate(order)}
    return SpeakerActivity(layout=Layout.MONO, speakers=speakers, method=method)


def _hop_mask_to_spans(mask: np.ndarray, min_len_s: float = 0.2, join_gap_s: float = 0.1) -> tuple[Span, ...]:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    spans = [Span(round(float(a) * HOP_S, 3), round(float(b) * HOP_S, 3)) for a, b in zip(edges[::2], edges[1::2])]
    return tuple(s for s in merge_spans(spans, gap=join_gap_s) if s.duration >= min_len_s)


def speaker_activity(audio: CallAudio, vad: VadSettings, options: DiarizationSettings) -> SpeakerActivity:
    """Stereo first (exact separation); for mono the site's pyannote pipeline when one
    is configured (``diarization.pyannote_pipeline``), else the offline diarizer."""
    if audio.layout is Layout.STEREO:
        return stereo_activity(audio, vad)
    if options.pyannote_pipeline:
        from call_qa.models import load_pyannote_pipeline
        from call_qa.pyannote_pipeline import pyannote_activity

        pipeline = load_pyannote_pipeline(options.pyannote_pipeline, options.pyannote_token_env, options.pyannote_device)
        return pyannote_activity(audio, pipeline, options)
    return mono_activity(audio, vad, options)
