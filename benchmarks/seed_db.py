"""Seed a database with realistic call-qa results for the web app's latency benchmark.

    .venv/bin/python benchmarks/seed_db.py --db sqlite:///var/bench.sqlite3 [--calls 100000]
        [--detailed 2000] [--days 365] [--agents 150] [--teams 10] [--seed 7]

Every call gets a ``calls`` row (agent, team, recorded_at over the last ``--days``
days, ~2 % failed with a reason), its timing metrics and, when ok, a scorecard with
all 18 phone_inbound items scored by the real rubric arithmetic
(``call_qa.rubric.compute_scores``) from verdicts drawn per agent skill. The first
``--detailed`` calls also get speakers, an Indonesian transcript, turns and events
(the call page's data). About 2 % of calls carry a QA override (calibration).
Rows go in through :func:`call_qa.db.bulk.bulk_load` in batches of 5,000 calls
(executemany on SQLite, ``COPY`` on PostgreSQL, the derived tables' triggers off), and
:func:`~call_qa.db.bulk.finish_bulk_load` then rebuilds ``call_timing``, the search
indexes and ``call_daily`` once and runs ``ANALYZE`` (``VACUUM ANALYZE`` on
PostgreSQL): about 3 minutes for 100,000 calls on either backend here, where the
row-by-row triggers took over 12. The database must be empty of ``bench_*`` calls
(use a new file, database or schema).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call_qa import db as dbmod  # noqa: E402
from call_qa.config import load_settings  # noqa: E402
from call_qa.db.bulk import bulk_load, finish_bulk_load, max_ids  # noqa: E402
from call_qa.domain import ItemResult, Verdict  # noqa: E402
from call_qa.rubric import PHONE_INBOUND_SECTIONS, compute_scores, load_rubric  # noqa: E402

TOPICS = [
    ("npwp", "Saya mau tanya soal NPWP saya yang hilang, bagaimana cara mencetak ulang NPWP?"),
    ("spt", "Saya kesulitan lapor SPT tahunan, SPT saya ditolak sistem terus."),
    ("efin", "EFIN saya lupa dan tidak bisa login ke DJP Online, bagaimana mendapatkan EFIN lagi?"),
    ("billing", "Kode billing untuk pembayaran PPh final saya kedaluwarsa, harus buat kode billing baru?"),
    ("restitusi", "Pengajuan restitusi PPN saya sudah tiga bulan belum ada kabar restitusi."),
    ("nik", "Pemadanan NIK sebagai NPWP gagal terus di aplikasi, NIK saya tidak dikenali."),
    ("faktur", "Faktur pajak elektronik tidak bisa diunggah, e-Faktur menampilkan error sertifikat."),
    ("pbb", "Tagihan PBB rumah saya tercatat dua kali, bagaimana membetulkan tagihan PBB?"),
    ("paspor", "I want to ask about my passport renewal, the passport appointment is full."),
    ("sertifikat", "Sertifikat elektronik saya habis masa berlaku, cara perpanjang sertifikat bagaimana?"),
]
AGENT_LINES = [
    "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan {agent}, ada yang bisa dibantu?",
    "Baik Bapak, boleh saya tahu nama lengkap dan NPWP Bapak?",
    "Terima kasih Bapak, mohon ditunggu sebentar, saya cek datanya.",
    "Terima kasih sudah menunggu, Bapak. Jadi kendalanya {topic}, betul?",
    "Caranya begini Bapak, pertama buka DJP Online, kedua pilih menu profil, lalu ikuti petunjuknya.",
    "Apakah penjelasan saya sudah jelas, Bapak?",
    "Ada lagi yang bisa saya bantu? Terima kasih, selamat pagi.",
]
CUSTOMER_LINES = ["Halo, selamat pagi.", "{problem}", "Nama saya Budi Santoso.", "Iya betul.", "Baik, terima kasih.",
                  "Sudah jelas, Mbak.", "Tidak ada, terima kasih."]
ITEMS = [(section, item) for section, items in PHONE_INBOUND_SECTIONS.items() for item in items]
INT_METRICS = {"agent_interruptions", "customer_interruptions", "hold_count", "hold_over_limit", "hold_unannounced",
               "transfer_count", "dead_air_count"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite:///var/bench.sqlite3")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--detailed", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    settings = load_settings()
    rubric = load_rubric(settings.resolve_path(settings.rubric.phone_rubric))
    database = dbmod.open_database(args.db)
    ids = max_ids(database, ["calls", "scorecards", "item_results", "utterances", "turns", "events", "speakers",
                             "item_overrides"])
    agents = [
        {"id": f"agent{a:03d}", "team": f"team{a % args.teams:02d}",
         "skill": min(0.97, max(0.55, rng.gauss(0.84, 0.08))), "interrupts": max(0.05, rng.gauss(0.6, 0.4))}
        for a in range(args.agents)
    ]
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    for first in range(0, args.calls, args.batch):
        rows = _batch(rng, args, agents, rubric, ids, today, first, min(args.calls, first + args.batch))
        bulk_load(database, rows)
        done = min(args.calls, first + args.batch)
        print(f"{done:>7} calls  {time.perf_counter() - started:6.1f} s", file=sys.stderr, flush=True)
    finish_bulk_load(database)
    print(f"seeded {args.calls} calls into {database.url} in {time.perf_counter() - started:.1f} s")


def _batch(rng, args, agents, rubric, ids, today, first, last) -> dict[str, list[dict]]:  # noqa: ANN001
    rows: dict[str, list[dict]] = {name: [] for name in (
        "calls", "call_metrics", "scorecards", "item_results", "speakers", "utterances", "turns", "events",
        "item_overrides")}
    for n in range(first, last):
        ids["calls"] += 1
        call_pk = ids["calls"]
        agent = agents[rng.randrange(len(agents))]
        # 08:00-17:00 WIB (01:00-10:00 UTC) on one of the last --days days
        recorded = today - dt.timedelta(days=rng.randrange(args.days)) + dt.timedelta(
            seconds=rng.randrange(1 * 3600, 10 * 3600))
        duration = round(rng.uniform(60, 900), 3)
        failed = rng.random() < 0.02
        topic, problem = TOPICS[rng.randrange(len(TOPICS))]
        rows["calls"].append({
            "id": call_pk, "call_id": f"bench_{n:06d}", "source": f"recordings/bench/{n:06d}.wav",
            "content_hash": f"{n:064x}", "settings_hash": "0" * 64, "status": "failed" if failed else "ok",
            "errors": [f"recordings/bench/{n:06d}.wav: cannot decode audio (truncated WAV header); re-export the "
                       "recording from the recorder."] if failed else [],
            "duration_s": 0.0 if failed else duration, "channels": 2, "layout": None if failed else "stereo",
            "language": None if failed else ("en" if topic == "paspor" else "id"), "settings": {},
            "processed_at": recorded + dt.timedelta(hours=14), "agent_id": agent["id"], "team": agent["team"],
            "recorded_at": recorded,
        })
        if failed:
            continue
        metrics = _metrics(rng, agent, duration)
        for position, (name, value) in enumerate(metrics.items()):
            rows["call_metrics"].append({"call_pk": call_pk, "name": name, "position": position,
                                         "value": float(value), "is_integer": name in INT_METRICS})
        items = _items(rng, agent, metrics, rubric)
        score, sections = _scores(items, rubric)
        if n % 500 == 0:  # the shortcut must agree with the rubric's own arithmetic
            assert (score, sections) == compute_scores(items, rubric), n
        ids["scorecards"] += 1
        scorecard_id = ids["scorecards"]
        rows["scorecards"].append({
            "id": scorecard_id, "call_pk": call_pk, "rubric_id": rubric.id, "rubric_version": rubric.version,
            "score": score, "needs_review": sum(1 for it in items if it.verdict == Verdict.NEEDS_REVIEW),
            "sections": [{"id": s.id, "score": s.score, "weight": s.weight} for s in sections],
        })
        for position, it in enumerate(items):
            ids["item_results"] += 1
            max_points = _max_points(rubric)[it.id]
            points = max_points * (it.verdict.factor or 0.0)
            evidence = []
            if it.id == "probing":
                evidence = [{"start": 8.0, "end": 14.0, "speaker": "ch0", "role": "customer", "quote": problem,
                             "reason": "caller's problem statement"}]
            elif it.verdict != Verdict.NOT_APPLICABLE:
                evidence = [{"start": 1.0, "end": 4.0, "speaker": "ch1", "role": "agent",
                             "quote": AGENT_LINES[0].format(agent=agent["id"]), "reason": "seeded evidence"}]
            rows["item_results"].append({
                "id": ids["item_results"], "scorecard_id": scorecard_id, "position": position, "item_id": it.id,
                "section": it.section, "verdict": it.verdict.value, "points": points, "max_points": max_points,
                "confidence": it.confidence, "reason": "seeded", "critical": False, "evidence": evidence,
            })
        if rng.random() < 0.02:
            it = items[rng.randrange(len(items))]
            decided = it.verdict if rng.random() < 0.7 and it.verdict != Verdict.NEEDS_REVIEW else rng.choice(
                [Verdict.PASS, Verdict.PARTIAL, Verdict.FAIL])
            ids["item_overrides"] += 1
            rows["item_overrides"].append({
                "id": ids["item_overrides"], "call_pk": call_pk, "item_id": it.id,
                "item_result_id": ids["item_results"] - len(items) + items.index(it), "verdict": decided.value,
                "reason": "seeded QA decision", "user_name": "qa_bench",
                "created_at": recorded + dt.timedelta(days=1),
            })
        if n < args.detailed:
            _details(rng, rows, ids, call_pk, agent, duration, metrics, topic, problem)
    return rows


_MAX_POINTS: dict[str, float] = {}


def _max_points(rubric) -> dict[str, float]:  # noqa: ANN001
    if not _MAX_POINTS:
        _MAX_POINTS.update({item_id: rubric.max_points(item_id) for _, item_id in ITEMS})
    return _MAX_POINTS


def _scores(items: list[ItemResult], rubric) -> tuple:  # noqa: ANN001
    """compute_scores (rubric.md) with the max points looked up once: the seed scores
    100,000 calls and Rubric.max_points walks the item list each time. Checked equal
    to compute_scores on every 500th call. No item of phone_inbound is critical."""
    from call_qa.domain import SectionScore

    mp = _max_points(rubric)
    earned = {s.id: 0.0 for s in rubric.sections}
    possible = {s.id: 0.0 for s in rubric.sections}
    for it in items:
        factor = it.verdict.factor
        if factor is None:
            continue
        earned[it.section] += mp[it.id] * factor
        possible[it.section] += mp[it.id]
    sections = tuple(
        SectionScore(s.id, round(100.0 * earned[s.id] / possible[s.id], 2) if possible[s.id] > 0 else None, s.weight)
        for s in rubric.sections
    )
    total = sum(possible.values())
    return (round(100.0 * sum(earned.values()) / total, 2) if total > 0 else None), sections


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _metrics(rng: random.Random, agent: dict, duration: float) -> dict[str, float]:
    agent_talk = duration * rng.uniform(0.4, 0.6)
    holds = _poisson(rng, 0.5)
    hold_lengths = [rng.uniform(15, 200) for _ in range(holds)]
    dead = _poisson(rng, 0.8)
    dead_lengths = [rng.uniform(3, 15) for _ in range(dead)]
    return {
        "agent_talk_s": round(agent_talk, 3),
        "customer_talk_s": round(duration * rng.uniform(0.2, 0.4), 3),
        "overtalk_s": round(duration * rng.uniform(0.0, 0.04), 3),
        "agent_interruptions": _poisson(rng, agent["interrupts"]),
        "customer_interruptions": _poisson(rng, 0.4),
        "hold_count": holds,
        "hold_total_s": round(sum(hold_lengths), 3),
        "hold_longest_s": round(max(hold_lengths, default=0.0), 3),
        "hold_over_limit": sum(1 for h in hold_lengths if h > 120),
        "hold_unannounced": sum(1 for _ in hold_lengths if rng.random() < 0.2),
        "transfer_count": 1 if rng.random() < 0.08 else 0,
        "dead_air_count": dead,
        "dead_air_total_s": round(sum(dead_lengths), 3),
        "dead_air_longest_s": round(max(dead_lengths, default=0.0), 3),
        "agent_wpm": round(rng.gauss(135, 15), 1),
    }


def _items(rng: random.Random, agent: dict, metrics: dict, rubric) -> list[ItemResult]:  # noqa: ANN001
    items = []
    for section, item_id in ITEMS:
        r = rng.random()
        if item_id == "hold_transfer_technique" and not metrics["hold_count"] and not metrics["transfer_count"]:
            verdict = Verdict.NOT_APPLICABLE
        elif item_id == "no_interruption":
            n = metrics["agent_interruptions"]
            verdict = Verdict.PASS if n == 0 else Verdict.PARTIAL if n == 1 else Verdict.FAIL
        elif r < 0.03:
            verdict = Verdict.NEEDS_REVIEW
        elif r < 0.03 + agent["skill"]:
            verdict = Verdict.PASS
        elif r < 0.03 + agent["skill"] + (1 - agent["skill"]) / 2:
            verdict = Verdict.PARTIAL
        else:
            verdict = Verdict.FAIL
        items.append(ItemResult(item_id, section, verdict, 0.0, 0.0, round(rng.uniform(0.4, 0.99), 2)))
    return items


def _details(rng, rows, ids, call_pk, agent, duration, metrics, topic, problem) -> None:  # noqa: ANN001
    rows["speakers"] += [
        {"id": (ids.__setitem__("speakers", ids["speakers"] + 1) or ids["speakers"]), "call_pk": call_pk,
         "position": 0, "label": "ch0", "role": "customer", "role_confidence": 0.95,
         "talk_s": metrics["customer_talk_s"]},
        {"id": (ids.__setitem__("speakers", ids["speakers"] + 1) or ids["speakers"]), "call_pk": call_pk,
         "position": 1, "label": "ch1", "role": "agent", "role_confidence": 0.95, "talk_s": metrics["agent_talk_s"]},
    ]
    t, position = 0.5, 0
    lines = []
    for round_ in range(4):  # the scripted exchange, repeated to fill a few minutes
        for a, c in zip(AGENT_LINES, CUSTOMER_LINES):
            lines.append(("ch1", "agent", a.format(agent=agent["id"], topic=topic)))
            lines.append(("ch0", "customer", c.format(problem=problem)))
    for speaker, role, text in lines:
        length = min(8.0, 0.35 * len(text.split()) + rng.uniform(0.3, 1.0))
        if t + length > duration:
            break
        ids["utterances"] += 1
        ids["turns"] += 1
        rows["utterances"].append({"id": ids["utterances"], "call_pk": call_pk, "position": position,
                                   "start_s": round(t, 3), "end_s": round(t + length, 3), "speaker": speaker,
                                   "role": role, "text": text, "words": []})
        rows["turns"].append({"id": ids["turns"], "call_pk": call_pk, "position": position, "start_s": round(t, 3),
                              "end_s": round(t + length, 3), "speaker": speaker, "role": role,
                              "backchannel": length < 1.0})
        position += 1
        t += length + rng.uniform(-0.3, 1.5)
    events = []
    for _ in range(int(metrics["agent_interruptions"])):
        s = rng.uniform(5, max(6, duration - 5))
        events.append(("interruption", s, s + 0.8, {"by": "agent", "of": "customer", "successful": True,
                                                    "overlap_s": 0.8}))
    for _ in range(int(metrics["hold_count"])):
        s = rng.uniform(5, max(6, duration - 60))
        events.append(("hold", s, s + 30, {"announced": True, "thanked": True, "kind": "music", "over_limit": False}))
    for _ in range(int(metrics["dead_air_count"])):
        s = rng.uniform(5, max(6, duration - 10))
        events.append(("dead_air", s, s + 4, {}))
    if metrics["transfer_count"]:
        events.append(("transfer", duration - 20, duration - 15, {"target": "bagian keberatan", "warm": False}))
    for position, (type_, s, e, details) in enumerate(sorted(events, key=lambda x: x[1])):
        ids["events"] += 1
        rows["events"].append({"id": ids["events"], "call_pk": call_pk, "position": position, "type": type_,
                               "start_s": round(s, 3), "end_s": round(e, 3), "details": details, "source": "audio"})


if __name__ == "__main__":
    main()
