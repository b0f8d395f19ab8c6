"""The "swap agent/customer" correction for a call whose roles were assigned wrong.

Nothing is re-transcribed or re-measured from audio: the stored transcript, turns and
events are reused with agent and customer exchanged, the role-dependent parts are
recomputed by the pipeline's own functions (interruptions from turns, metrics, the
rubric), and the new result replaces the stored one like a re-processing would.
QA overrides stay attached to the call (they are keyed by call and item).

    stored:   ch0=customer  ch1=agent  → interruptions "by agent", agent_talk_s = ch1
    swapped:  ch0=agent     ch1=customer → interruptions recomputed; holds' announced/thanked
              and transfers' warm/announced from the new agent's words (kind, ringback and
              times stay: they came from the line sound); metrics recomputed;
              scorecard = score_phone_call(swapped utterances, timing, ...)
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from call_qa.config import PipelineSettings
from call_qa.domain import CallResult, CallStatus, EventType, Role, TimingReport

_SWAP = {Role.AGENT: Role.CUSTOMER, Role.CUSTOMER: Role.AGENT, Role.OTHER: Role.OTHER}


def swapped_role(role: Role | str) -> Role:
    return _SWAP[Role(role)]


def swap_roles(result: CallResult, settings: PipelineSettings, user: str) -> CallResult:
    """``result`` with agent and customer exchanged and re-scored.

    Raises ValueError for a failed call (nothing to swap) or one without a transcript.
    """
    from call_qa.pipeline import rubric_options
    from call_qa.rubric import score_phone_call
    from call_qa.rubric.setup import lexicon_for, phone_rubric, timing_cues
    from call_qa.timing import compute_metrics, find_interruptions, reattribute

    if result.status != CallStatus.OK or not result.utterances:
        raise ValueError(f"call {result.call_id} has no transcript whose roles could be swapped")
    utterances = tuple(dataclasses.replace(u, role=swapped_role(u.role)) for u in result.utterances)
    turns = tuple(dataclasses.replace(t, role=swapped_role(t.role)) for t in result.turns)
    speakers = tuple(dataclasses.replace(s, role=swapped_role(s.role)) for s in result.speakers)
    language = result.language if result.language in ("id", "en") else "id"
    cues = lexicon_for(settings, language)
    interruptions = find_interruptions(turns, utterances, settings.timing)
    # holds' announced/thanked and transfers' warm/announced follow the new agent
    others = reattribute([e for e in result.events if e.type != EventType.INTERRUPTION], turns, utterances,
                         settings.timing, timing_cues(cues))
    events = tuple(sorted(others + interruptions, key=lambda e: (e.start, e.type.value)))
    metrics = {**result.metrics, **compute_metrics(turns, utterances, events, result.duration_s)}
    timing = TimingReport(turns=turns, events=events, metrics=metrics, thresholds=settings.timing.as_dict())
    scorecard = score_phone_call(utterances, timing, language, phone_rubric(settings), cues, rubric_options(settings))
    recorded = dict(result.settings)
    recorded["roles_swapped"] = {
        "by": user,
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "previous_score": result.scorecard.score if result.scorecard else None,
    }
    return dataclasses.replace(
        result,
        utterances=utterances,
        turns=turns,
        speakers=speakers,
        events=events,
        metrics=metrics,
        scorecard=scorecard,
        settings=recorded,
    )
