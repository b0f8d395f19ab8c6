"""Issue 18's acceptance check: after processing calls full of personal data (spoken
and written, Indonesian and English) with originals kept, no secret is in clear text in
the database file (SQLite's bytes) or its dump (pg_dump of the PostgreSQL schema), in
the log at DEBUG, in the per-call JSON, or in what the web app sends a supervisor (call
pages, transcript search, CSV exports).

The calls are built by hand as they would be heard (tests/pii/pii_call.py and two more
here) and go through ``call_qa.compose.conclude`` + ``save_call_result``, as
``call-qa process`` does after Whisper. The secrets are known by construction: every
digit string, spoken form and name the callers said.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.compose import conclude
from call_qa.domain import Heard, Layout, Role, RoleAssignment
from call_qa.export import to_document
from call_qa.rubric.transcript import activity_from_utterances
from web_support import login, new_client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pii"))
import pii_call  # noqa: E402
from pii_helpers import utt  # noqa: E402

A, C = Role.AGENT, Role.CUSTOMER

EN_CALL = (
    utt(0.0, 3.0, A, "Good morning, Harbor Bank, my name is Kevin, how can I help you?"),
    utt(3.5, 5.0, C, "Hi, I need to update my details."),
    utt(5.5, 7.0, A, "Of course. May I have your name please?"),
    utt(7.5, 9.0, C, "my name is margaret thornton."),
    utt(9.5, 11.0, A, "Thank you. And the best number to reach you?"),
    utt(11.5, 15.0, C, "oh seven seven zero zero, nine zero zero, one two three"),
    utt(15.5, 17.0, A, "And your account number?"),
    utt(17.5, 20.0, C, "four zero zero one two three four five six seven eight"),
    utt(20.5, 23.0, A, "Thank you Mrs Thornton, that is all updated."),
)
ID_CALL = (
    utt(0.0, 3.0, A, "Selamat siang, Kring Pajak dengan Dewi, ada yang bisa dibantu?"),
    utt(3.5, 5.0, C, "Siang Mbak, saya mau lapor NPWP saya."),
    utt(5.5, 7.0, A, "Baik, dengan Bapak siapa saya berbicara?"),
    utt(7.5, 9.0, C, "Saya hendra wijaya."),
    utt(9.5, 11.0, A, "Nomor NPWP Bapak berapa?"),
    utt(11.5, 16.0, C, "nol satu, tiga satu dua, satu enam enam, nol, nol sembilan satu, nol nol nol"),
    utt(16.5, 18.0, A, "Nomor HP yang bisa dihubungi?"),
    utt(18.5, 22.0, C, "+62 813 9876 5432"),
    utt(22.5, 25.0, A, "Terima kasih Pak Hendra Widjaja, sudah kami catat."),
)
SECRETS = pii_call.SECRETS + (
    "margaret", "thornton", "Thornton", "07700900123", "oh seven seven zero zero", "40012345678",
    "four zero zero one", "hendra", "Hendra", "wijaya", "Widjaja", "013121660091000", "nol satu, tiga satu dua",
    "81398765432", "813 9876",
)


def _heard(utts, call_id: str) -> Heard:
    roles = {u.speaker: u.role for u in utts}
    return Heard(source=f"recordings/{call_id}.wav", content_hash=call_id.ljust(64, "0")[:64], duration=30.0,
                 layout=Layout.STEREO, original_channels=2, activity=activity_from_utterances(utts),
                 utterances=tuple(utts), language="en" if utts is EN_CALL else "id",
                 assignment=RoleAssignment(roles, {k: 0.9 for k in roles}, "hand-built"))


def _sqlite_bytes(url: str) -> bytes:
    path = Path(sa.make_url(url).database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # the file and its WAL


def _pg_dump(url: str) -> bytes:
    parsed = sa.make_url(url)
    options = parse_qs(urlparse(url).query).get("options", [""])[0]
    schema = options.split("search_path=")[-1]
    out = subprocess.run(["pg_dump", "-h", parsed.host, "-p", str(parsed.port or 5432), "-U", parsed.username,
                          "-d", parsed.database, "-n", schema, "--inserts"], capture_output=True, check=True)
    return out.stdout


def test_no_secret_in_clear_text_anywhere(db_url, database, settings, tmp_path, caplog):
    from call_qa.web.app import create_app

    caplog.set_level(logging.DEBUG)
    site = settings.model_copy(update={"privacy": pii_call.with_privacy()})  # originals kept, sealed
    documents = []
    for utts, call_id in ((pii_call.utterances(), "2026-11-20_0101"), (EN_CALL, "2026-11-20_0102"),
                          (ID_CALL, "2026-11-20_0103")):
        result = conclude(_heard(utts, call_id), site, call_id)
        assert result.originals is not None  # kept: the test is about how they are kept
        dbmod.save_call_result(database, result)
        dbmod.set_call_metadata(database, call_id, agent_id="sari", team="alpha")
        documents.append(json.dumps(to_document(result), ensure_ascii=False))
    # the rubric and detection read the real values (so the check below is not empty)
    assert dbmod.load_unredacted_utterances(database, "2026-11-20_0103")[3].text == "Saya hendra wijaya."
    supervisor = new_client(create_app(settings=site, database=database))
    assert login(supervisor, "sam").status_code == 303
    pages = [supervisor.get(f"/calls/{c}").text for c in ("2026-11-20_0101", "2026-11-20_0102", "2026-11-20_0103")]
    pages += [supervisor.get(p).text for p in ("/calls", "/coaching.csv?standard=100", "/kb-gaps.csv",
                                                "/calls?q=Kring", "/kb-gaps", "/review")]
    dump = _sqlite_bytes(db_url) if db_url.startswith("sqlite") else _pg_dump(db_url)
    assert b"call_originals" in dump and b"v1." in dump  # the sealed rows are in it
    # the log at DEBUG, with exception tracebacks if any were logged
    logs = "\n".join(r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                     for r in caplog.records)
    places = {"database": dump.decode("utf-8", "replace"), "log": logs, "json": "\n".join(documents),
              "web": "\n".join(pages)}
    leaks = [(where, s) for where, text in places.items() for s in SECRETS if s in text]
    assert leaks == []
