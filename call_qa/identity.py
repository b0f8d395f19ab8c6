"""A call's identity when the recording system gives none: a readable id from where the
recording lies, that two recordings of one night cannot share.

    recordings/2026-11-27/0001.wav               -> 2026-11-27_0001
    recordings/2026-11-27/queue-a/call1.wav      -> 2026-11-27_queue-a_call1
    recordings/2026-11-27/call2.wav  (+ call2.mp3 beside it)
                                                 -> 2026-11-27_call2.wav, 2026-11-27_call2.mp3
    081234567890_20261127.wav  (privacy.redact_call_ids)
                                                 -> [PHONE]_20261127-<8 hex>
    elsewhere: the path below the folder given (call-qa process FOLDER), or the file stem

The id is the path below the nearest day folder (``YYYY-MM-DD``) with the day in
front, so the same file gets the same id however it was reached; the extension is
added only where another recording of the folder has the same stem. Identifiers in
the name (phone numbers, NIK …) are replaced as in the transcript, and a short hash of
the recording's content with the unredacted name keeps two such ids apart (not of the
name alone: 8 hex digits of a phone number's hash would give the number away to
anyone who tries every number). An id longer than :data:`MAX_ID_BYTES`
is cut and given the same hash (file names of ~250 bytes exist; the database and the
``<call_id>.json`` file name do not take them).

The content hash (sha256 of the bytes) is kept beside the id, in the database: it
finds the same recording under another name (a duplicate, call_qa/batch.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGIT_RUN = re.compile(r"(?<!\d)\d{6,}(?!\d)")
#: Longest id in bytes (UTF-8): leaves room for ``.json`` in a 255-byte file name and
#: fits the database's 255-character column.
MAX_ID_BYTES = 200
_AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".amr", ".gsm")


def short_hash(text: str) -> str:
    """8 hex digits of sha256: what keeps shortened or redacted ids apart."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _day_folder(p: Path) -> int | None:
    """Index in ``p.parts`` of the nearest folder named like a day, or None."""
    for i in range(len(p.parts) - 2, -1, -1):
        if _DAY.match(p.parts[i]):
            return i
    return None


def _has_namesake(p: Path) -> bool:
    """Another recording in the same folder with the same stem (call2.wav, call2.mp3)."""
    try:
        siblings = [q for q in p.parent.iterdir() if q.name != p.name]
    except OSError:
        return False
    return any(q.stem == p.stem and q.suffix.lower() in _AUDIO_SUFFIXES for q in siblings)


def redact_identifiers(text: str, types: Iterable[str]) -> str:
    """``text`` with digit runs that are identifiers of ``types`` (phone, NIK, NPWP,
    card, account: the transcript's classifier, without a spoken cue) replaced by
    ``[PHONE]`` … Dates such as 20261127 are no identifier and stay."""
    from call_qa.pii import classify_identifier

    wanted = set(types)

    def replace(match: re.Match[str]) -> str:
        found = classify_identifier(match.group(0), None)
        if found is not None and found[0].value in wanted:
            return f"[{found[0].value.upper()}]"
        return match.group(0)

    return _DIGIT_RUN.sub(replace, text)


def _keyed(raw: str, p: Path) -> str:
    """The hash that keeps a redacted id apart: of the content and the name."""
    import stat

    from call_qa.files import file_hash

    try:
        content = file_hash(p) if stat.S_ISREG(p.stat().st_mode) else ""
    except OSError:
        content = ""
    return short_hash(content + raw)


def call_id_for(path: str | Path, root: str | Path | None = None, redact_types: Iterable[str] | None = None) -> str:
    """The call id of a recording (module docstring). ``root``: the folder the
    recording was found under (``call-qa process FOLDER``), used when no day folder is
    above it; ``redact_types``: identifier types replaced in the id (None: none)."""
    p = Path(path)
    name = p.name if _has_namesake(p) else p.stem
    day = _day_folder(p)
    if day is not None:
        parts = [p.parts[day], *p.parts[day + 1 : -1], name]
    elif root is not None and Path(root) != p:
        try:
            parts = [*p.relative_to(root).parts[:-1], name]
        except ValueError:
            parts = [name]
    else:
        parts = [name]
    raw = "_".join(parts)
    call_id = redact_identifiers(raw, redact_types) if redact_types else raw
    if call_id != raw:
        call_id = f"{call_id}-{_keyed(raw, p)}"
    if len(call_id.encode("utf-8", "surrogateescape")) > MAX_ID_BYTES:
        head = call_id.encode("utf-8", "surrogateescape")[: MAX_ID_BYTES - 9].decode("utf-8", "ignore")
        call_id = f"{head}-{short_hash(call_id)}"
    return call_id
