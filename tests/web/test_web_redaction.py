"""No original personal data on any web page after processing with redaction on
(issue #9): a call whose caller says her NIK (digits and spoken) and phone number goes
through the composition's personal-data steps (detection on the full transcript, then
redaction: call_qa.compose.find_personal_data, call_qa.pii.redact_result; default privacy
settings), is saved, and every page that shows it is searched for the values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from call_qa import db as dbmod
from call_qa.config import load_settings
from call_qa.domain import Evidence, Role, Utterance
from call_qa.compose import find_personal_data
from call_qa.pii import redact_result
from web_samples import make_web_call
from web_support import login, new_client

NIK = "3174051208900002"
NIK_SPOKEN = "tiga satu tujuh empat nol lima satu dua nol delapan sembilan nol nol nol nol dua"
PHONE = "081234567890"
CALL_ID = "2026-11-20_0099"


def _call_with_personal_data(wav: Path):
    base = make_web_call(CALL_ID, wav, problem=f"NIK saya {NIK}, nomor HP saya {PHONE}.")
    spoken = Utterance(7.2, 7.4, "ch0", Role.CUSTOMER, f"Sekali lagi NIK saya {NIK_SPOKEN}")
    utterances = tuple(sorted((*base.utterances, spoken), key=lambda u: u.start))
    # the evidence of one item quotes the caller verbatim
    quote = Evidence(4.5, 7.0, "ch0", Role.CUSTOMER, f"NIK saya {NIK}, nomor HP saya {PHONE}.", "identifier given")
    items = tuple(replace(it, evidence=(quote,)) if it.id == "data_verification" else it for it in base.scorecard.items)
    return replace(base, utterances=utterances, scorecard=replace(base.scorecard, items=items))


def test_no_original_value_on_any_page(database: dbmod.Database, app, wav: Path) -> None:
    privacy = load_settings().privacy
    assert privacy.redact and not privacy.reveal_roles  # the shipped defaults
    call = _call_with_personal_data(wav)
    personal = find_personal_data(call.utterances, (), privacy)
    call = replace(call, personal_data=personal.findings, privacy_flags=personal.flags)
    dbmod.save_call_result(database, redact_result(call, privacy))
    digits = (NIK, PHONE, "3174 0512", NIK_SPOKEN.split(" nol lima")[0])
    for user in ("alice", "ada"):  # a QA officer and an admin
        client = new_client(app)
        assert login(client, user).status_code == 303
        pages = [f"/calls/{CALL_ID}", "/calls", f"/calls?q={NIK[:8]}", "/review", "/calibration"]
        seen = ""
        for path in pages:
            r = client.get(path)
            assert r.status_code == 200, path
            seen += r.text
        assert "[NIK]" in seen and "[PHONE]" in seen
        for value in digits:
            assert value not in seen, f"{value!r} shown to {user}"
        # nobody may open originals by default
        assert client.get(f"/calls/{CALL_ID}/original").status_code in (403, 404)
