"""The site key (call_qa/crypto.py): originals sealed with AES-GCM, bound to their row,
refused without a key, and `call-qa keys new|rotate|list` re-encrypting every row."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from call_qa import crypto, db as dbmod
from call_qa.cli import main
from call_qa.config import PrivacySettings, load_settings
from call_qa.db.personal_data import OriginalsNotSealed, key_usage, load_finding_values
from call_qa.errors import ConfigError

from pii_call import NIK, SECRETS, scored_result, utterances, with_privacy


def test_seal_and_open_round_trip_bound_to_the_row():
    ring = crypto.new_keyring()
    key_id, token = ring.seal(NIK.encode(), b"call-qa|personal_data_findings.value|1|0")
    assert key_id == ring.current and NIK not in token and token.startswith("v1.")
    assert ring.open(key_id, token, b"call-qa|personal_data_findings.value|1|0") == NIK.encode()
    with pytest.raises(crypto.DecryptionError):  # the same token copied to another row
        ring.open(key_id, token, b"call-qa|personal_data_findings.value|2|0")
    with pytest.raises(crypto.DecryptionError):  # another site's key
        crypto.new_keyring().only(set()).open(key_id, token, b"x")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionError) as err:
        ring.open(key_id, tampered, b"call-qa|personal_data_findings.value|1|0")
    assert tampered not in str(err.value)


def test_keyring_text_round_trip_and_bad_keys(tmp_path):
    ring = crypto.new_keyring().with_new_key()
    parsed = crypto.parse_keyring(crypto.format_keyring(ring), "test")
    assert parsed.keys == ring.keys and parsed.current == ring.current
    with pytest.raises(crypto.KeyConfigError, match="32 bytes"):
        crypto.parse_keyring("k-1 c2hvcnQ=", "test")
    path = tmp_path / "site.key"
    crypto.write_keyring(path, ring)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_keep_originals_without_a_key_is_refused_at_start_up(tmp_path):
    with pytest.raises(ValueError, match="no site key is named"):
        PrivacySettings(keep_originals=True)
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"privacy:\n  keep_originals: true\n  key_file: {tmp_path / 'absent.key'}\n")
    with pytest.raises(ConfigError, match="does not exist; create it with `call-qa keys new`"):
        load_settings(config)
    assert load_settings(config, check_site_key=False).privacy.keep_originals
    # the shipped default keeps nothing, so needs no key
    assert load_settings().privacy.keep_originals is False


def test_originals_are_never_written_without_a_key(pii_db_url):
    result = scored_result()
    database = dbmod.open_database(pii_db_url)
    saved = crypto.active_keyring()
    try:
        crypto.use_keyring(None)
        with pytest.raises(OriginalsNotSealed):
            dbmod.save_call_result(database, result)
        assert dbmod.load_call_result(database, result.call_id) is None  # nothing half-written
    finally:
        crypto.use_keyring(saved)
        database.close()


def _dump(database) -> str:
    with database.engine.connect() as conn:
        return "\n".join(str(tuple(row)) for name in sa.inspect(conn).get_table_names()
                         for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')))


def test_keys_new_rotate_list(pii_db_url, tmp_path, capsys, monkeypatch):
    key_file = tmp_path / "site.key"
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"privacy:\n  keep_originals: true\n  key_file: {key_file}\n")
    assert main(["keys", "new", "--config", str(config)]) == 0
    first = crypto.parse_keyring(key_file.read_text(), "file")
    assert main(["keys", "new", "--config", str(config)]) == 2  # never overwrites a key
    privacy = with_privacy(key_env="", key_file=str(key_file))
    crypto.site_keyring(privacy)
    database = dbmod.open_database(pii_db_url)
    try:
        result = scored_result(privacy)
        dbmod.save_call_result(database, result)
        # a row from before migration 0008: clear JSON, no key id (sealed by the rotation)
        with database.engine.begin() as conn:
            conn.execute(sa.text("UPDATE personal_data_findings SET value = :v, key_id = NULL WHERE position = 0"),
                         {"v": result.personal_data[0].value})
        usage = key_usage(database)
        assert usage[None] == 1 and usage[first.current] == len(result.personal_data)  # 1 originals row + n-1 values
        capsys.readouterr()
        assert main(["keys", "rotate", "--config", str(config), "--db", pii_db_url]) == 0
        out = capsys.readouterr().out
        second = crypto.parse_keyring(key_file.read_text(), "file")
        assert second.current != first.current and set(second.keys) == {second.current}  # old key dropped
        assert f"re-encrypted {len(result.personal_data) + 1} row(s)" in out and first.current in out
        assert key_usage(database) == {second.current: len(result.personal_data) + 1}
        # everything opens with the new key alone, and nothing is in clear text
        assert dbmod.load_unredacted_utterances(database, result.call_id, second) == list(utterances())
        assert load_finding_values(database, result.call_id, second) == [f.value for f in result.personal_data]
        with pytest.raises(crypto.DecryptionError):
            load_finding_values(database, result.call_id, first)
        dump = _dump(database)
        assert all(s not in dump for s in SECRETS)
        assert main(["keys", "list", "--config", str(config), "--db", pii_db_url]) == 0
        assert f"{second.current}\t{len(result.personal_data) + 1} row(s)\tcurrent" in capsys.readouterr().out
    finally:
        database.close()
        crypto.site_keyring(with_privacy())


def test_retention_deletes_the_ciphertext(pii_db_url):
    from call_qa.pii.retention import apply_retention

    database = dbmod.open_database(pii_db_url)
    try:
        dbmod.save_call_result(database, scored_result())
        apply_retention(database, with_privacy(keep_originals=False, audio_retention_days=None))
        with database.engine.connect() as conn:
            left = conn.execute(sa.text("SELECT utterances, heard, key_id FROM call_originals")).all()
            values = conn.execute(sa.text("SELECT value, key_id FROM personal_data_findings")).all()
        assert left == [(None, None, None)]
        assert values and all(v == (None, None) for v in values)
    finally:
        database.close()


def test_the_key_never_reaches_the_settings_record():
    result = scored_result()
    ring = os.environ["CALL_QA_TEST_SITE_KEY"]
    key_b64 = ring.strip().splitlines()[-1].split()[1]
    assert key_b64 not in str(result.settings)
