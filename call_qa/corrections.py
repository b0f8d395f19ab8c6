"""An officer's correction of a stored call: swap agent and customer.

Roles assigned the wrong way round make every rubric item wrong, so the swap does not
patch the stored result: it re-runs the one composition after listening
(``call_qa.compose.conclude``) from what was heard, kept with the call's originals,
with the roles pinned the other way round. Everything that depends on who the agent
is — interruptions, holds' and transfers' announcements, metrics, personal data and
its exposure flags, the caller's name, the semantic matcher and the knowledge base —
is therefore worked out exactly as for a new call, and swapping back gives back the
original result.

    stored:   heard + originals ─► conclude(roles {ch0: customer, ch1: agent}) ─► result
    swap:     heard + originals ─► conclude(roles {ch0: agent, ch1: customer}) ─► result'
    swap back ─────────────────► conclude(roles {ch0: customer, ch1: agent}) ─► result

When retention has deleted the originals (or they were never kept), there is nothing
to re-run from: the swap is refused and says why, rather than re-scoring a redacted
transcript. QA overrides stay attached to the call; the call keeps its processing
time, so retention still counts from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from call_qa import db as dbmod
from call_qa.compose import conclude, swapped
from call_qa.config import PipelineSettings
from call_qa.crypto import load_keyring
from call_qa.domain import CallResult, CallStatus
from call_qa.errors import CallQAError


class SwapRefused(CallQAError):
    """The stored call cannot be re-run with swapped roles; the message says why and what to do."""


def swap_roles(db: dbmod.Database, call_id: str, settings: PipelineSettings, user: str) -> tuple[CallResult, CallResult]:
    """(before, after): the stored call re-run with agent and customer exchanged, saved.

    Raises NotFoundError for an unknown call, ValueError for a call without a transcript
    (failed, or nothing said), SwapRefused when what was heard is no longer kept.
    """
    before = dbmod.load_call_result(db, call_id)
    if before is None:
        raise dbmod.NotFoundError(f"no call {call_id!r} in the database")
    if before.status != CallStatus.OK or not before.utterances:
        raise ValueError(f"call {call_id} has no transcript whose roles could be swapped")
    if before.layout is None and before.settings.get("input") == "email":
        raise ValueError(f"{call_id} is an email: the agent's reply and the customer's message cannot be swapped")
    heard = dbmod.load_heard(db, call_id, load_keyring(settings.privacy))
    if heard is None or heard.assignment is None:
        raise SwapRefused(_why_not_kept(db, call_id, settings))
    after = conclude(dataclasses.replace(heard, assignment=swapped(heard.assignment)), settings, call_id)
    after = dataclasses.replace(after, settings={
        **after.settings,
        "roles_swapped": {
            "by": user,
            "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "previous_score": before.scorecard.score if before.scorecard else None,
        },
    })
    dbmod.save_call_result(db, after, correction=True)
    return before, after


def _why_not_kept(db: dbmod.Database, call_id: str, settings: PipelineSettings) -> str:
    deleted = [r for r in dbmod.retention_records(db, call_id) if r.what == "originals"]
    redo = ("re-process the recording to score it again (pin the roles for this recorder with "
            "roles.channel_map in configs/pipeline.yaml if they are always the same way round)")
    if deleted:
        return (f"the swap re-runs the scoring from the call's unredacted transcript, which retention deleted on "
                f"{deleted[-1].deleted_at:%Y-%m-%d}; {redo}")
    if not settings.privacy.keep_originals:
        return (f"the swap re-runs the scoring from the call's unredacted transcript, which is not kept "
                f"(privacy.keep_originals is false); {redo}")
    return ("the swap re-runs the scoring from what was heard, which this call does not have (processed before "
            f"swaps re-ran the full scoring, or without originals); {redo}")
