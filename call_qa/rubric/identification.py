"""The caller's name as identification finds it: the one answer that
``customer_identification`` and ``address_by_name`` use, plus every other full name
the caller gave in answer to an identification question.

Personal-data detection takes these names as its input (the composition passes them
on: ``call_qa.compose``), so the name the rubric reads is the name that is redacted.
"""

from __future__ import annotations

import logging
import re
from typing import Sequence

from call_qa.domain import Role, TimingReport, Utterance
from call_qa.rubric.config import CueLexicon, Rubric
from call_qa.rubric.context import CallContext
from call_qa.rubric.matchers import default_matchers
from call_qa.rubric.options import RubricOptions
from call_qa.text import extract_name

log = logging.getLogger("call_qa")


def caller_names(
    utterances: Sequence[Utterance], language: str, rubric: Rubric, lexicon: CueLexicon, options: RubricOptions
) -> tuple[str, ...]:
    """The caller's name(s): identification's answer first, then every other full name
    given in answer to an identification question, else a full name volunteered in a
    clause of its own; () when there is none."""
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
    qcue = ctx.cue("customer_identification", "question")
    answers = [(a, True) for q in ctx.agent if ctx.hit(q, qcue) is not None
               for a in ctx.after(q, Role.CUSTOMER, 1)]
    answers += [(a, False) for a in ctx.customer[:4]]  # "Saya Budi Santoso." unasked
    for ans, bare in answers:
        other = ctx.name_in(ans, bare=bare)
        # a full name only (two or more capitalised words): a bare one-word answer is as
        # likely "Account …" or "Rekening …" as a name
        if other and other not in names and _full_name(other):
            names.append(other)
    if not names:
        volunteered = _volunteered_name(ctx)
        names = [volunteered] if volunteered else []
    return tuple(names)


def _full_name(name: str) -> bool:
    parts = name.split()
    return len(parts) >= 2 and all(w[:1].isupper() for w in parts)


def _volunteered_name(ctx: CallContext) -> str | None:
    """A full name the caller gave in a clause of its own in their first turns
    ("Morning, Peter Fischer here.", "Evening. Thomas Walker."), which the rubric's
    prefix-based identification does not take. Two or three capitalised words that are
    no stopwords are required, so a lone "Evening" is never taken for a name."""
    honorifics, stopwords = ctx.words("honorifics"), ctx.words("name_stopwords")
    for line in ctx.customer[:3]:
        for clause in re.split(r"[.,;!?]", line.utt.text):
            name = extract_name(clause, (), honorifics, stopwords, bare=True)
            if name and _full_name(name):
                return name
    return None
