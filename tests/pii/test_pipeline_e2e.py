"""End to end: a call synthesised with espeak-ng (scripts/make_calls.py) goes through
the real pipeline (Whisper included) with redaction on; nothing the caller said as
personal data may reach the database tables or the per-call JSON."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.config import load_settings
from call_qa.domain import PersonalDataType as T
from call_qa.export import write_document
from call_qa.pipeline import process_recording

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _make_calls():
    spec = importlib.util.spec_from_file_location("make_calls", ROOT / "scripts" / "make_calls.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_calls"] = module
    spec.loader.exec_module(module)
    return module


def test_pipeline_stores_and_exports_no_original(tmp_path):
    from call_qa.crypto import new_keyring, write_keyring

    _make_calls().make_call(Path(__file__).parent / "data" / "id_pii_call.yaml", tmp_path)
    audio = tmp_path / "id_pii_call.flac"
    settings = load_settings().with_overrides(language="id")
    # originals kept (sealed with a site key) so the test can check they hold the caller's data
    write_keyring(tmp_path / "site.key", new_keyring())
    settings = settings.model_copy(update={"privacy": settings.privacy.model_copy(
        update={"keep_originals": True, "key_file": str(tmp_path / "site.key")})})
    result = process_recording(audio, settings)
    assert result.status.value == "ok", result.errors

    # the originals hold the caller's data, as Whisper heard it
    originals = " ".join(u.text for u in result.originals)
    types = {f.type for f in result.personal_data}
    # Whisper on espeak-ng hears "Nol Drapan … Dura" and "Enika" for "NIK": the NIK may
    # lose a digit or its cue (and then be typed by its length), but identifiers are found
    assert T.PHONE in types and types & {T.NIK, T.NPWP, T.ACCOUNT}, (types, originals)
    values = [f.value for f in result.personal_data if f.value]

    # (that the rubric scores the full transcript is tested on hand-built transcripts in
    # test_redaction.py: Whisper-base garbles this agent voice's request for the NIK)

    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    database = dbmod.open_database(url)
    dbmod.save_call_result(database, result)
    doc = write_document(result, tmp_path / "out").read_text(encoding="utf-8")
    with database.engine.connect() as conn:
        rows = []
        for name in sa.inspect(conn).get_table_names():
            if name in ("call_originals", "personal_data_findings"):
                continue  # the originals store (cleared by retention)
            rows += [json.dumps([str(v) for v in r], ensure_ascii=False)
                     for r in conn.execute(sa.text(f'SELECT * FROM "{name}"'))]
    stored = "\n".join(rows)
    database.close()
    for value in values:
        digits = re.sub(r"\D", "", value)
        for where, text in (("json", doc), ("database", stored)):
            if len(digits) >= 6:
                assert digits not in text, (where, value)
            else:
                assert value not in text, (where, value)
    # spoken digits are gone too: no run of 4 digit words is left anywhere
    spoken = re.compile(r"\b(nol|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)[ ,]+"
                        r"(nol|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)[ ,]+"
                        r"(nol|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)[ ,]+"
                        r"(nol|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)\b")
    assert not spoken.search(doc.lower()) and not spoken.search(stored.lower())
    for name in (f.value for f in result.personal_data if f.type is T.NAME):
        assert name not in doc and name not in stored
    assert "[PHONE]" in doc and ("[NIK]" in doc or "[NPWP]" in doc or "[ACCOUNT]" in doc)
