"""Personal data in the database (SQLite and PostgreSQL): nothing original in clear
text anywhere — the originals store holds ciphertext sealed with the site key —,
originals readable with the key until retention deletes them, and the record of what
retention deleted."""

import dataclasses
import datetime as dt
import json

import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.domain import PersonalDataType as T
from call_qa.pii.retention import apply_retention

from pii_call import NIK, SECRETS, scored_result, utterances, with_privacy

# tables holding originals, sealed (the originals store; finding values while kept)
ORIGINALS = {"call_originals", "personal_data_findings"}


def table_text(database, skip=()) -> str:
    """Every row of every table, as text."""
    out = []
    with database.engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name in skip:
                continue
            for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')):
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


def test_no_original_in_clear_text_anywhere(pii_db_url):
    database = dbmod.open_database(pii_db_url)
    try:
        result = scored_result()
        dbmod.save_call_result(database, result)
        text = table_text(database)  # the originals store included: it holds ciphertext
        for secret in SECRETS:
            assert secret not in text, secret
        with database.engine.connect() as conn:
            tokens = conn.execute(sa.text("SELECT key_id, utterances, heard FROM call_originals")).all()
        ((key_id, sealed, heard),) = tokens
        assert key_id.startswith("k-") and sealed.startswith("v1.") and heard.startswith("v1.")
        # the redacted call reads back with its findings (values while kept) and flags
        back = dbmod.load_call_result(database, result.call_id)
        assert back.utterances == result.utterances
        # findings come back without their values (originals only via load_unredacted_utterances)
        assert [(f.type, f.words, f.start, f.end) for f in back.personal_data] == [
            (f.type, f.words, f.start, f.end) for f in result.personal_data]
        assert all(f.value is None for f in back.personal_data)
        assert finding_values(database, result.call_id) == [f.value for f in result.personal_data]
        assert back.privacy_flags == result.privacy_flags
        assert dbmod.load_unredacted_utterances(database, result.call_id) == list(utterances())
        assert dbmod.load_unredacted_utterances(database, "no-such-call") is None
    finally:
        database.close()


def test_without_kept_originals_nothing_original_at_all(pii_db_url):
    database = dbmod.open_database(pii_db_url)
    try:
        result = scored_result(with_privacy(keep_originals=False))
        dbmod.save_call_result(database, result)
        text = table_text(database)
        for secret in SECRETS:
            assert secret not in text, secret
        assert dbmod.load_unredacted_utterances(database, result.call_id) is None
    finally:
        database.close()


def finding_values(database, call_id: str) -> list:
    """The findings' values, opened with the site key."""
    from call_qa.db.personal_data import load_finding_values

    return load_finding_values(database, call_id)


def _age(database, call_id: str, days: int) -> None:
    """Pretend the call was processed ``days`` ago."""
    when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    with database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE calls SET processed_at = :t WHERE call_id = :c"), {"t": when, "c": call_id})


def test_retention_deletes_audio_and_originals_and_records_it(pii_db_url, tmp_path):
    database = dbmod.open_database(pii_db_url)
    try:
        old_audio, new_audio = tmp_path / "old.wav", tmp_path / "new.wav"
        old_audio.write_bytes(b"RIFF" + b"\0" * 100)
        new_audio.write_bytes(b"RIFF" + b"\0" * 100)
        old = scored_result(call_id="old")
        old = dataclasses.replace(old, source=str(old_audio))
        new = scored_result(call_id="new")
        new = dataclasses.replace(new, source=str(new_audio))
        dbmod.save_call_result(database, old)
        dbmod.save_call_result(database, new)
        _age(database, "old", 100)
        _age(database, "new", 5)
        privacy = with_privacy()  # originals kept 30 days, audio 90 days
        report = apply_retention(database, privacy)
        assert [r.call_id for r in report.originals] == ["old"]
        assert [r.call_id for r in report.audio] == ["old"]
        assert not old_audio.exists() and new_audio.exists()
        assert dbmod.load_unredacted_utterances(database, "old") is None
        assert dbmod.load_unredacted_utterances(database, "new") is not None
        assert all(v is None for v in finding_values(database, "old"))
        assert NIK in finding_values(database, "new")
        records = dbmod.retention_records(database, "old")
        assert sorted(r.what for r in records) == ["audio", "originals"]
        assert "104 bytes" in next(r.detail for r in records if r.what == "audio")
        # the redacted transcript and scorecard stay
        assert dbmod.load_call_result(database, "old").scorecard is not None
        # a second run deletes nothing more and records nothing twice
        again = apply_retention(database, privacy)
        assert again.originals == () and again.audio == ()
        assert len(dbmod.retention_records(database, "old")) == 2
        # an audio file already gone is recorded as such
        _age(database, "new", 95)
        new_audio.unlink()
        third = apply_retention(database, privacy)
        assert [r.detail for r in third.audio] == [f"{new_audio} was already absent"]
    finally:
        database.close()


def test_findings_are_typed_in_the_database(pii_db_url):
    database = dbmod.open_database(pii_db_url)
    try:
        dbmod.save_call_result(database, scored_result())
        with database.engine.connect() as conn:
            types = set(conn.execute(sa.text("SELECT type FROM personal_data_findings")).scalars())
        assert types == {t.value for t in (T.NIK, T.PHONE, T.EMAIL, T.DOB, T.ADDRESS, T.NAME, T.NPWP)}
    finally:
        database.close()
