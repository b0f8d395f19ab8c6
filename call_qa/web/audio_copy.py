"""Which recording the web app serves: the toned copy for everyone, the original only
for the roles in ``privacy.reveal_roles`` (docs/personal-data.md).

The copy has every finding's seconds replaced by a tone (``privacy.audio_fill``,
``audio_pad_s``; call_qa/pii/audio.py), is made on the first request and cached under
the call-qa home (``$CALL_QA_HOME/redacted-audio``), and is deleted by the retention
flow together with the original. The route logs which of the two it served.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from call_qa import db as dbmod
from call_qa.home import state_home
from call_qa.pii.audio import COPIES_FOLDER, redacted_copy


@dataclass(frozen=True)
class AudioToServe:
    """The file to send, and whether it is the unredacted original."""

    path: Path
    original: bool


def audio_for_role(database: dbmod.Database, call_id: str, recording: Path, role: str, privacy: Any,
                   copies_dir: Path | None = None) -> AudioToServe:
    """The original ``recording`` for a revealing role, else its redacted copy (made
    now when there is none yet). Raises AudioRedactionError when no copy can be made
    (a format soundfile cannot read)."""
    if role in tuple(privacy.reveal_roles or ()):
        return AudioToServe(recording, True)
    result = dbmod.load_call_result(database, call_id)
    findings = result.personal_data if result is not None else ()
    folder = copies_dir or state_home() / COPIES_FOLDER
    return AudioToServe(redacted_copy(recording, call_id, findings, folder, privacy.audio_fill, privacy.audio_pad_s),
                        False)
