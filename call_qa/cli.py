"""The ``call-qa`` command (docs/interfaces.md). Heavy libraries load lazily so
``call-qa --help`` is instant."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

EXIT_OK, EXIT_USAGE, EXIT_NO_DATABASE = 0, 2, 3


def _prepare_environment() -> None:
    """Telemetry off and Prefect's state inside the working folder, before prefect loads."""
    from call_qa.models import disable_telemetry

    disable_telemetry(hub_offline=not os.environ.get("CALL_QA_HUB"))
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / "var" / "prefect"))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.cwd() / "var" / "numba"))


def _fmt(value: object, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def print_table(results: Sequence, out=sys.stdout) -> None:
    """One line per call: score, items awaiting review and the key timing metrics."""
    header = ("call", "status", "score", "review", "lang", "layout", "agent_int", "cust_int", "holds", "hold_s", "dead_air", "transfers", "problem")
    rows = []
    for r in results:
        m = r.metrics
        card = r.scorecard
        rows.append(
            (
                r.call_id,
                r.status.value,
                _fmt(card.score if card else None, ".1f"),
                _fmt(card.needs_review if card else None),
                _fmt(r.language),
                _fmt(r.layout.value if r.layout else None),
                _fmt(m.get("agent_interruptions")),
                _fmt(m.get("customer_interruptions")),
                _fmt(m.get("hold_count")),
                _fmt(m.get("hold_total_s"), ".1f"),
                _fmt(m.get("dead_air_count")),
                _fmt(m.get("transfer_count")),
                ("; ".join(r.errors))[:90],
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for line in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip(), file=out)
    failed = sum(1 for r in results if r.status.value == "failed")
    print(f"\n{len(results)} calls: {len(results) - failed} ok, {failed} failed", file=out)


def cmd_process(args: argparse.Namespace) -> int:
    _prepare_environment()
    from call_qa.audio import AUDIO_SUFFIXES, find_recordings
    from call_qa.config import load_settings
    from call_qa.db import resolve_database_url
    from call_qa.errors import CallQAError

    try:
        settings = load_settings(args.config).with_overrides(language=args.language, layout=args.layout)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    paths = find_recordings(args.paths)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"call-qa: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    if not paths:
        print(f"call-qa: no recordings ({', '.join(AUDIO_SUFFIXES)}) under {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_USAGE
    db_url = resolve_database_url(args.db)

    from call_qa.db import DatabaseError, shared_database

    try:
        shared_database(db_url)  # the flow reuses it: opened and migrated once
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE

    from flows.process import process_calls

    results = process_calls([str(p) for p in paths], settings, db_url, str(args.out) if args.out else None)
    print_table(results)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    _prepare_environment()
    import json

    from call_qa.config import load_settings
    from call_qa.errors import CallQAError
    from call_qa.evaluation import CorpusEvaluation, evaluate_call, find_corpus, format_table, to_json
    from call_qa.pipeline import process_recording

    try:
        settings = load_settings(args.config)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.corpus.is_dir():
        print(f"call-qa: {args.corpus} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    corpus = find_corpus(args.corpus)
    if not corpus:
        print(f"call-qa: no recordings with ground truth (<name>.truth.json, .rttm, .stm or .ref.txt) in {args.corpus}", file=sys.stderr)
        return EXIT_USAGE
    evaluations = []
    for i, truth in enumerate(corpus, start=1):
        # The truth's language stands for the site's per-line setting unless --language is given.
        language = args.language or truth.language or settings.language
        print(f"[{i}/{len(corpus)}] {truth.name} ({language})", file=sys.stderr, flush=True)
        result = process_recording(truth.audio, settings.with_overrides(language=language))
        evaluations.append(evaluate_call(truth, result))
    evaluation = CorpusEvaluation(tuple(evaluations))
    document = json.dumps(to_json(evaluation), indent=2)
    if args.save:
        args.save.write_text(document + "\n", encoding="utf-8")
    print(document if args.json else format_table(evaluation))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="call-qa", description="Automatic QA for recorded contact-centre calls (offline).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", help="transcribe, time and score recordings; write scorecards to the database")
    p.add_argument("paths", nargs="+", metavar="PATH", help="audio files and/or folders (searched recursively)")
    p.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    p.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    p.add_argument("--out", type=Path, default=None, help="folder for one <call_id>.json per call")
    p.add_argument("--language", choices=("id", "en", "auto"), default=None, help="call language (default from config: auto)")
    p.add_argument("--layout", choices=("auto", "stereo", "mono"), default=None, help="channel layout (default: auto)")
    p.set_defaults(func=cmd_process)

    e = sub.add_parser("eval", help="accuracy against ground truth: WER, DER, roles, event F1, rubric agreement")
    e.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="recordings with <name>.truth.json (or .rttm/.stm) beside them")
    e.add_argument("--json", action="store_true", help="print JSON instead of the table")
    e.add_argument("--save", type=Path, default=None, metavar="FILE", help="also write the JSON report to FILE")
    e.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    e.add_argument("--language", choices=("id", "en", "auto"), default=None, help="override each call's language")
    e.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Prefect's client logs every API request at INFO; the operator needs the call lines.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
