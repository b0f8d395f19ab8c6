"""Topic names of the knowledge-base gaps (call_qa/web/kb.py): the shipped topic terms
and knowledge-base entries name statements by multi-word terms, not single frequent
words; the shared-phrase fallback. Expected topics written by hand for each statement."""

from __future__ import annotations

import datetime as dt

import pytest

from call_qa.config import load_settings
from call_qa.db.browse import SolutionFailure
from call_qa.web import kb
from call_qa.web.routers.dashboard import topics_of

WHEN = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)


class _State:
    settings = load_settings()


@pytest.fixture(scope="module")
def shipped():
    return topics_of(_State())


@pytest.fixture(scope="module")
def stop():
    settings = load_settings()
    return kb.stopwords(str(settings.resolve_path(settings.rubric.cues_dir)))


def failure(problem, call="c", items=("solution_accuracy",)):
    return SolutionFailure(call, "sari", WHEN, tuple(items), problem)


@pytest.mark.parametrize("statement, topic", [
    ("Saya mau pengajuan restitusi PPN, prosesnya bagaimana?", "restitusi PPN"),
    ("Kode billing-nya salah terus waktu saya bayar", "kode billing"),
    ("Mau tanya soal PBB rumah saya tahun ini", "PBB"),
    ("Saya mau pengajuan restitusi, sudah sampai mana statusnya?", "Restitusi"),  # the KB entry's topic
    ("Saya lupa EFIN, tidak bisa masuk", "EFIN"),
    ("Saya terlambat lapor, dendanya berapa?", "SPT Tahunan"),  # KB match phrases: terlambat lapor, dendanya
    ("I got a late payment penalty although I paid on time", "denda dan sanksi"),
    ("Pagi, saya mau tanya", None),
])
def test_named_topics(shipped, statement, topic):
    assert kb.named_topic(statement, shipped) == topic


def test_groups_use_named_topics_then_shared_phrases(shipped, stop):
    failures = [
        failure("Saya mau pengajuan restitusi PPN bulan lalu", "a"),
        failure("Pengajuan restitusi PPN saya belum cair", "b"),
        failure("Kode billing tidak bisa dibayar", "c", ("solution_completeness",)),
        failure("Tanya cara pindah alamat usaha", "d"),
        failure("Mau pindah alamat usaha ke kota lain", "e"),
        failure("Tanya formulir", "f"),
        failure("", "g"),
    ]
    groups = {g.topic: g for g in kb.group_by_topic(failures, stop, topics=shipped)}
    assert groups["restitusi PPN"].calls == 2
    assert groups["kode billing"].failed_items == (("solution_completeness", 1),)
    # no term names "pindah alamat usaha": the two-word phrase both statements share
    assert groups["pindah alamat"].calls == 2  # tie with "alamat usaha": the phrase said first
    assert "pengajuan" not in groups and "kode" not in groups
    assert groups[kb.NO_TOPIC].calls == 1
    assert groups["formulir"].calls == 1


def test_without_topics_the_shared_word_remains(stop):
    groups = kb.group_by_topic([failure("lapor SPT tahunan"), failure("SPT saya salah")], stop)
    assert [g.topic for g in groups] == ["spt"]
