"""Throughput of the batch flow (hours of audio per hour) with 1, 2, … workers, peak
memory per worker, side by side with plain faster-whisper on the same files in the same
run (as a ratio), and what that means for a day of 1,000 five-minute calls.

    .venv/bin/python benchmarks/throughput.py [FILES...] [--workers 1 2] [--model bundled:whisper-base]
        [--threads-total 2] [--language id] [--no-plain]

"Plain" is what a site would run without call-qa: a fresh process that loads the same
model (``WhisperModel``, same device, compute type and threads-total threads) and runs
``transcribe(file, language=..., vad_filter=True)`` with faster-whisper's other defaults
on each file, segments consumed; its wall time counts from the model load, its peak
memory is that process's ru_maxrss. ``--language auto`` lets each call's language be
detected by both (plain: faster-whisper's own detection).

Default files: the 12 Indonesian corpus calls (corpus/id_*.flac). Each worker count
runs the real flow (``process-calls``) into a fresh SQLite database (nothing skipped):
1 worker in the flow's process, N > 1 on a local Dask cluster of N worker processes,
with Whisper threads = threads-total / N so the cores are not oversubscribed. Peak
memory: ru_maxrss of the flow process (1 worker) or of each Dask worker process.
Run it with PREFECT_API_URL pointing at a `prefect server start` to leave the
temporary server's start-up out of the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_rss_mib() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def run(paths: list[Path], workers: int, model: str, threads_total: int, language: str) -> dict:
    from call_qa.config import load_settings
    from flows.process import run_process_calls

    threads = max(1, threads_total // workers)
    s = load_settings().with_overrides(language=language)
    s = s.model_copy(update={"asr": s.asr.model_copy(update={"models": {"default": model}, "cpu_threads": threads})})
    db = f"sqlite:///{tempfile.mkdtemp(prefix='throughput-')}/calls.sqlite3"
    per_worker: dict = {}
    if workers == 1:
        s = s.model_copy(update={"schedule": s.schedule.model_copy(update={"workers": 1})})
        start = time.perf_counter()
        results = run_process_calls([str(p) for p in paths], s, db, None, progress=True)
        seconds = time.perf_counter() - start
        per_worker = {"flow process": _peak_rss_mib()}
    else:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
            s = s.model_copy(update={"schedule": s.schedule.model_copy(update={"dask_address": cluster.scheduler_address})})
            start = time.perf_counter()
            results = run_process_calls([str(p) for p in paths], s, db, None, progress=True)
            seconds = time.perf_counter() - start
            per_worker = client.run(_peak_rss_mib)
    audio_s = sum(r.duration_s or 0 for r in results)
    failed = [r.call_id for r in results if r.status.value != "ok"]
    return {
        "workers": workers, "threads_per_worker": threads, "model": model, "calls": len(results), "failed": failed,
        "audio_s": round(audio_s, 1), "wall_s": round(seconds, 1),
        "audio_h_per_h": round((audio_s / 3600) / (seconds / 3600), 2),
        "peak_rss_mib_per_worker": {str(k): round(v) for k, v in per_worker.items()},
    }


PLAIN = """
import json, resource, sys, time
from faster_whisper import WhisperModel
model_path, device, compute_type, threads, language, *paths = sys.argv[1:]
start = time.perf_counter()
model = WhisperModel(model_path, device=device, compute_type=compute_type, cpu_threads=int(threads))
audio_s = 0.0
for path in paths:
    segments, info = model.transcribe(path, language=None if language == "auto" else language, vad_filter=True)
    list(segments)
    audio_s += info.duration
print(json.dumps({"wall_s": time.perf_counter() - start, "audio_s": audio_s,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def plain(paths: list[Path], model: str, threads: int, language: str) -> dict:
    """Plain faster-whisper on the same files, in a fresh process (its own peak memory)."""
    import subprocess

    from call_qa.config import load_settings
    from call_qa.models import resolve_whisper

    asr = load_settings().asr
    out = subprocess.run([sys.executable, "-c", PLAIN, resolve_whisper(model), asr.device, asr.compute_type, str(threads),
                          language, *map(str, paths)], check=True, capture_output=True, text=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return {"audio_s": round(row["audio_s"], 1), "wall_s": round(row["wall_s"], 1),
            "audio_h_per_h": round(row["audio_s"] / row["wall_s"], 2), "peak_rss_mib": round(row["peak_rss_mib"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--model", default="bundled:whisper-base")
    parser.add_argument("--language", default="id")
    parser.add_argument("--threads-total", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-plain", action="store_true", help="skip the plain faster-whisper run")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", str(ROOT / "var" / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from call_qa.models import disable_telemetry

    disable_telemetry()
    paths = args.paths or sorted((ROOT / "corpus").glob("id_*.flac"))
    rows = []
    base = None if args.no_plain else plain(paths, args.model, args.threads_total, args.language)
    if base:
        print(json.dumps({"plain faster-whisper": base}), flush=True)
    for w in args.workers:
        row = run(paths, w, args.model, args.threads_total, args.language)
        if base:
            row["time_vs_plain"] = round(row["wall_s"] / base["wall_s"], 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{'':22} {'threads':>7} {'audio min':>9} {'wall s':>8} {'audio h/h':>9} {'time/plain':>10}  peak RSS per worker (MiB)")
    if base:
        print(f"{'plain faster-whisper':22} {args.threads_total:7} {base['audio_s'] / 60:9.1f} {base['wall_s']:8.1f} "
              f"{base['audio_h_per_h']:9.2f} {1.0:10.2f}  {base['peak_rss_mib']}")
    for r in rows:
        print(f"{'call-qa, ' + str(r['workers']) + ' worker(s)':22} {r['threads_per_worker']:7} {r['audio_s'] / 60:9.1f} "
              f"{r['wall_s']:8.1f} {r['audio_h_per_h']:9.2f} {r.get('time_vs_plain', float('nan')):10.2f}  "
              + ", ".join(f"{v}" for v in r["peak_rss_mib_per_worker"].values()))
    best = max(rows, key=lambda r: r["audio_h_per_h"])
    day_h = 1000 * 5 / 60
    hours = day_h / best["audio_h_per_h"]
    print(f"\n1,000 five-minute calls = {day_h:.1f} h of audio: {hours:.1f} h on this machine "
          f"({best['workers']} workers); for an 8-hour window: {math.ceil(hours / 8)} machine(s) like this one")
    if args.json:
        args.json.write_text(json.dumps({"plain": base, "call_qa": rows}, indent=2))


if __name__ == "__main__":
    main()
