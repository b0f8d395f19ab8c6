"""``call-qa score-transcript`` / ``score-email``: score files, store and write the results.

Each file becomes a :class:`~call_qa.domain.CallResult` (phone transcript: as the audio
pipeline's, without audio; email: see ``call_qa.rubric.email``), saved through
``call_qa.db.save_call_result`` and, with ``--out``, written as ``<call_id>.json``
(``call_qa.export``). A malformed file does not stop the batch: it is reported with
the reason and the exit status says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from call_qa.domain import CallResult
from call_qa.errors import CallQAError

log = logging.getLogger("call_qa")


@dataclass(frozen=True)
class BatchOutcome:
    results: tuple[CallResult, ...]
    errors: tuple[str, ...]  # "<file>: <what was wrong>"


def expand(paths: Sequence[str | Path], suffixes: tuple[str, ...]) -> list[Path]:
    """Files given directly, plus files with ``suffixes`` under given folders (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.is_file() and q.name.lower().endswith(suffixes)
                          and not q.name.endswith(".truth.json"))
        else:
            out.append(p)
    return out


def score_batch(files: Sequence[Path], scorer: Callable[[Path], CallResult], db_url: str | None,
                out_dir: Path | None) -> BatchOutcome:
    """Score every file; store results in the database (when ``db_url``) and ``out_dir``."""
    from call_qa.export import write_document

    results: list[CallResult] = []
    errors: list[str] = []
    for path in files:
        if not path.exists():
            errors.append(f"{path}: not found")
            continue
        try:
            results.append(scorer(path))
        except CallQAError as exc:
            errors.append(str(exc) if str(path) in str(exc) else f"{path}: {exc}")
    if db_url is not None and results:
        from call_qa import db

        database = db.shared_database(db_url)
        for r in results:
            db.save_call_result(database, r)
    if out_dir is not None:
        for r in results:
            write_document(r, out_dir)
    return BatchOutcome(tuple(results), tuple(errors))


def print_scorecards(results: Sequence[CallResult], out) -> None:
    """One line per scored file: score, items awaiting review, and every non-pass verdict."""
    header = ("id", "rubric", "lang", "score", "review", "not passing")
    rows = []
    for r in results:
        card = r.scorecard
        if card is None:
            continue
        notes = ", ".join(f"{it.id}={it.verdict.value}" for it in card.items
                          if it.verdict.value not in ("pass", "not_applicable"))
        rows.append((r.call_id, f"{card.rubric_id} v{card.rubric_version}", r.language or "-",
                     "-" if card.score is None else f"{card.score:.1f}", str(card.needs_review), notes[:140]))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    for line in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip(), file=out)
