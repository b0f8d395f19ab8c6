"""Response times of the web app's main pages on a seeded database.

    .venv/bin/python benchmarks/seed_db.py --db sqlite:///var/bench.sqlite3      # once (minutes)
    .venv/bin/python benchmarks/web_latency.py --db sqlite:///var/bench.sqlite3 [--repeat 10]

Drives the real app in-process (FastAPI's TestClient: routing, session check, queries,
template rendering; no network), logged in as an admin (a ``bench_admin`` user is
added when missing), after one warm-up request per page. Prints the number of calls
the database holds and the load average, then per page the median, 90th percentile
and slowest wall time of ``--repeat`` requests and the median CPU time, in
milliseconds; ``--json`` for machine-readable output. Pages
over ``--limit-ms`` (default 300) are marked; the exit status is 1 when any median is.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call_qa import db as dbmod  # noqa: E402
from call_qa.config import load_settings  # noqa: E402
from call_qa.db import browse  # noqa: E402

USER, PASSWORD = "bench_admin", "bench-admin-password"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite:///var/bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from call_qa.web.app import create_app

    database = dbmod.open_database(args.db)
    if USER not in {u.username for u in dbmod.list_users(database)}:
        dbmod.add_user(database, USER, PASSWORD, "admin")
    total = browse.count_calls(database)
    detailed = browse.list_call_page(database, browse.CallFilter(text="bench_000001"), per_page=1).rows
    call_id = detailed[0].call_id if detailed else browse.list_call_page(database, per_page=1).rows[0].call_id
    agents, _ = browse.agents_and_teams(database)

    client = TestClient(create_app(settings=load_settings(), database=database), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": token}).status_code == 303

    pages = {
        "calls list (newest first)": "/calls",
        "calls list, page 200": "/calls?page=200",
        "calls list sorted by score": "/calls?sort=score&dir=asc",
        "calls list, agent + score range": f"/calls?agent={agents[0]}&score_min=50&score_max=90",
        "calls list, flags interruptions + long holds": "/calls?flag=interruptions&flag=long_holds",
        "calls list, needs review": "/calls?flag=needs_review",
        "calls list, 30-day range": "/calls?start=2026-10-01&end=2026-10-30",
        f"call page ({call_id})": f"/calls/{call_id}",
        "dashboard (default: last 28 days)": "/dashboard",
        "dashboard, last 90 days, per team": "/dashboard?group=team&start=" + _days_ago(89),
        "dashboard, one agent, 28 days": f"/dashboard?agent={agents[0]}",
        "review queue": "/review",
        "calibration (90 days)": "/calibration",
        "coaching list (28 days)": "/coaching",
        "knowledge-base gaps (28 days)": "/kb-gaps",
        "transcript search": "/calls?q=restitusi",
    }
    load = os.getloadavg()
    results = {}
    for name, path in pages.items():
        response = client.get(path)  # warm-up (and check)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
        times.sort()
        results[name] = {
            "path": path,
            "median_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 1),
            "max_ms": round(times[-1], 1),
            # CPU seconds of this process (app + SQLite, which runs in-process): what
            # the request costs on an idle core, whatever else shares the machine.
            "cpu_median_ms": round(statistics.median(cpu), 1),
        }
    if args.json:
        print(json.dumps({"calls": total, "database": database.dialect, "repeat": args.repeat,
                          "load_average": load, "pages": results},
                         indent=2))
    else:
        print(f"{total} calls in {database.url} ({database.dialect}); {args.repeat} requests per page\n")
        print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs\n")
        print(f"{'page':48} {'median':>8} {'p90':>8} {'max':>8} {'cpu':>8}  (ms)")
        for name, r in results.items():
            flag = "  OVER" if r["median_ms"] > args.limit_ms else ""
            print(f"{name:48} {r['median_ms']:8.1f} {r['p90_ms']:8.1f} {r['max_ms']:8.1f} "
                  f"{r['cpu_median_ms']:8.1f}{flag}")
    return 1 if any(r["median_ms"] > args.limit_ms for r in results.values()) else 0


def _days_ago(days: int) -> str:
    import datetime as dt

    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


if __name__ == "__main__":
    sys.exit(main())
