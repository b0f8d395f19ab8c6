"""The phone rubric stage: utterances + timing → Scorecard."""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

from call_qa.domain import Evidence, ItemResult, PrivacyFlag, Scorecard, TimingReport, Utterance, Verdict
from call_qa.rubric.calibration import calibrated, load_calibration
from call_qa.rubric.config import CueLexicon, Rubric, RubricItem, check_cues
from call_qa.rubric.context import CallContext
from call_qa.rubric.exposure import with_exposure
from call_qa.rubric.items import JUDGES, ItemJudge, Judgement
from call_qa.rubric.matchers import CueMatcher, default_matchers
from call_qa.rubric.options import RubricOptions
from call_qa.rubric.scoring import build_scorecard

log = logging.getLogger("call_qa")


def score_phone_call(
    utterances: Sequence[Utterance],
    timing: TimingReport,
    language: str,
    rubric: Rubric,
    cues: CueLexicon,
    options: RubricOptions = RubricOptions(),
    *,
    matchers: Sequence[CueMatcher] | None = None,
    judges: Mapping[str, ItemJudge] | None = None,
    privacy_flags: Sequence[PrivacyFlag] = (),
    critical_item: str | None = None,
) -> Scorecard:
    """Judge every item of ``rubric`` on one phone call and score it (rubric.md).

    ``utterances`` carry roles (agent/customer/other); ``timing`` supplies
    interruption, hold, transfer and dead-air events and the call metrics; ``cues``
    is the lexicon for ``language``. Every rubric item gets a verdict; every verdict
    but not_applicable carries evidence and a confidence in [0, 1].

    Extension points: ``matchers`` replaces the cue matchers (default: whole-word
    phrases; a semantic matcher joins here), ``judges`` replaces the judge of some
    items (e.g. a knowledge-base judge for ``solution_accuracy``). ``privacy_flags``
    (found on the full transcript before scoring) fail ``critical_item`` as critical
    when one of them is critical (``call_qa.rubric.exposure``). Each confidence is then
    the calibrated one (``options.calibration``) and a verdict below
    ``options.review_below_confidence`` becomes needs_review (``call_qa.rubric.calibration``). Raises
    RubricConfigError when the rubric names a cue list the lexicon lacks.
    """
    check_cues(rubric, cues)
    if cues.language != language:
        log.warning("scoring a '%s' call with the '%s' cue lexicon (%s)", language, cues.language, cues.source)
    ctx = CallContext(utterances, timing, language, rubric, cues, options,
                      matchers if matchers is not None else default_matchers(cues))
    table = {**JUDGES, **(judges or {})}
    # Calibrated confidence and the review threshold come before the exposure check: a
    # critical leak of personal data fails the item whatever the judge's confidence.
    calibration = load_calibration(options.calibration)
    results = [with_exposure(calibrated(_judge(ctx, item, options, table.get(item.id)), calibration,
                                        options.with_overrides(item.params).review_below_confidence),
                             privacy_flags, critical_item)
               for item in rubric.items]
    card = build_scorecard(results, rubric)
    log.debug("scored call against %s v%s: score %s, %d item(s) need review",
              rubric.id, rubric.version, card.score, card.needs_review)
    return card


def _judge(ctx: CallContext, item: RubricItem, options: RubricOptions, judge: ItemJudge | None) -> ItemResult:
    opts = options.with_overrides(item.params)
    if judge is None:
        j = Judgement(Verdict.NEEDS_REVIEW, 0.0, (ctx.measurement("no matcher"),),
                      f"the engine has no matcher for item '{item.id}'")
    elif not ctx.agent:
        # Without agent speech nothing can be judged honestly: roles may be wrong.
        j = Judgement(Verdict.NEEDS_REVIEW, 0.0, (ctx.measurement("no agent speech in the transcript"),),
                      "no agent speech in the transcript (check the role assignment)")
    else:
        try:
            j = judge(ctx, item, opts)
        except Exception as exc:  # one broken matcher must not lose the whole scorecard
            log.exception("rubric item %s failed", item.id)
            j = Judgement(Verdict.NEEDS_REVIEW, 0.0, (ctx.measurement(f"matcher error: {exc}"),),
                          f"the matcher for '{item.id}' failed ({type(exc).__name__}: {exc})")
    evidence: tuple[Evidence, ...] = j.evidence
    if j.verdict != Verdict.NOT_APPLICABLE and not evidence:
        log.warning("rubric item %s gave %s without evidence", item.id, j.verdict.value)
        evidence = (ctx.measurement(j.reason),)
    return ItemResult(
        id=item.id,
        section=item.section,
        verdict=j.verdict,
        points=0.0,  # filled in by build_scorecard from the rubric's weights
        max_points=0.0,
        confidence=min(1.0, max(0.0, float(j.confidence))),
        evidence=evidence,
        reason=j.reason,
        critical=item.critical,
    )
