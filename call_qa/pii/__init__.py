"""Personal data in calls: detection, redaction, flags, audio redaction (docs/personal-data.md).

Public API::

    findings = detect_personal_data(utterances, DetectOptions(caller_names=("Budi Santoso",)))
    flags = disclosure_flags(findings, readback_types, critical_kinds)
    result = redact_result(full_result, settings.privacy)   # the last step (call_qa.compose)
    utterances = normalise_identifiers(utterances)        # "nol delapan satu …" -> "081…"
    redact_audio_file("call.wav", findings, "call.redacted.wav")

Detection and flags run on the full transcript *before* scoring (``call_qa.compose``
passes the caller's name from the rubric's identification in, and the flags to the
rubric's judges); ``redact_result`` is the last, pure step: transcript and evidence
redacted, the unredacted utterances in ``originals`` (database only, never exported).
"""

from __future__ import annotations

import dataclasses
import logging

from call_qa.crypto import site_keyring
from call_qa.domain import CallResult, PersonalDataType
from call_qa.pii.detect import DetectOptions, classify_identifier, detect_personal_data, nik_plausible, phone_shaped
from call_qa.pii.flags import disclosure_flags
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
    "classify_identifier",
    "detect_personal_data",
    "disclosure_flags",
    "luhn_valid",
    "nik_plausible",
    "normalise_identifiers",
    "normalise_transcript",
    "parse_digits",
    "phone_shaped",
    "redact_result",
    "redact_scorecard",
    "redact_text",
    "redact_utterances",
    "redact_values",
]


def redact_result(result: CallResult, privacy) -> CallResult:
    """``result`` as it is stored and exported: the last, pure step after scoring.

    ``result`` was computed on the full transcript, with its personal-data findings and
    flags attached (``call_qa.compose``). When ``privacy.redact`` (a
    :class:`call_qa.config.PrivacySettings`), the ``types`` are replaced by ``[NIK]``,
    ``[PHONE]`` … in utterances and evidence; spoken identifier digits are written as
    digits when ``normalise_numbers``. The unredacted utterances (``originals``) and
    what was heard (``heard``, from which a swap re-runs the composition) are kept only
    with ``keep_originals``; otherwise finding values are dropped too. Keeping them
    needs the site key that seals them in the database: without it KeyConfigError
    (call_qa/crypto.py) stops the call before anything is stored.
    """
    original = result.utterances
    findings = result.personal_data
    utterances, scorecard = original, result.scorecard
    types = [PersonalDataType(t) for t in privacy.types]
    if privacy.redact:
        utterances, pairs = redact_utterances(original, findings, types)
        scorecard = redact_scorecard(scorecard, pairs, findings, types)
    if privacy.normalise_numbers:
        utterances = normalise_identifiers(utterances, privacy.normalise_min_digits)
    keep = privacy.redact and privacy.keep_originals
    if keep:
        site_keyring(privacy)  # refuses when no key would seal what is kept
    if not keep:
        findings = tuple(dataclasses.replace(f, value=None) for f in findings)
    return dataclasses.replace(
        result,
        utterances=utterances,
        scorecard=scorecard,
        personal_data=findings,
        originals=original if keep else None,
        heard=result.heard if keep else None,
    )
