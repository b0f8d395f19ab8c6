"""Personal data the agent exposed, as an input of the rubric's judges.

The composition finds personal data on the full transcript before scoring
(``call_qa.compose``) and hands the exposure flags to the engine. When a flag is
critical by configuration (``privacy.critical_flags``), the configured item
(``privacy.critical_item``, default ``procedure_compliance``) is failed as a critical
item with the flag as its evidence — and the rubric's own rule "a failed critical item
sets the total to 0" (``call_qa.rubric.scoring``) does the zeroing, inside the one
scoring pass: no scorecard is rebuilt afterwards.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from call_qa.domain import Evidence, ItemResult, PrivacyFlag, Verdict


def with_exposure(result: ItemResult, flags: Sequence[PrivacyFlag], critical_item: str | None) -> ItemResult:
    """``result`` failed and made critical when it is ``critical_item`` and a flag is
    critical; unchanged otherwise."""
    critical = [f for f in flags if f.critical]
    if not critical or result.id != critical_item:
        return result
    evidence = tuple(
        Evidence(f.start, f.end, f.speaker, f.role, f"[{f.type.name}]", f"personal data exposed: {f.detail}")
        for f in critical
    )
    reason = "personal data exposed (critical by configuration): " + "; ".join(f.detail for f in critical)
    return dataclasses.replace(result, verdict=Verdict.FAIL, confidence=max(f.confidence for f in critical),
                               evidence=evidence + result.evidence, reason=reason, critical=True)
