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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from call_qa.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "configs" / "pipeline.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AsrSettings(_Strict):
    """faster-whisper settings. ``models`` maps a language (or ``default``) to a model:
    ``bundled:whisper-base`` (multilingual base from the offline packages),
    ``bundled:tiny.en``, a local CTranslate2 folder, or a hub id (sites with a hub)."""

    models: dict[str, str] = Field(
        default_factory=lambda: {"default": "bundled:whisper-base", "id": "bundled:whisper-base", "en": "bundled:whisper-base"}
    )
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(default=2, ge=0)
    beam_size: int = Field(default=5, ge=1)
    # Hallucination guards (Whisper invents words in silence and music). The audio that
    # reaches Whisper is already voice-gated, so the no-speech skip is off by default:
    # on telephone speech it dropped whole 30 s windows of real speech.
    no_speech_threshold: float | None = None
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    hallucination_silence_threshold: float | None = 2.0
    condition_on_previous_text: bool = False
    # Fallback temperatures when a decode fails the compression/log-prob checks. Sampling
    # makes a call's words depend slightly on what the worker decoded before; [0.0]
    # gives bit-identical re-runs at some cost on hard audio.
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
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
    """Mono calls: the offline fallback clusters voice-activity windows by their MFCC
    statistics into ``num_speakers`` voices, or up to ``max_speakers`` when a further
    voice is clearly there (a pyannote pipeline comes with issue #4)."""

    num_speakers: int = Field(default=2, ge=1, le=4)
    max_speakers: int = Field(default=3, ge=1, le=4)
    extra_speaker_gain: float = 0.03
    min_speaker_share: float = 0.08
    window_s: float = Field(default=1.0, gt=0)
    step_s: float = Field(default=0.5, gt=0)


class RoleSettings(_Strict):
    """Who is the agent. ``channel_map`` pins it for a site's recorder, e.g.
    ``{ch0: customer, ch1: agent}``; empty → automatic from what each party says."""

    channel_map: dict[str, Literal["agent", "customer", "other"]] = Field(default_factory=dict)


class TimingSettings(_Strict):
    """Every threshold of metrics.md, in seconds."""

    turn_merge_gap_s: float = 0.5
    backchannel_max_s: float = 1.0
    interruption_min_overlap_s: float = 0.5
    interruption_yield_s: float = 2.0
    hold_min_s: float = 10.0
    hold_max_s: float = 120.0
    dead_air_min_s: float = 3.0

    def as_dict(self) -> dict[str, float]:
        return self.model_dump()


class RubricSettings(_Strict):
    phone_rubric: str = "configs/rubrics/phone_inbound.yaml"
    cues_dir: str = "configs/cues"
    options: dict[str, float | int | str | bool] = Field(default_factory=dict)


class PipelineSettings(_Strict):
    language: Literal["id", "en", "auto"] = "auto"
    layout: Literal["auto", "stereo", "mono"] = "auto"
    asr: AsrSettings = AsrSettings()
    vad: VadSettings = VadSettings()
    diarization: DiarizationSettings = DiarizationSettings()
    roles: RoleSettings = RoleSettings()
    timing: TimingSettings = TimingSettings()
    rubric: RubricSettings = RubricSettings()

    def with_overrides(self, **changes: object) -> "PipelineSettings":
        """A copy with top-level fields replaced (CLI flags such as --language)."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})

    def resolve_path(self, relative: str) -> Path:
        """Config paths are relative to the project root unless absolute."""
        p = Path(relative)
        return p if p.is_absolute() else PROJECT_ROOT / p

    def settings_hash(self) -> str:
        """Stable hash of every setting: a result is reused only when this matches."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_settings(path: str | Path | None = None) -> PipelineSettings:
    """Read and validate a pipeline YAML file (default: ``configs/pipeline.yaml``)."""
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
        return PipelineSettings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{key}'")
            else:
                problems.append(f"'{key}': {err['msg']}")
        raise ConfigError(f"{path}: " + "; ".join(problems)) from None
