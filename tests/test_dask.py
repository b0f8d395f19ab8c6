"""Scale-out: the real flow on a local Dask cluster of two worker processes, with
PostgreSQL as the shared store (as on several machines, docs/operations.md).

Real parts: distributed.LocalCluster (processes), prefect-dask's DaskTaskRunner
against the cluster's scheduler address, Whisper tiny.en, PostgreSQL at 127.0.0.1
(an isolated schema), short pieces of the bundled sample calls plus broken files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bad_inputs import make_bad_inputs
from call_qa.config import load_settings
from call_qa.domain import CallStatus
from sample_truth import ROOT

sys.path.insert(0, str(Path(__file__).parent / "db"))
from db_backends import isolated_database_url  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_url(tmp_path):
    yield from isolated_database_url("postgresql", tmp_path, "call_qa_dask")


@pytest.fixture
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, Client(c) as client:
        yield c, client


def _whisper_loads() -> dict:
    from call_qa.models import load_whisper

    info = load_whisper.cache_info()
    return {"loads": info.misses, "uses": info.hits + info.misses}


def test_two_dask_workers_share_the_batch_and_load_whisper_once_each(prefect_harness, cluster, pg_url, tmp_path):
    from call_qa.db import list_calls, open_database
    from flows.process import run_process_calls

    local, client = cluster
    used_here_before = _whisper_loads()["uses"]  # earlier tests in this process may have used Whisper
    speech = []
    for i in range(4):
        f = tmp_path / f"call_{i}.wav"
        subprocess.run(["sox", str(ROOT / "sample_audio" / "en_stereo_interrupt.flac"), str(f), "trim", str(6 * i), "6"], check=True)
        speech.append(f)
    bad = make_bad_inputs(tmp_path / "bad")
    broken = [bad["zero_bytes.wav"], bad["text.wav"], bad["truncated.wav"]]

    s = load_settings().with_overrides(language="en")
    s = s.model_copy(update={
        "asr": s.asr.model_copy(update={"models": {"default": "bundled:tiny.en"}, "beam_size": 1, "cpu_threads": 1}),
        "schedule": s.schedule.model_copy(update={"dask_address": local.scheduler_address}),
    })
    paths = [str(p) for p in speech + broken]
    results = run_process_calls(paths, s, pg_url, str(tmp_path / "out"), progress=False)

    by_id = {r.call_id: r for r in results}
    assert [r.call_id for r in results] == [Path(p).stem for p in paths]
    assert all(by_id[f"call_{i}"].status is CallStatus.OK for i in range(4))
    assert all(by_id[p.stem].status is CallStatus.FAILED and by_id[p.stem].errors for p in broken)

    stored = {c.call_id: c for c in list_calls(open_database(pg_url))}
    assert sorted(stored) == sorted(by_id)  # every call once, in the shared database
    assert all(len(list((tmp_path / "out").glob(f"{cid}.json"))) == 1 for cid in by_id)

    # both worker processes took calls, and each loaded the model once for all of its calls
    per_worker = client.run(_whisper_loads)
    assert len(per_worker) == 2
    assert all(w["loads"] == 1 for w in per_worker.values()), per_worker
    assert sum(w["uses"] for w in per_worker.values()) == 4  # one use per decodable call
    assert _whisper_loads()["uses"] == used_here_before  # nothing transcribed in the flow's own process

    # a second run on the cluster skips all the good calls
    again = run_process_calls(paths, s, pg_url, None, progress=False)
    assert [r.status for r in again] == [r.status for r in results]
    assert sum(w["uses"] for w in client.run(_whisper_loads).values()) == 4  # no new transcription
