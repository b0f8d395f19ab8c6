"""Transient failures end to end: the database going away mid-batch, and a Dask worker
process killed while it transcribes a call. Every call must end stored exactly once.

Real parts: the process-calls flow (Prefect temporary server), PostgreSQL at 127.0.0.1
reached through a TCP relay that this test can cut (the outage), distributed's
LocalCluster with nannies (SIGKILL of a worker process), Whisper tiny.en, 6-second
pieces of the bundled sample calls.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from call_qa.config import load_settings
from call_qa.domain import CallStatus
from sample_truth import ROOT

sys.path.insert(0, str(Path(__file__).parent / "db"))
from db_backends import isolated_database_url  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


class Relay:
    """A TCP relay to PostgreSQL that can be cut: ``cut()`` drops every open connection
    and refuses new ones (counted) until ``mend()``."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.up = True
        self.refused = 0
        self.relayed = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                self.refused += 1
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.relayed += 1
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.up = False
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self._open.clear()

    def mend(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.server.close()


@pytest.fixture
def pg(tmp_path):
    """(URL of an empty PostgreSQL schema, an engine on it to inspect what was stored)."""
    for url in isolated_database_url("postgresql", tmp_path, "call_qa_fail"):
        engine = sa.create_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def _via(url: str, port: int) -> str:
    """The same database (and schema) reached through 127.0.0.1:``port``."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def _calls(tmp_path: Path, n: int) -> list[str]:
    paths = []
    for i in range(n):
        f = tmp_path / f"call_{i}.wav"
        source = "en_stereo_interrupt.flac" if i % 2 == 0 else "en_mono_transfer.flac"
        subprocess.run(["sox", str(ROOT / "sample_audio" / source), str(f), "trim", str(6 * (i // 2)), "6"], check=True)
        paths.append(str(f))
    return paths


def _fast_settings(**schedule):
    s = load_settings().with_overrides(language="en")
    return s.model_copy(update={
        "asr": s.asr.model_copy(update={"models": {"default": "bundled:tiny.en"}, "beam_size": 1, "cpu_threads": 1}),
        "schedule": s.schedule.model_copy(update=schedule),
    })


def _stored(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT call_id, status FROM calls ORDER BY call_id"))]


def _whisper_uses() -> int:
    from call_qa.models import load_whisper

    info = load_whisper.cache_info()
    return info.hits + info.misses


def test_database_outage_mid_batch_is_retried_and_nothing_is_lost(prefect_harness, pg, tmp_path):
    """The database goes away right after the first call is stored and comes back 4 s
    later: the calls that met the outage are retried with backoff and stored, each once,
    and no call is transcribed twice (a call processed but not saved is kept)."""
    from flows.process import run_process_calls

    db_url, engine = pg
    target = make_url(db_url)
    relay = Relay(target.host or "127.0.0.1", target.port or 5432)
    paths = _calls(tmp_path, 3)
    uses_before = _whisper_uses()
    outage = {}

    def cut_after_first_call() -> None:
        while True:
            try:
                if _stored(engine):
                    break
            except sa.exc.ProgrammingError:  # tables not created yet
                pass
            time.sleep(0.05)
        relay.cut()
        outage["from"] = time.monotonic()
        time.sleep(4.0)
        relay.mend()
        outage["to"] = time.monotonic()

    watcher = threading.Thread(target=cut_after_first_call, daemon=True)
    watcher.start()
    try:
        results = run_process_calls(paths, _fast_settings(), _via(db_url, relay.port), None, progress=False)
    finally:
        watcher.join(timeout=60)
        relay.close()

    assert outage.get("to"), "the outage never happened: the first call was not stored"
    assert relay.refused >= 1  # the batch met the outage (connections refused while cut)
    assert [r.status for r in results] == [CallStatus.OK] * 3, [r.errors for r in results]
    assert _stored(engine) == [(Path(p).stem, "ok") for p in paths]  # each once
    assert _whisper_uses() - uses_before == 3  # nothing transcribed twice


def test_a_killed_dask_worker_is_replaced_and_its_call_is_done_once(prefect_harness, pg, tmp_path):
    """SIGKILL of the worker process that is transcribing a call: its nanny starts a new
    one, the scheduler gives the call to a live worker, and every call ends stored once."""
    from distributed import Client, LocalCluster

    from flows.process import run_process_calls

    db_url, engine = pg
    paths = _calls(tmp_path, 4)
    killed = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        settings = _fast_settings(dask_address=cluster.scheduler_address)
        box: dict = {}

        def run() -> None:
            try:
                box["results"] = run_process_calls(paths, settings, db_url, None, progress=False)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                box["error"] = exc

        batch = threading.Thread(target=run, daemon=True)
        batch.start()
        deadline = time.monotonic() + 600
        while not killed and time.monotonic() < deadline and batch.is_alive():
            busy = {w: keys for w, keys in client.processing().items() if keys}
            if busy:
                worker = sorted(busy)[0]
                pid = client.run(os.getpid, workers=[worker])[worker]
                time.sleep(1.0)  # inside the call: decoding/transcribing
                os.kill(pid, signal.SIGKILL)
                killed["pid"], killed["worker"] = pid, worker
            time.sleep(0.2)
        batch.join(timeout=900)
        workers_after = len(client.scheduler_info()["workers"])

    assert killed, "no worker was seen processing a call"
    assert "error" not in box, box.get("error")
    results = box["results"]
    assert [r.status for r in results] == [CallStatus.OK] * 4, [r.errors for r in results]
    assert _stored(engine) == [(Path(p).stem, "ok") for p in paths]  # each once
    assert workers_after == 2  # the nanny replaced the killed process
