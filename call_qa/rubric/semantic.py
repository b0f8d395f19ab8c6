"""Semantic cue matching: a sentence encoder against example utterances per cue list.

An utterance matches cue list ``empathy_phrases`` when its embedding is close enough
(cosine ≥ the list's calibrated threshold) to one of the list's example utterances in
``configs/rubrics/semantic.yaml``. The threshold is per language and cue list and
comes from ``benchmarks/calibrate_semantic.py`` (numbers in docs/rubric-engine.md),
never guessed: MiniLM similarities between paraphrases are low (0.2–0.4).

The encoder is a ``sentence_transformers.SentenceTransformer`` loaded through
``call_qa.models.load_sentence_encoder`` (bundled English MiniLM by default, any local
sentence-transformers or transformers folder by configuration): the model's own
pooling and maximum sequence length (MiniLM: mean pooling, 256 tokens), embeddings
L2-normalised.

Utterances are split into sentences first, so a long turn that contains one empathic
sentence is compared sentence by sentence, and the hit's position is the token index
where that sentence starts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from call_qa.domain import Utterance
from call_qa.rubric.config import RubricConfigError, read_yaml
from call_qa.rubric.matchers import CueHit
from call_qa.text import tokens

log = logging.getLogger("call_qa")

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (split after . ! ? followed by space); the whole text when none."""
    parts = [p.strip() for p in _SENTENCE.split(text.strip()) if p.strip()]
    return parts or [text.strip()]


class SentenceEncoder:
    """Text → unit-length embedding with a per-text cache (same text, same vector)."""

    def __init__(self, name: str, model: Any, batch_size: int = 32) -> None:
        self.name = name
        self._model = model  # a SentenceTransformer (or anything with its ``encode``)
        self._batch = batch_size
        self._cache: dict[str, Any] = {}

    @classmethod
    def load(cls, name: str, cpu_threads: int = 2) -> "SentenceEncoder":
        from call_qa.models import load_sentence_encoder

        return cls(name, load_sentence_encoder(name, cpu_threads))

    def encode(self, texts: Sequence[str]) -> Any:
        """A (len(texts), dim) float32 numpy array of L2-normalised embeddings."""
        import numpy as np

        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vectors = self._model.encode(todo, batch_size=self._batch, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
            for text, vec in zip(todo, vectors):
                self._cache[text] = vec.astype(np.float32)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> Any:
        """Cosine similarities, shape (len(a), len(b))."""
        return self.encode(a) @ self.encode(b).T


# --------------------------------------------------------------------------- examples file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CueExamples(_Strict):
    threshold: float = Field(gt=0, le=1)
    examples: list[str] = Field(min_length=1)


class _LanguageExamples(_Strict):
    encoder: str = "bundled:all-minilm-l6-v2"
    lists: dict[str, _CueExamples]


class _ExamplesFile(_Strict):
    version: str
    description: str = ""
    calibration: dict[str, Any] = Field(default_factory=dict)
    languages: dict[str, _LanguageExamples]


@dataclass(frozen=True)
class SemanticExamples:
    """Example utterances and calibrated thresholds per cue list, for one language."""

    language: str
    encoder: str
    examples: Mapping[str, tuple[str, ...]]
    thresholds: Mapping[str, float]
    version: str
    source: str = ""


def load_semantic_examples(path: str | Path, language: str) -> SemanticExamples | None:
    """The examples of ``language`` from a semantic examples YAML, or None when it has none.

    Raises RubricConfigError naming the file, the cue list and the field when malformed.
    """
    path = Path(path)
    data = read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("version"), (int, float)):
        data["version"] = str(data["version"])
    try:
        model = _ExamplesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(x) for x in err["loc"]]
        context = f"cue list '{loc[3]}'" if len(loc) > 3 and loc[2] == "lists" else "semantic examples"
        raise RubricConfigError(f"{path}: {context}, field '{'.'.join(loc)}': {err['msg']}") from None
    lang = model.languages.get(language)
    if lang is None:
        return None
    return SemanticExamples(
        language=language,
        encoder=lang.encoder,
        examples=MappingProxyType({k: tuple(v.examples) for k, v in lang.lists.items()}),
        thresholds=MappingProxyType({k: v.threshold for k, v in lang.lists.items()}),
        version=model.version,
        source=str(path),
    )


class SemanticMatcher:
    """A :class:`~call_qa.rubric.matchers.CueMatcher` by sentence similarity to examples.

    Only cue lists that have examples are matched; others return no hits (the phrase
    matcher covers them). A hit names the nearest example and its similarity.
    """

    name = "semantic"

    def __init__(self, encoder: SentenceEncoder, examples: SemanticExamples,
                 thresholds: Mapping[str, float] | None = None) -> None:
        self.encoder = encoder
        self.examples = examples
        self.thresholds = dict(examples.thresholds, **(thresholds or {}))

    def best(self, text: str, cue: str) -> tuple[float, str, int]:
        """(similarity, nearest example, sentence index) of the best sentence of ``text``."""
        sentences = split_sentences(text)
        sims = self.encoder.similarity(sentences, list(self.examples.examples[cue]))
        flat = int(sims.argmax())
        i, j = divmod(flat, sims.shape[1])
        return float(sims[i, j]), self.examples.examples[cue][j], i

    def find(self, utterance: Utterance, cue: str) -> tuple[CueHit, ...]:
        if cue not in self.examples.examples or not utterance.text.strip():
            return ()
        score, example, sentence = self.best(utterance.text, cue)
        if score < self.thresholds[cue]:
            return ()
        position = sum(len(tokens(s)) for s in split_sentences(utterance.text)[:sentence])
        return (CueHit(cue, example, position, round(score, 3), self.name),)
