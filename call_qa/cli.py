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
    """Telemetry off and Prefect's and numba's state in the call-qa home (created now,
    call_qa/home.py), before either library loads."""
    from call_qa.errors import ConfigError
    from call_qa.home import prepare_environment
    from call_qa.models import disable_telemetry

    disable_telemetry(hub_offline=not os.environ.get("CALL_QA_HUB"))
    try:
        prepare_environment()
    except ConfigError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    # A temporary Prefect server on a busy machine can take longer than Prefect's 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def _load_checked(config: Path | None, **overrides: object):
    """The settings of ``config`` with CLI overrides, checked before the first call
    (call_qa/config_check.py): a missing file or a model that cannot work raises
    :class:`ConfigError` naming the key and the file."""
    from call_qa.config import load_settings
    from call_qa.config_check import require_valid

    settings = load_settings(config).with_overrides(**overrides)
    require_valid(settings, config)
    return settings


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
    from call_qa.audio import AUDIO_SUFFIXES, find_inputs
    from call_qa.db import resolve_database_url
    from call_qa.errors import CallQAError

    try:
        settings = _load_checked(args.config, language=args.language, layout=args.layout)
        settings = _with_workers(settings, args.workers)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found = find_inputs(args.paths)
    paths = found.recordings
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        print(f"call-qa: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    if not paths:
        print(f"call-qa: no recordings ({', '.join(AUDIO_SUFFIXES)}) under {' '.join(map(str, args.paths))}", file=sys.stderr)
        return EXIT_USAGE
    db_url = resolve_database_url(args.db)

    from call_qa.db import DatabaseError, shared_database

    try:
        shared_database(db_url)  # the flow reuses it: opened and migrated once
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE

    from flows.process import run_process_paths

    out = str(args.out) if args.out else None
    results, summary = run_process_paths([str(p) for p in args.paths], settings, db_url, out, progress=not args.no_progress)
    print_table(results)
    for path, reason in summary.not_calls:
        print(f"skipped {path}: {reason}")
    print(summary.log_line())
    return EXIT_OK


def _with_workers(settings, workers: int | None):
    """``--workers N`` replaces ``schedule.workers``."""
    if workers is None:
        return settings
    return settings.model_copy(update={"schedule": settings.schedule.model_copy(update={"workers": workers})})


def cmd_backfill(args: argparse.Namespace) -> int:
    """Each day of a range, as the nightly run would process it (docs/operations.md)."""
    _prepare_environment()
    from call_qa.batch import days_between, parse_day
    from call_qa.db import DatabaseError, resolve_database_url, shared_database
    from call_qa.errors import CallQAError

    try:
        settings = _with_workers(_load_checked(args.config, language=args.language), args.workers)
        days = days_between(parse_day(args.start), parse_day(args.end or args.start))
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    root = Path(args.recordings or settings.schedule.recordings_root)
    if not root.is_dir():
        print(f"call-qa: recordings folder {root} not found; pass --recordings or set schedule.recordings_root", file=sys.stderr)
        return EXIT_USAGE
    db_url = resolve_database_url(args.db)
    try:
        shared_database(db_url)
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE

    from flows.process import run_process_day

    out = str(args.out) if args.out else (settings.schedule.out_dir or None)
    for day in days:
        try:
            summary = run_process_day(day.isoformat(), settings, db_url, out, str(root), progress=not args.no_progress)
        except CallQAError as exc:  # e.g. a manifest that cannot be read: report, go on with the next day
            print(f"call-qa: {day}: {exc}", file=sys.stderr)
            continue
        print(summary.log_line())
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    """Create the nightly deployment on the Prefect server and serve it (or register it
    on a work pool for `prefect worker start`)."""
    _prepare_environment()
    from call_qa.batch import zone
    from call_qa.errors import CallQAError

    try:
        settings = _load_checked(args.config)
        zone(settings)
        if args.cron:
            settings = settings.model_copy(update={"schedule": settings.schedule.model_copy(update={"cron": args.cron})})
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from flows.schedule import deploy_nightly, serve_nightly, server_configured, storable_database

    problem = storable_database(args.db)
    if problem:
        print(f"call-qa: {problem}", file=sys.stderr)
        return EXIT_USAGE

    if not server_configured():
        print(
            "call-qa: a schedule needs a running Prefect server: start one with `prefect server start` "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api (see README, Nightly schedule)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    s = settings.schedule
    if args.work_pool:
        deployment_id = deploy_nightly(settings, args.config, args.db, args.work_pool)
        print(f"deployment nightly-calls/{s.deployment_name} ({deployment_id}) on work pool {args.work_pool}: "
              f"'{s.cron}' {s.timezone}; start workers with `prefect worker start --pool {args.work_pool}`")
        return EXIT_OK
    print(f"serving nightly-calls/{s.deployment_name}: '{s.cron}' {s.timezone} (SIGTERM stops)", file=sys.stderr)
    serve_nightly(settings, args.config, args.db)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    _prepare_environment()
    import json

    from call_qa.errors import CallQAError
    from call_qa.evaluation import CorpusEvaluation, evaluate_call, find_corpus, format_table, to_json
    from call_qa.pipeline import process_recording

    try:
        settings = _load_checked(args.config, language=args.language)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # WER compares what Whisper heard with the truth: measured before redaction
    # ("[NAME]" is no recognition error) and before identifier normalisation
    privacy = settings.privacy.model_copy(update={"redact": False, "normalise_numbers": False})
    settings = settings.model_copy(update={"privacy": privacy})
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


def cmd_serve(args: argparse.Namespace) -> int:
    """The web app (call_qa/web) on --db, served by uvicorn."""
    from call_qa.db import DatabaseError, resolve_database_url
    from call_qa.errors import CallQAError

    try:
        from call_qa.web import create_app

        app = create_app(resolve_database_url(args.db), config_path=args.config, secure_cookies=args.secure_cookies)
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    # X-Forwarded-For is read by the app, only from web.trusted_proxies (call_qa/web/security.py).
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    """Manage web-app users: ``users add NAME --role ROLE`` (password prompted or from
    stdin), ``users list``, ``users disable NAME`` / ``users enable NAME``."""
    from call_qa import db as dbmod

    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        database = dbmod.open_database(args.db)
    except dbmod.DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE
    with database:
        try:
            if args.users_command == "add":
                if args.password_stdin:
                    password = sys.stdin.readline().rstrip("\r\n")
                else:
                    import getpass

                    password = getpass.getpass(f"Password for {args.name}: ")
                    if getpass.getpass("Repeat it: ") != password:
                        print("call-qa: the passwords differ; nothing was changed", file=sys.stderr)
                        return EXIT_USAGE
                user = dbmod.add_user(database, args.name, password, args.role)
                print(f"added {user.username} ({user.role.value})")
            elif args.users_command == "list":
                for user in dbmod.list_users(database):
                    print(f"{user.username}\t{user.role.value}\t{'active' if user.active else 'disabled'}")
            else:
                dbmod.set_user_active(database, args.name, args.users_command == "enable")
                print(f"{args.users_command}d {args.name}")
        except (dbmod.AccountError, dbmod.NotFoundError) as exc:
            print(f"call-qa: {exc}", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_OK


def cmd_redact_audio(args: argparse.Namespace) -> int:
    """A redacted copy of a stored call's recording (docs/personal-data.md)."""
    from call_qa.config import load_settings
    from call_qa.db import DatabaseError, load_call_result, open_database, resolve_database_url
    from call_qa.errors import CallQAError
    from call_qa.pii.audio import redact_audio_file

    try:
        privacy = load_settings(args.config).privacy
        database = open_database(resolve_database_url(args.db))
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = load_call_result(database, args.call_id)
    if result is None:
        print(f"call-qa: no call {args.call_id!r} in the database", file=sys.stderr)
        return EXIT_USAGE
    try:
        out = redact_audio_file(result.source, result.personal_data, args.out, args.fill or privacy.audio_fill,
                                privacy.audio_pad_s)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{out}: {len(result.personal_data)} finding(s) {'toned' if (args.fill or privacy.audio_fill) == 'tone' else 'silenced'}")
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    """The site key that seals kept originals (docs/personal-data.md): ``keys new``
    makes the keyring ``privacy.key_file`` names (or prints a key line for
    ``privacy.key_env`` with ``--print``); ``keys rotate`` adds a new key, re-encrypts
    every row to it and drops the old keys once no row uses them (``--resume``: finish
    an interrupted rotation without adding a key); ``keys list`` shows the key ids and
    how many rows each seals. Keys are never printed except by ``new --print``."""
    from call_qa import crypto
    from call_qa.config import load_settings
    from call_qa.errors import CallQAError

    try:
        privacy = load_settings(args.config, check_site_key=False).privacy
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    path = crypto.key_file_path(privacy)
    if args.keys_command == "new":
        if args.print:
            print(crypto.format_keyring(crypto.new_keyring()).splitlines()[-1])
            return EXIT_OK
        if path is None:
            print("call-qa: privacy.key_file names no keyring file; set it in the pipeline YAML, or use "
                  "`call-qa keys new --print` for privacy.key_env", file=sys.stderr)
            return EXIT_USAGE
        if path.exists():
            print(f"call-qa: {path} exists; `call-qa keys rotate` replaces its key", file=sys.stderr)
            return EXIT_USAGE
        ring = crypto.new_keyring()
        crypto.write_keyring(path, ring)
        print(f"wrote {path} (key {ring.current}); keep a copy apart from the database backups")
        return EXIT_OK
    from call_qa.db import DatabaseError, open_database, resolve_database_url
    from call_qa.db.personal_data import key_usage, seal_all_originals

    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        ring = crypto.load_keyring(privacy)
        database = open_database(resolve_database_url(args.db))
    except DatabaseError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_NO_DATABASE
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with database:
        if args.keys_command == "list":
            usage = key_usage(database)
            for key_id in (ring.keys if ring else {}):
                print(f"{key_id}\t{usage.pop(key_id, 0)} row(s)" + ("\tcurrent" if key_id == ring.current else ""))
            for key_id, n in usage.items():
                print(f"{key_id or '(clear text, before sealing)'}\t{n} row(s)"
                      + ("" if key_id is None else "\tMISSING from the keyring"))
            return EXIT_OK
        if ring is None or path is None or privacy.key_env and os.environ.get(privacy.key_env):
            print("call-qa: rotation rewrites the keyring file: set privacy.key_file (and unset "
                  f"{'$' + privacy.key_env if privacy.key_env else 'the key variable'})", file=sys.stderr)
            return EXIT_USAGE
        if not args.resume:
            ring = ring.with_new_key()
            crypto.write_keyring(path, ring)  # old keys stay until every row is re-sealed
        try:
            changed = seal_all_originals(database, ring)
        except CallQAError as exc:
            print(f"call-qa: {exc}; the keyring {path} keeps every key, rerun with --resume", file=sys.stderr)
            return EXIT_USAGE
        in_use = {k for k in key_usage(database) if k is not None}
        dropped = sorted(set(ring.keys) - in_use - {ring.current})
        crypto.write_keyring(path, ring.only(in_use))
        crypto.use_keyring(ring.only(in_use))
        print(f"re-encrypted {changed} row(s) to key {ring.current}; dropped key(s): {', '.join(dropped) or 'none'}")
    return EXIT_OK


def _cmd_score_files(args: argparse.Namespace, kind: str) -> int:
    """score-transcript / score-email: score files, store them, print one line each."""
    _prepare_environment()
    from call_qa.errors import CallQAError
    from call_qa.rubric.batch import expand, print_scorecards, score_batch

    try:
        settings = _load_checked(args.config)
    except CallQAError as exc:
        print(f"call-qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if kind == "transcript":
        from call_qa.compose import score_transcript

        files = expand(args.files, (".json",))
        scorer = lambda path: score_transcript(path, settings)  # noqa: E731
    else:
        from call_qa.compose import score_email_file

        files = expand(args.files, (".eml", ".txt"))
        scorer = lambda path: score_email_file(path, settings)  # noqa: E731
    if not files:
        print(f"call-qa: no {kind} files under {' '.join(map(str, args.files))}", file=sys.stderr)
        return EXIT_USAGE
    db_url = None
    if not args.no_db:
        from call_qa.db import DatabaseError, resolve_database_url, shared_database

        db_url = resolve_database_url(args.db)
        try:
            shared_database(db_url)
        except DatabaseError as exc:
            print(f"call-qa: {exc}", file=sys.stderr)
            return EXIT_NO_DATABASE
    outcome = score_batch(files, scorer, db_url, args.out)
    print_scorecards(outcome.results, sys.stdout)
    for err in outcome.errors:
        print(f"call-qa: {err}", file=sys.stderr)
    print(f"\n{len(outcome.results)} scored, {len(outcome.errors)} rejected", file=sys.stdout)
    return EXIT_USAGE if outcome.errors else EXIT_OK


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
    p.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: schedule.workers)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=cmd_process)

    b = sub.add_parser("backfill", help="process a range of days of recordings/YYYY-MM-DD/ as the nightly run does")
    b.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    b.add_argument("--to", dest="end", default=None, metavar="DATE", help="last day (default: --from)")
    b.add_argument("--recordings", default=None, help="folder of day folders (default: schedule.recordings_root)")
    b.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    b.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    b.add_argument("--out", type=Path, default=None, help="folder for one <call_id>.json per call")
    b.add_argument("--language", choices=("id", "en", "auto"), default=None, help="call language (default from config: auto)")
    b.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: schedule.workers)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    b.set_defaults(func=cmd_backfill)

    sc = sub.add_parser("schedule", help="set up the nightly Prefect deployment (needs PREFECT_API_URL) and serve it")
    sc.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    sc.add_argument("--db", default=None, help="the runs' database by reference: env:NAME (a variable on the worker) or "
                    "secret:BLOCK (a Prefect Secret block), or a URL without a password (default: env:CALL_QA_DATABASE_URL)")
    sc.add_argument("--cron", default=None, help="override schedule.cron, e.g. '0 2 * * *'")
    sc.add_argument("--work-pool", default=None, help="register on this work pool instead of serving here")
    sc.set_defaults(func=cmd_schedule)

    e = sub.add_parser("eval", help="accuracy against ground truth: WER, DER, roles, event F1, rubric agreement")
    e.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="recordings with <name>.truth.json (or .rttm/.stm) beside them")
    e.add_argument("--json", action="store_true", help="print JSON instead of the table")
    e.add_argument("--save", type=Path, default=None, metavar="FILE", help="also write the JSON report to FILE")
    e.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    e.add_argument("--language", choices=("id", "en", "auto"), default=None, help="override each call's language")
    e.set_defaults(func=cmd_eval)

    w = sub.add_parser("serve", help="start the web app (QA review, supervisor dashboard) on the database")
    w.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    w.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    w.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
    w.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (behind an HTTPS proxy)")
    w.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", help="manage web-app users")
    usub = u.add_subparsers(dest="users_command", required=True)
    ua = usub.add_parser("add", help="add a user (password from a prompt, or one line of stdin)")
    ua.add_argument("name", metavar="NAME")
    ua.add_argument("--role", required=True, choices=("qa_officer", "supervisor", "admin"))
    ua.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    usub.add_parser("list", help="list users")
    for verb in ("disable", "enable"):
        uv = usub.add_parser(verb, help=f"{verb} a user's login")
        uv.add_argument("name", metavar="NAME")
    for p_ in usub.choices.values():
        p_.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    u.set_defaults(func=cmd_users)

    ra = sub.add_parser("redact-audio", help="write a copy of a call's recording with its personal data toned or silenced")
    ra.add_argument("call_id", metavar="CALL_ID")
    ra.add_argument("--out", type=Path, required=True, help="output file (.wav or .flac)")
    ra.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    ra.add_argument("--config", type=Path, default=None, help="pipeline YAML (privacy.audio_fill, audio_pad_s)")
    ra.add_argument("--fill", choices=("tone", "silence"), default=None, help="override privacy.audio_fill")
    ra.set_defaults(func=cmd_redact_audio)

    k = sub.add_parser("keys", help="the site key that seals kept originals: new, rotate, list")
    ksub = k.add_subparsers(dest="keys_command", required=True)
    kn = ksub.add_parser("new", help="make the keyring privacy.key_file names (one new key)")
    kn.add_argument("--print", action="store_true", help="print a key line for privacy.key_env instead of writing")
    kr = ksub.add_parser("rotate", help="add a new key, re-encrypt every row to it, drop the old keys")
    kr.add_argument("--resume", action="store_true", help="finish an interrupted rotation (no new key)")
    ksub.add_parser("list", help="key ids and the rows each seals")
    for p_ in ksub.choices.values():
        p_.add_argument("--config", type=Path, default=None, help="pipeline YAML (privacy.key_file / key_env)")
        p_.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
    k.set_defaults(func=cmd_keys)

    for name, kind, what in (("score-transcript", "transcript", "transcript JSON files (docs/interfaces.md)"),
                             ("score-email", "email", ".eml or plain-text emails (a thread is allowed)")):
        t = sub.add_parser(name, help=f"score {what} against the {'phone' if kind == 'transcript' else 'email'} rubric")
        t.add_argument("files", nargs="+", type=Path, metavar="FILE", help=f"{what}, or folders of them")
        t.add_argument("--out", type=Path, default=None, help="folder for one <id>.json per scored file")
        t.add_argument("--db", default=None, help="database URL (default: $CALL_QA_DATABASE_URL or the embedded SQLite file)")
        t.add_argument("--no-db", action="store_true", help="do not store the scorecards")
        t.add_argument("--config", type=Path, default=None, help="pipeline YAML (default: configs/pipeline.yaml)")
        t.set_defaults(func=lambda a, k=kind: _cmd_score_files(a, k))
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
