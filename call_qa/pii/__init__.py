"""Personal data in calls: detection, redaction, flags, audio redaction (docs/personal-data.md).

Public API::

    findings = detect_personal_data(utterances, DetectOptions(caller_names=("Budi Santoso",)))
    result = protect_result(result, settings.privacy, rubric, lexicon, rubric_options)  # pipeline
    utterances = normalise_identifiers(utterances)        # "nol delapan satu …" -> "081…"
    redact_audio_file("call.wav", findings, "call.redacted.wav")

``protect_result`` is the one step the pipeline runs after scoring: it detects on the
full transcript (the scorecard was computed on it, so ``data_verification`` still sees
the identifiers), flags exposure by the agent, applies a configured critical flag, and
returns the result with transcript and evidence redacted, the findings attached and
the unredacted utterances in ``originals`` (database only, never exported).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

from call_qa.domain import CallResult, PersonalDataType, Role, Utterance
from call_qa.pii.detect import DetectOptions, classify_identifier, detect_personal_data, nik_plausible, phone_shaped
from call_qa.pii.flags import apply_critical_flags, disclosure_flags
from call_qa.pii.numbers import luhn_valid, parse_digits
from call_qa.pii.redact import (
    normalise_identifiers,
    normalise_transcript,
    redact_scorecard,
    redact_text,
    redact_utterances,
    redact_values,
)

log = logging.getLogger("call_qa")

__all__ = [
    "DetectOptions",
    "apply_critical_flags",
    "caller_names",
    "classify_identifier",
    "detect_personal_data",
    "disclosure_flags",
    "luhn_valid",
    "nik_plausible",
    "normalise_identifiers",
    "normalise_transcript",
    "parse_digits",
    "phone_shaped",
    "protect_result",
    "redact_scorecard",
    "redact_text",
    "redact_utterances",
    "redact_values",
]


def caller_names(utterances: Sequence[Utterance], language: str, rubric, lexicon, options) -> tuple[str, ...]:
    """The caller's name as the rubric's identification finding has it (the same
    answer ``customer_identification`` and ``address_by_name`` use), or ()."""
    from call_qa.domain import TimingReport
    from call_qa.rubric.context import CallContext
    from call_qa.rubric.matchers import default_matchers

    try:
        ctx = CallContext(utterances, TimingReport((), (), {}, {}), language, rubric, lexicon, options,
                          default_matchers(lexicon))
        name = ctx.identification.name
    except Exception:  # the name only widens redaction; never let it stop a call
        log.exception("caller name lookup failed; names will not be redacted")
        return ()
    names = [name] if name else []
    # Every name given in answer to an identification question, not only the first the
    # rubric keeps: a misheard first answer must not leave the real name unredacted.
    try:
        qcue = ctx.cue("customer_identification", "question")
        answers = [(a, True) for q in ctx.agent if ctx.hit(q, qcue) is not None
                   for a in ctx.after(q, Role.CUSTOMER, 1)]
        answers += [(a, False) for a in ctx.customer[:4]]  # "Saya Budi Santoso." unasked
        for ans, bare in answers:
            other = ctx._name_in(ans, bare=bare)
            # a full name only (two or more capitalised words): a bare one-word answer is as
            # likely "Account …" or "Rekening …" as a name
            if (other and other not in names and len(other.split()) >= 2
                    and all(w[:1].isupper() for w in other.split())):
                names.append(other)
    except Exception:  # the rubric's context API changed: keep the identification name
        log.debug("extra caller names not looked up", exc_info=True)
    if not names:
        volunteered = _volunteered_name(ctx)
        names = [volunteered] if volunteered else []
    return tuple(names)


def _volunteered_name(ctx) -> str | None:
    """A full name the caller gave in a clause of its own in their first turns
    ("Morning, Peter Fischer here.", "Evening. Thomas Walker."), which the rubric's
    prefix-based identification does not take. Two or three capitalised words that are
    no stopwords are required, so a lone "Evening" is never taken for a name."""
    import re

    from call_qa.text import extract_name

    honorifics, stopwords = ctx.words("honorifics"), ctx.words("name_stopwords")
    for line in ctx.customer[:3]:
        for clause in re.split(r"[.,;!?]", line.utt.text):
            name = extract_name(clause, (), honorifics, stopwords, bare=True)
            if name and len(name.split()) >= 2 and all(w[:1].isupper() for w in name.split()):
                return name
    return None


def protect_result(result: CallResult, privacy, rubric=None, lexicon=None, rubric_options=None) -> CallResult:
    """``result`` (computed on the full transcript) with personal data found, flagged and
    — when ``privacy.redact`` — redacted from utterances and scorecard.

    ``privacy`` is :class:`call_qa.config.PrivacySettings`. ``rubric``/``lexicon``/
    ``rubric_options`` give the caller's name (identification) and the critical-flag
    hook; without them names are not looked up and flags are not made critical.
    """
    original = result.utterances
    names = caller_names(original, result.language or "id", rubric, lexicon, rubric_options) if lexicon is not None else ()
    findings = detect_personal_data(original, DetectOptions(caller_names=names))
    flags = disclosure_flags(
        findings,
        readback_types=[PersonalDataType(t) for t in privacy.readback_types],
        critical_kinds=privacy.critical_flags,
    )
    scorecard = result.scorecard
    if rubric is not None:
        scorecard = apply_critical_flags(scorecard, rubric, flags, privacy.critical_item)
    utterances = original
    types = [PersonalDataType(t) for t in privacy.types]
    if privacy.redact:
        utterances, pairs = redact_utterances(original, findings, types)
        scorecard = redact_scorecard(scorecard, pairs, findings, types)
    if privacy.normalise_numbers:
        utterances = normalise_identifiers(utterances, privacy.normalise_min_digits)
    keep = privacy.redact and privacy.keep_originals
    if not keep:
        findings = tuple(dataclasses.replace(f, value=None) for f in findings)
    if flags:
        log.warning("%s: personal data exposed by the agent: %s", result.call_id, "; ".join(f.detail for f in flags))
    return dataclasses.replace(
        result,
        utterances=utterances,
        scorecard=scorecard,
        personal_data=findings,
        privacy_flags=flags,
        originals=original if keep else None,
    )
