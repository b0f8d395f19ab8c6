"""Pipeline settings: ``configs/pipeline.yaml`` → validated, immutable settings.

Structure (which model, which layout) and tunable thresholds (metrics.md) live in
one YAML file. Unknown keys are errors that name the key and the file, so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from call_qa.errors import ConfigError

#: The checkout (site-packages once installed): where flows/ sits beside call_qa/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The folder holding the shipped ``configs/`` (package data, so it exists wherever
#: call-qa is installed; the checkout's top-level ``configs`` links to it). Relative
#: paths in a pipeline YAML, such as ``configs/rubrics/phone_inbound.yaml``, start here.
CONFIG_BASE = Path(__file__).resolve().parent
DEFAULT_CONFIG_PATH = CONFIG_BASE / "configs" / "pipeline.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AsrSettings(_Strict):
    """faster-whisper settings, the one definition of the ASR defaults (``asr.AsrOptions``
    is built from these only). ``models`` maps a language (or ``default``) to a model:
    ``bundled:whisper-base`` (multilingual base from the offline packages),
    ``bundled:tiny.en``, a local CTranslate2 folder, or a hub id (sites with a hub)."""

    models: dict[str, str] = Field(
        default_factory=lambda: {"default": "bundled:whisper-base", "id": "bundled:whisper-base", "en": "bundled:whisper-base"}
    )
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    compute_type: str = "int8"  # int8 on CPU; float16 on a GPU
    cpu_threads: int = Field(default=2, ge=0)  # per worker process (docs/operations.md: workers x threads)
    beam_size: int = Field(default=5, ge=1)
    # Speech windows (<= 30 s each, both channels together) decoded at once by
    # faster-whisper's BatchedInferencePipeline (docs/operations.md: measured on 2 cores;
    # a GPU takes 16 or more). The words do not depend on it (tested).
    batch_size: int = Field(default=8, ge=1, le=64)
    # Whisper's own "no speech" skip; the audio that reaches Whisper is already only the
    # speech regions, and on telephone speech the skip dropped whole windows: off (null).
    no_speech_threshold: float | None = None
    # A window whose first decode is this repetitive, or this improbable, failed ...
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    # ... and is decoded once more with repeated n-grams barred and repetition penalised
    # (deterministic: no sampling, so re-runs give the same words), for at most
    # max_redecodes windows per call (per piece of a long call); 0: decode once.
    max_redecodes: int = Field(default=2, ge=0)
    redecode_repetition_penalty: float = Field(default=1.2, ge=1.0)
    redecode_no_repeat_ngram_size: int = Field(default=3, ge=0)
    speech_pad_s: float = Field(default=0.2, ge=0, le=1)  # around each speech region cut out for Whisper
    # Whisper segments can span a party's silence; a pause this long between two words
    # starts a new utterance, so evidence times stay tight.
    utterance_split_gap_s: float = Field(default=1.0, gt=0)
    initial_prompt: dict[str, str] = Field(default_factory=dict)

    @field_validator("models")
    @classmethod
    def _has_default(cls, v: dict[str, str]) -> dict[str, str]:
        if "default" not in v:
            raise ValueError("asr.models needs a 'default' entry")
        return v


class VadSettings(_Strict):
    """Silero VAD (shipped with faster-whisper) used for speech activity."""

    threshold: float = Field(default=0.5, gt=0, lt=1)
    min_speech_duration_ms: int = Field(default=150, ge=0)
    min_silence_duration_ms: int = Field(default=300, ge=0)
    speech_pad_ms: int = Field(default=60, ge=0)
    # Stereo: a channel counts as speaking only where its energy is this many dB above
    # the other channel's, so leaked crosstalk/echo is not taken for that party's voice.
    crosstalk_margin_db: float = 10.0


class DiarizationSettings(_Strict):
    """Mono calls. With ``pyannote_pipeline`` set (a local folder holding ``config.yaml``,
    a ``config.yaml`` file, or a hub id where a hub is reachable) that pyannote.audio
    pipeline runs with ``num_speakers`` (or ``min_speakers = num_speakers`` and
    ``max_speakers`` when they differ). Otherwise the offline diarizer (docs/pipeline.md):
    Ward clustering of ``window_s`` MFCC statistics into ``num_speakers`` voices, GMM/Viterbi
    resegmentation, a further voice up to ``max_speakers`` when it raises the per-frame
    log-likelihood by ``extra_speaker_gain`` (nats) and holds ``min_speaker_share`` of the
    speech, and overtalk labelled as both voices (``overlap``)."""

    num_speakers: int = Field(default=2, ge=1, le=4)
    max_speakers: int = Field(default=3, ge=1, le=4)
    extra_speaker_gain: float = 0.8
    min_speaker_share: float = 0.08
    window_s: float = Field(default=1.5, gt=0)
    step_s: float = Field(default=0.25, gt=0)
    n_mfcc: int = Field(default=13, ge=4, le=40)
    gmm_components: int = Field(default=8, ge=1)
    resegment_iterations: int = Field(default=3, ge=0)
    switch_penalty: float = Field(default=60.0, ge=0)
    overlap: bool = True
    overlap_penalty: float = Field(default=60.0, ge=0)
    pyannote_pipeline: str | None = None
    pyannote_token_env: str = "HF_TOKEN"
    pyannote_device: Literal["cpu", "cuda"] = "cpu"


class VoiceChangeSettings(_Strict):
    """A second voice on one stereo channel (call_qa/voice_change.py): the party a
    switch bridges onto the agent's leg after a transfer gets its own label ``ch<n>b``."""

    enabled: bool = True
    min_gap_s: float = Field(default=3.0, gt=0)  # a new voice starts only after such a break
    max_other_speech_s: float = Field(default=1.0, ge=0)  # ... in which the other channel is quiet too
    min_own_s: float = Field(default=8.0, ge=0)  # speech of the leg's own voice before it
    min_voice_s: float = Field(default=2.0, gt=0)  # speech the new voice needs
    min_region_s: float = Field(default=1.5, gt=0)  # regions shorter than this are not judged alone
    max_similarity: float = Field(default=0.90, gt=0, le=1)  # cosine to the own voice below this: new voice


class Ringback(_Strict):
    """A national ringback tone: its frequencies, and its cadence (one ring of ``on_s``
    every ``period_s``), labelled by ``country``."""

    country: str
    freqs_hz: tuple[float, ...] = Field(min_length=1, max_length=2)
    on_s: float = Field(gt=0)
    period_s: float = Field(gt=0)

    @property
    def name(self) -> str:
        freqs = "+".join(f"{f:g}" for f in self.freqs_hz)
        return f"{freqs} Hz {self.on_s:.1f}/{self.period_s - self.on_s:.1f} s cadence"


#: ITU-T E.180: Indonesia 425 Hz 1 s on / 4 s off; North America 440+480 Hz 2 s on / 4 s off.
RINGBACKS = (
    Ringback(country="id", freqs_hz=(425.0,), on_s=1.0, period_s=5.0),
    Ringback(country="na", freqs_hz=(440.0, 480.0), on_s=2.0, period_s=6.0),
)


class SoundSettings(_Strict):
    """Thresholds of the sound classifier (call_qa/sound.py), each with the reason for its
    default. This model is the sound stage's options (``sound.SoundOptions``).

    Level
      floor_percentile (10): the noise floor is this percentile of a channel's 20 ms
        frame energies over the whole call; every call with pauses has far more than
        10 % of line noise, and a percentile ignores clicks and dropouts.
      floor_margin_db (10): a frame is *sound* when this far above the floor; 20 ms
        frames of steady noise scatter by ±2-3 dB, hold music sits 15-40 dB above it.
    Spectrum
      band_hz (250, 3600): the telephone band (300-3400 Hz) with a little slack.
      peak_prominence_db (8): a stability peak stands this far above the lowest bin
        within ±47 Hz of it ...
      peak_above_noise_db (10): ... and this far above the line noise spectrum in its
        bin, so that the random ups and downs of a noise spectrum are never peaks.
    Music
      stability_block_s (0.4): the averaged blocks whose peaks are compared; long
        enough to average vibrato and arpeggios, shorter than a chord.
      stability_tolerance (0.012) / stability_tolerance_hz (4.0): a peak is found
        again when within 1.2 % (20 cents) or 4 Hz, whichever is wider.
      music_window_s (1.5): stability is averaged over the sound frames of this window.
      music_stability (0.5): the mean stability above which sound is music. Over
        1.5 s, real speech stays at or below 0.47 in 99 % of windows (0.50 at worst,
        for under a second); accompanied music of every kind tried spends 95 % of its
        time above 0.6. At 0.4, speech started to come out as music.
      music_min_sound_share (0.5): music is continuous; at least half of the window
        must be sound (speech has gaps between words).
      music_min_s (2.0): music lasts at least this long, its short pauses included;
        the few windows of speech that come near music_stability last under a second.
    Tones
      tone_share (0.8): a tone frame has at least this share of its band energy in
        its one or two strongest components (±2 bins each).
      tone_min_s (0.8): a steady tone sounds at least this long in all ...
      tone_drift_hz (4.0): ... drifting at most this much from one frame to the next.
      held_note_max_s (2.0): a steady tone shorter than this next to music is one of
        its held notes.
      tone_max_gap_s (4.5): bursts of one pitch separated by quiet gaps up to this
        long are one cadenced tone (a busy tone, a ringback of another country).
    Ringback
      ringbacks: the known ringback tones (``RINGBACKS``: Indonesia and North America).
      ringback_tolerance_hz (12.0): how far each ringback frequency may be off;
        425 ± 12 Hz stays clear of a single 440 Hz, and real exchanges are within a
        few Hz.
      cadence_tolerance (0.2): ring length and period may be off by this fraction
        (the onset and release of a ring blur by about one window, 0.13 s).
    Segments
      min_segment_s (1.0): shorter runs of one kind are absorbed by their neighbours.
    """

    floor_percentile: float = Field(default=10.0, gt=0, lt=100)
    floor_margin_db: float = Field(default=10.0, ge=0)
    band_hz: tuple[float, float] = (250.0, 3600.0)
    peak_prominence_db: float = Field(default=8.0, ge=0)
    peak_above_noise_db: float = Field(default=10.0, ge=0)
    stability_block_s: float = Field(default=0.4, gt=0)
    stability_tolerance: float = Field(default=0.012, ge=0, lt=1)
    stability_tolerance_hz: float = Field(default=4.0, ge=0)
    music_window_s: float = Field(default=1.5, gt=0)
    music_stability: float = Field(default=0.5, gt=0, le=1)
    music_min_sound_share: float = Field(default=0.5, ge=0, le=1)
    music_min_s: float = Field(default=2.0, ge=0)
    tone_share: float = Field(default=0.8, gt=0, le=1)
    tone_min_s: float = Field(default=0.8, gt=0)
    tone_drift_hz: float = Field(default=4.0, ge=0)
    held_note_max_s: float = Field(default=2.0, ge=0)
    tone_max_gap_s: float = Field(default=4.5, ge=0)
    ringbacks: tuple[Ringback, ...] = RINGBACKS
    ringback_tolerance_hz: float = Field(default=12.0, ge=0)
    cadence_tolerance: float = Field(default=0.2, ge=0, lt=1)
    min_segment_s: float = Field(default=1.0, ge=0)

    @field_validator("band_hz")
    @classmethod
    def _band_in_telephone_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        # the classifier resamples to 8 kHz: nothing lies above 4 kHz
        if not 0 <= v[0] < v[1] <= 4000:
            raise ValueError("band_hz must be [low, high] with 0 <= low < high <= 4000 (audio is analysed at 8 kHz)")
        return v


class LongCallSettings(_Strict):
    """Recordings longer than ``pieces_after_s`` are processed in pieces of about
    ``piece_s`` (call_qa/long_call.py), so a worker's memory is bounded by the piece."""

    pieces_after_s: float = Field(default=1800.0, gt=0)  # longer calls go in pieces
    piece_s: float = Field(default=600.0, ge=60)  # audio decoded and analysed at a time
    cut_search_s: float = Field(default=30.0, gt=0)  # a piece ends at the quietest moment of its last this-many s
    same_voice_min: float = Field(default=0.75, gt=0, le=1)  # mono: voice cosine to link a piece's speaker to an earlier one


class RoleSettings(_Strict):
    """Who is the agent (call_qa/roles.py). ``channel_map`` pins it for a site's recorder,
    e.g. ``{ch0: customer, ch1: agent}``; empty → automatic from what each party says:
    each agent cue said scores +1, each customer cue -1, and the party who speaks first
    by voice activity gets ``first_speaker_bonus`` (an inbound call is answered by the
    agent; half a cue, so one cue the other way outweighs it)."""

    channel_map: dict[str, Literal["agent", "customer", "other"]] = Field(default_factory=dict)
    first_speaker_bonus: float = Field(default=0.5, ge=0, le=10)


class TimingSettings(_Strict):
    """Every threshold of metrics.md, in seconds, and the windows in which the timing
    stage (and the rubric, from the thresholds of the timing report) looks for the
    agent's hold and transfer phrases."""

    turn_merge_gap_s: float = Field(default=0.5, ge=0)
    backchannel_max_s: float = Field(default=1.0, ge=0)
    interruption_min_overlap_s: float = Field(default=0.5, ge=0)
    interruption_yield_s: float = Field(default=2.0, ge=0)
    hold_min_s: float = Field(default=10.0, gt=0)
    hold_max_s: float = Field(default=120.0, gt=0)
    dead_air_min_s: float = Field(default=3.0, gt=0)
    # A hold's announcement ends at most this long before it, its thanks start at most this
    # long after it. The phrases belong next to the hold (the hold starts when the agent
    # stops after "mohon ditunggu"): a wider window lets an earlier, unrelated "sebentar"
    # pass an unannounced hold. The rubric's hold items search the same window.
    hold_phrase_window_s: float = Field(default=20.0, gt=0, le=300)
    # A transfer's announcement ends at most this long before the transfer starts (the
    # ringback, after the agent has announced and dialled; the rubric uses it as well).
    transfer_announce_window_s: float = Field(default=30.0, gt=0, le=300)
    # Ringback alone (no announcement) is a transfer when it lasts this long, rings
    # less than ringback_merge_gap_s apart being one ringback.
    min_ringback_s: float = Field(default=2.0, ge=0)
    ringback_merge_gap_s: float = Field(default=5.0, ge=0)

    def as_dict(self) -> dict[str, float]:
        return self.model_dump()


class SemanticSettings(_Strict):
    """Sentence-encoder cue matching (docs/rubric-engine.md). ``encoders`` maps a language
    to a model (``bundled:all-minilm-l6-v2`` = the English MiniLM package, or a local
    transformers folder such as a multilingual encoder); ``examples`` holds the example
    utterances and the thresholds calibrated for that encoder."""

    enabled: bool = True
    examples: str = "configs/rubrics/semantic.yaml"
    encoders: dict[str, str] = Field(default_factory=lambda: {"en": "bundled:all-minilm-l6-v2"})


class RubricSettings(_Strict):
    phone_rubric: str = "configs/rubrics/phone_inbound.yaml"
    email_rubric: str = "configs/rubrics/email.yaml"
    cues_dir: str = "configs/cues"
    options: dict[str, float | int | str | bool] = Field(default_factory=dict)
    # Optional approved answers for solution_accuracy/completeness (e.g.
    # configs/knowledge/kring_pajak.yaml); null: those items await review.
    knowledge_base: str | None = None
    procedures: str | None = "configs/rubrics/procedures.yaml"
    spelling: str = "configs/rubrics/spelling.yaml"  # word-list settings for email spelling checks
    semantic: SemanticSettings = SemanticSettings()


class WebSettings(_Strict):
    """The web app (``call-qa serve``). Not part of the settings hash: changing the
    coaching standard must not make every call look unprocessed."""

    coaching_standard: float = Field(default=80.0, ge=0, le=100)  # mean score agents should reach
    session_minutes: int = Field(default=480, ge=1)  # a login expires after this long
    utc_offset_minutes: int = Field(default=420, ge=-840, le=840)  # days cut in this zone (WIB)
    # Login rate limiting: after this many failed logins for one username (or from one
    # client address) within login_window_minutes, further attempts are refused for
    # login_lockout_minutes. The address limit is higher: an office shares one address.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks);
    # empty: the connection's own address is the client's (call_qa/web/security.py).
    trusted_proxies: list[str] = Field(default_factory=list)


class ScheduleSettings(_Strict):
    """The nightly batch (docs/operations.md): when it runs, where the day's recordings
    are, and how many worker processes share this machine. Not part of the settings
    hash: changing the schedule never re-processes a call."""

    cron: str = "0 2 * * *"
    timezone: str = "Asia/Jakarta"
    # recordings/<YYYY-MM-DD>/ holds one day's calls (relative to the working folder)
    recordings_root: str = "recordings"
    # a manifest in the day folder (CSV or JSON from the recording system), used when present
    manifest_name: str = "manifest.csv"
    # parallel worker processes on this machine; 0 = one per `asr.cpu_threads` cores
    workers: int = Field(default=1, ge=0)
    # a running Dask scheduler (tcp://host:8786) to spread calls over machines; empty = this machine
    dask_address: str = ""
    deployment_name: str = "nightly"
    out_dir: str = ""  # also write <call_id>.json here when set


PiiType = Literal["nik", "npwp", "phone", "email", "account", "card", "dob", "address", "name"]


class PrivacySettings(_Strict):
    """Personal data (docs/personal-data.md). Detection always runs on the full
    transcript (the rubric scores it); ``redact`` replaces the ``types`` in everything
    stored and exported by ``[NIK]``, ``[PHONE]`` … ``reveal_roles``: web-app roles that
    may open originals (default nobody). Originals are not kept unless
    ``keep_originals``, and then only encrypted with the site key named by ``key_file``
    (a keyring made by ``call-qa keys new``) or ``key_env`` (an environment variable
    holding its lines), for ``retention_days`` (null: until deleted by hand); raw audio
    is deleted after ``audio_retention_days`` (null: never) by the retention flow
    (flows/retention.py)."""

    redact: bool = True
    types: tuple[PiiType, ...] = ("nik", "npwp", "phone", "email", "account", "card", "dob", "address", "name")
    reveal_roles: tuple[str, ...] = ()
    keep_originals: bool = False
    key_file: str = ""
    key_env: str = ""
    retention_days: int | None = Field(default=30, ge=0)
    audio_retention_days: int | None = Field(default=90, ge=0)
    # spoken/split identifier digits written as one digit string in the output (issue #4)
    normalise_numbers: bool = True
    normalise_min_digits: int = Field(default=6, ge=2)
    # agent exposing data: flagged always; a kind listed in critical_flags fails
    # critical_item as critical, which zeroes the call's score
    readback_types: tuple[PiiType, ...] = ("nik", "npwp", "card", "account")
    critical_flags: tuple[Literal["readback", "other_person", "disclosure"], ...] = ()
    critical_item: str = "procedure_compliance"
    # the redacted audio copy (call-qa redact-audio)
    audio_fill: Literal["tone", "silence"] = "tone"
    audio_pad_s: float = Field(default=0.15, ge=0)
    # identifiers in a recording's file name (081234567890_20261127.wav) are replaced in
    # its call id as in the transcript ([PHONE]_20261127-<hash>; call_qa/identity.py)
    redact_call_ids: bool = True

    @model_validator(mode="after")
    def _key_named(self) -> "PrivacySettings":
        if self.redact and self.keep_originals and not (self.key_file or self.key_env):
            raise ValueError("keep_originals is true but no site key is named: set privacy.key_file (a keyring "
                             "made by `call-qa keys new`) or privacy.key_env, or set keep_originals: false")
        return self


class AudioSettings(_Strict):
    """Completeness of a recording (call_qa/audio.py): a file whose container promises
    more audio than it holds (an interrupted copy) is ``fail``ed (status failed, the
    reason stored), or processed and ``flag``ged (status ok, the reason in ``errors``).
    ``truncation_tolerance_s``: how much shorter than declared a recording may end
    (encoders pad and round the last frame by a few tens of milliseconds)."""

    on_truncated: Literal["fail", "flag"] = "fail"
    truncation_tolerance_s: float = Field(default=0.5, ge=0)


class PipelineSettings(_Strict):
    language: Literal["id", "en", "auto"] = "auto"
    layout: Literal["auto", "stereo", "mono"] = "auto"
    asr: AsrSettings = AsrSettings()
    vad: VadSettings = VadSettings()
    diarization: DiarizationSettings = DiarizationSettings()
    voice_change: VoiceChangeSettings = VoiceChangeSettings()
    long_calls: LongCallSettings = LongCallSettings()
    sound: SoundSettings = SoundSettings()
    roles: RoleSettings = RoleSettings()
    timing: TimingSettings = TimingSettings()
    rubric: RubricSettings = RubricSettings()
    web: WebSettings = WebSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    privacy: PrivacySettings = PrivacySettings()
    audio: AudioSettings = AudioSettings()

    def with_overrides(self, **changes: object) -> "PipelineSettings":
        """A copy with top-level fields replaced (CLI flags such as --language)."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})

    def recorded_options(self) -> dict[str, object]:
        """The stage options recorded in each call's ``settings`` beside ``thresholds``
        (the timing block): the sound classifier's and the role assignment's, so a hold's
        kind or a role can be traced to the numbers that produced it."""
        return {"sound": self.sound.model_dump(mode="json"), "roles": self.roles.model_dump(mode="json")}

    def resolve_path(self, relative: str) -> Path:
        """A config path: absolute as given, else under :data:`CONFIG_BASE`, so
        ``configs/…`` names the shipped file wherever call-qa is installed."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else CONFIG_BASE / p

    def settings_hash(self) -> str:
        """Stable hash of every setting: a result is reused only when this matches.
        Settings that cannot change a result do not count: ``web``, ``schedule`` (when
        and where the batch runs), ``asr.cpu_threads`` (threads per worker),
        ``asr.batch_size`` (windows decoded at once: the same words, tests/test_asr.py),
        ``audio`` (whether a truncated file is processed at all: a failed call is tried
        again anyway) and ``privacy.redact_call_ids`` (the call's name, not its result)."""
        exclude = {"web": True, "schedule": True, "asr": {"cpu_threads", "batch_size"}, "audio": True,
                   # who may see originals, how long they are kept, the audio copy, the id: not the result
                   "privacy": {"reveal_roles", "retention_days", "audio_retention_days", "audio_fill", "audio_pad_s",
                               "key_file", "key_env", "redact_call_ids"}}
        blob = json.dumps(self.model_dump(mode="json", exclude=exclude), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_settings(path: str | Path | None = None, *, check_site_key: bool = True) -> PipelineSettings:
    """Read and validate a pipeline YAML file (default: ``configs/pipeline.yaml``).

    With ``check_site_key`` (every command but ``call-qa keys``, which makes the key)
    a ``privacy.keep_originals`` without a loadable site key is refused here, at
    start-up, with what to set (call_qa/crypto.py)."""
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found; pass an existing file with --config") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    try:
        settings = PipelineSettings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{key}'")
            else:
                problems.append(f"'{key}': {err['msg']}")
        raise ConfigError(f"{path}: " + "; ".join(problems)) from None
    if check_site_key:
        from call_qa.crypto import site_keyring

        try:
            site_keyring(settings.privacy)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return settings
