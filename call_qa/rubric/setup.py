"""Rubric files from the pipeline settings, read once per process (no audio stack).

``score-transcript`` and ``score-email`` need the rubric, the cue lexicon and the
options but none of the audio stages, so they read them here rather than through
``call_qa.pipeline`` (which imports decoding, ASR and diarization).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from call_qa.rubric.config import CueLexicon, Rubric, load_cues, load_rubric, options_from_mapping
from call_qa.rubric.options import RubricOptions


@functools.lru_cache(maxsize=8)
def _cues(path: str) -> CueLexicon:
    return load_cues(path)


@functools.lru_cache(maxsize=8)
def _rubric(path: str) -> Rubric:
    return load_rubric(path)


def lexicon_for(settings: Any, language: str) -> CueLexicon:
    """The cue lexicon of ``language`` from ``rubric.cues_dir``."""
    return _cues(str(Path(settings.resolve_path(settings.rubric.cues_dir)) / f"{language}.yaml"))


def phone_rubric(settings: Any) -> Rubric:
    return _rubric(str(settings.resolve_path(settings.rubric.phone_rubric)))


def email_rubric(settings: Any) -> Rubric:
    return _rubric(str(settings.resolve_path(settings.rubric.email_rubric)))


def options_for(settings: Any) -> RubricOptions:
    """RubricOptions from ``rubric.options`` (errors name the pipeline file and the field)."""
    return options_from_mapping(settings.rubric.options, source="configs/pipeline.yaml: rubric.options")


def recorded(settings: Any, **extra: object) -> dict:
    """The per-document ``settings`` block (the keys of call_qa.pipeline.recorded_settings)."""
    return {"asr_model": extra.pop("asr_model", None), "diarization": extra.pop("diarization", None),
            "thresholds": settings.timing.as_dict(), **settings.recorded_options(),
            "settings_hash": settings.settings_hash(), **extra}


def timing_cues(lexicon: CueLexicon) -> "TimingCues":
    """The phrase lists the timing stage needs, taken from the language's cue lexicon
    (used by the audio pipeline and by score-transcript alike)."""
    from call_qa.timing import TimingCues

    def phrases(name: str) -> tuple[str, ...]:
        return tuple(" ".join(tokens) for tokens in lexicon.phrases(name))

    return TimingCues(
        backchannels=phrases("acknowledgements"),
        hold_announce=phrases("hold_announcement"),
        hold_return=phrases("hold_return"),
        transfer_announce=phrases("transfer_announcement"),
    )
