"""Response times of the web app's main pages on a seeded database.

    .venv/bin/python benchmarks/seed_db.py --db sqlite:///var/bench.sqlite3      # once (minutes)
    .venv/bin/python benchmarks/web_latency.py --db sqlite:///var/bench.sqlite3 [--repeat 10]

Drives the real app in-process (FastAPI's TestClient: routing, session check, queries,
template rendering; no network), logged in as an admin (a ``bench_admin`` user is
added when missing), after one warm-up request per page. Prints the number of calls
the database holds and the load average, then per page the median, 90th percentile
and slowest wall time of ``--repeat`` requests and the median CPU time, in
milliseconds (on PostgreSQL also the CPU time of the server processes serving the
app, read from /proc when the server runs on this machine); ``--json`` for
machine-readable output. Pages
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
        # issue 16: trends that compare, exports, feedback, calibration sessions
        "dashboard, lines per agent (bottom 5)": "/dashboard?compare=agent&rank=bottom&n=5",
        "dashboard, 90 days, lines per team, per hour": "/dashboard?compare=team&rank=top&n=8&rate=hour&start="
        + _days_ago(89),
        "dashboard export, per agent (CSV)": "/dashboard.csv",
        "calls export, 7 days (CSV)": "/calls.csv?start=" + _days_ago(6),
        "calls export, 7 days (XLSX)": "/calls.xlsx?start=" + _days_ago(6),
        "items failed most per team (28 days)": "/dashboard/items",
        "disputes": "/disputes",
        "calibration sessions": "/calibration/sessions",
    }
    load = os.getloadavg()
    results = {}
    for name, path in pages.items():
        response = client.get(path)  # warm-up (and check)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        server = _ServerCpu(database)
        times, cpu, server_cpu = [], [], []
        for _ in range(args.repeat):
            started, started_cpu, started_server = time.perf_counter(), time.process_time(), server.seconds()
            client.get(path)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
            server_cpu.append(1000 * (server.seconds() - started_server))
        times.sort()
        results[name] = {
            "path": path,
            "median_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 1),
            "max_ms": round(times[-1], 1),
            # CPU seconds of this process (app + SQLite, which runs in-process): what
            # the request costs on an idle core, whatever else shares the machine.
            "cpu_median_ms": round(statistics.median(cpu), 1),
            # PostgreSQL: CPU of the server processes serving this app's connections
            # (a local server's /proc), so app + server CPU is the request's cost.
            "server_cpu_median_ms": round(statistics.median(server_cpu), 1) if server.pids else None,
        }
    if args.json:
        print(json.dumps({"calls": total, "database": database.dialect, "repeat": args.repeat,
                          "load_average": load, "pages": results},
                         indent=2))
    else:
        print(f"{total} calls in {database.url} ({database.dialect}); {args.repeat} requests per page\n")
        print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs\n")
        pg = any(r["server_cpu_median_ms"] is not None for r in results.values())
        extra = f" {'pg cpu':>8} {'sum cpu':>8}" if pg else ""
        print(f"{'page':48} {'median':>8} {'p90':>8} {'max':>8} {'cpu':>8}{extra}  (ms)")
        for name, r in results.items():
            flag = "  OVER" if r["median_ms"] > args.limit_ms else ""
            server = ""
            if pg:
                s_cpu = r["server_cpu_median_ms"] or 0.0
                server = f" {s_cpu:8.1f} {r['cpu_median_ms'] + s_cpu:8.1f}"
            print(f"{name:48} {r['median_ms']:8.1f} {r['p90_ms']:8.1f} {r['max_ms']:8.1f} "
                  f"{r['cpu_median_ms']:8.1f}{server}{flag}")
    return 1 if any(r["median_ms"] > args.limit_ms for r in results.values()) else 0


class _ServerCpu:
    """CPU seconds (user + system) used so far by the PostgreSQL backends connected
    to the benchmarked database, read from /proc (a server on this machine); no pids,
    and 0, for SQLite or a remote server."""

    def __init__(self, database) -> None:  # noqa: ANN001
        self.pids: list[int] = []
        self.tick = os.sysconf("SC_CLK_TCK")
        if database.dialect != "postgresql":
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        # A connection of its own: one from the app's pool would be the app's backend.
        engine = create_engine(database.engine.url, poolclass=NullPool)
        with engine.connect() as conn:
            self.pids = list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )).scalars())
        engine.dispose()
        self.pids = [pid for pid in self.pids if os.path.exists(f"/proc/{pid}/stat")]

    def seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                # Nanoseconds on a CPU (schedstat); the tick-counted stat is 10 ms coarse.
                with open(f"/proc/{pid}/schedstat") as f:
                    total += int(f.read().split()[0]) / 1e9
                continue
            except (OSError, ValueError, IndexError):
                pass
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime (fields 14, 15)
        return total


def _days_ago(days: int) -> str:
    import datetime as dt

    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


if __name__ == "__main__":
    sys.exit(main())
