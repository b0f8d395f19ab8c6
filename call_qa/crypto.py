"""The site key: authenticated encryption of personal data kept at rest.

Kept originals (the unredacted utterances, what was heard, each finding's value) are
sealed with AES-256-GCM (``cryptography``) before they reach the database, so a dump,
a backup or a replica of it holds ciphertext only (docs/personal-data.md)::

    plaintext ─► AES-GCM(key, random 96-bit nonce, aad = table.column|row) ─► "v1.<base64>"
    key id    ─► stored beside the ciphertext in the same row

The associated data names the table, column and row, so a ciphertext copied into
another row or column does not open. A keyring holds the keys: the last one seals,
every one opens (until ``call-qa keys rotate`` has re-encrypted every row to the
newest and dropped the rest). It comes from the file ``privacy.key_file`` or the
environment variable ``privacy.key_env``, one key a line::

    # call-qa site keyring: the last key seals, every key opens
    k-3f9a01c2 2Zk4…base64 of 32 random bytes…=

Keys never enter settings, logs, Prefect's parameters or the database: only their ids.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from call_qa.errors import CallQAError, ConfigError
from call_qa.home import state_home

log = logging.getLogger("call_qa")

VERSION = "v1"
_NONCE = 12
_HEADER = "# call-qa site keyring: the last key seals, every key opens (docs/personal-data.md)"


class KeyConfigError(ConfigError):
    """The site key is missing, unreadable or malformed; the message says what to do."""


class DecryptionError(CallQAError):
    """A ciphertext does not open: unknown key id, wrong key, or altered data."""


@dataclass(frozen=True)
class Keyring:
    """Site keys by id; ``current`` seals, all open. ``source`` says where it was read
    (a file path or ``$VAR``), for messages."""

    keys: Mapping[str, bytes]
    current: str
    source: str = ""

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, str]:
        """(key id, token) of ``plaintext`` sealed with the current key for ``aad``."""
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext, aad)
        return self.current, f"{VERSION}.{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, key_id: str, token: str, aad: bytes) -> bytes:
        """The plaintext of ``token`` sealed with key ``key_id`` for ``aad``."""
        key = self.keys.get(key_id)
        if key is None:
            raise DecryptionError(f"data sealed with key {key_id!r}, which the keyring {self.source or ''} "
                                  f"does not hold (keys: {', '.join(self.keys)}); restore that key to read it")
        version, _, body = token.partition(".")
        if version != VERSION:
            raise DecryptionError(f"unknown ciphertext format {version!r} (expected {VERSION})")
        try:
            raw = base64.b64decode(body, validate=True)
            return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad)
        except (InvalidTag, binascii.Error, ValueError):
            # never echo the token: it is harmless, but a message is no place for data
            raise DecryptionError(f"ciphertext sealed with key {key_id!r} does not open: the key is wrong "
                                  "or the data was altered") from None

    def with_new_key(self) -> "Keyring":
        """This keyring plus a fresh random key, which becomes the current one."""
        key_id = new_key_id()
        return Keyring({**self.keys, key_id: AESGCM.generate_key(bit_length=256)}, key_id, self.source)

    def only(self, key_ids: set[str]) -> "Keyring":
        """The keyring reduced to ``key_ids`` (the current key always stays)."""
        keep = {k: v for k, v in self.keys.items() if k in key_ids or k == self.current}
        return Keyring(keep, self.current, self.source)


def new_key_id() -> str:
    """A random key id ("k-3f9a01c2"): names the key, reveals nothing about it."""
    return f"k-{secrets.token_hex(4)}"


def new_keyring() -> Keyring:
    """A keyring with one fresh random 256-bit key."""
    key_id = new_key_id()
    return Keyring({key_id: AESGCM.generate_key(bit_length=256)}, key_id)


def format_keyring(ring: Keyring) -> str:
    """The keyring as its file text (the current key last)."""
    order = [k for k in ring.keys if k != ring.current] + [ring.current]
    lines = [_HEADER] + [f"{k} {base64.b64encode(ring.keys[k]).decode('ascii')}" for k in order]
    return "\n".join(lines) + "\n"


def parse_keyring(text: str, source: str) -> Keyring:
    """A keyring from its text (lines ``<id> <base64 key>``, or ``;`` between entries in
    an environment variable); the last key is the current one."""
    keys: dict[str, bytes] = {}
    current = ""
    entries = [e.strip() for line in text.splitlines() for e in line.split(";")]
    for n, entry in enumerate(entries, 1):
        if not entry or entry.startswith("#"):
            continue
        parts = entry.split()
        if len(parts) != 2:
            raise KeyConfigError(f"{source}: entry {n} is not '<key id> <base64 key>'")
        key_id, encoded = parts
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise KeyConfigError(f"{source}: key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise KeyConfigError(f"{source}: key {key_id!r} is {len(key)} bytes; AES-256 keys are 32 bytes "
                                 "(make one with `call-qa keys new`)")
        keys[key_id] = key
        current = key_id
    if not keys:
        raise KeyConfigError(f"{source}: no key in it; make one with `call-qa keys new`")
    return Keyring(keys, current, source)


def key_file_path(privacy: Any) -> Path | None:
    """``privacy.key_file`` as a path: ``~`` expanded, a relative path under the call-qa
    home (``CALL_QA_HOME``, call_qa/home.py), where the database file is too."""
    if not getattr(privacy, "key_file", ""):
        return None
    path = Path(privacy.key_file).expanduser()
    return path if path.is_absolute() else state_home() / path


def load_keyring(privacy: Any) -> Keyring | None:
    """The site keyring ``privacy`` names (``key_env`` first, then ``key_file``), or
    None when it names none. Raises KeyConfigError when the named one is absent or bad."""
    env = getattr(privacy, "key_env", "")
    if env:
        value = os.environ.get(env)
        if value:
            return parse_keyring(value, f"${env}")
        if not key_file_path(privacy):
            raise KeyConfigError(f"privacy.key_env names ${env}, which is not set; set it to a key line from "
                                 "`call-qa keys new --print`")
    path = key_file_path(privacy)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyConfigError(f"privacy.key_file {path} does not exist; create it with `call-qa keys new`") from None
    except OSError as exc:
        raise KeyConfigError(f"privacy.key_file {path}: cannot read it ({exc.strerror})") from None
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("site key file %s is readable by other users; chmod 600 it", path)
    return parse_keyring(text, str(path))


def write_keyring(path: Path, ring: Keyring) -> None:
    """Write ``ring`` to ``path`` (mode 600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(format_keyring(ring))
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the process's site key

_active: Keyring | None = None
_said_not_kept = False


def site_keyring(privacy: Any) -> Keyring | None:
    """The start-up check, and the keyring this process seals and opens originals with.

    With ``keep_originals`` (and ``redact``) on, the key ``privacy`` names must load:
    otherwise KeyConfigError says what to set — nothing unredacted is ever written in
    clear text. With originals not kept it says so once in the log and returns the
    keyring if one is named anyway (to read rows kept earlier), else None."""
    global _active, _said_not_kept
    # getattr: callers may pass a partial settings object (the web app's tests do)
    keep = bool(getattr(privacy, "redact", True) and getattr(privacy, "keep_originals", False))
    ring = load_keyring(privacy)
    if keep and ring is None:
        raise KeyConfigError(
            "privacy.keep_originals is true but no site key is named: set privacy.key_file (a keyring made by "
            "`call-qa keys new`) or privacy.key_env in configs/pipeline.yaml, or set keep_originals: false")
    if not keep and not _said_not_kept:
        _said_not_kept = True
        log.info("unredacted originals are not kept (privacy.keep_originals is false): no original transcript "
                 "to reveal, and an officer's swap of roles is refused")
    if ring is not None:
        _active = ring
    return ring


def active_keyring() -> Keyring | None:
    """The keyring :func:`site_keyring` last loaded in this process (None before)."""
    return _active


def use_keyring(ring: Keyring | None) -> None:
    """Make ``ring`` this process's keyring (``keys rotate``, tests)."""
    global _active
    _active = ring
