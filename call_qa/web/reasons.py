"""The judges' reasons and evidence notes, translated when a page is shown.

The stored data stay English and language-neutral in meaning: ``call_qa/rubric``
writes every reason and evidence note as an English sentence, the database and the
per-call JSON keep that sentence (outside checks read it), and the web app turns it
into the page's language here. A reason is cut at ``"; "`` into fragments; each
fragment is matched against the message templates below (the same templates the
judges fill in, as catalogue msgids with ``%(name)s`` parameters); a matched fragment
is shown through the catalogue, its parameters translated too when the catalogue
knows them (e.g. the names of missing opening components). A fragment no template
matches is shown as it is, marked ``lang="en"`` so screen readers and the tests see
it for what it is.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from call_qa.web.i18n import N_, translations

# Ordered: the first template that matches a fragment wins (more specific first).
TEMPLATES: tuple[str, ...] = (
    N_("%(item)s: hand-built verdict"),
    N_("%(n)s of 4 opening components"),
    N_("%(n)s of 3 closing components"),
    N_("missing: %(names)s"),
    N_("first agent words at %(t)s s"),
    N_("greeting"),
    N_("institution"),
    N_("agent_name"),
    N_("offer_help"),
    N_("further_help"),
    N_("thanks"),
    N_("farewell"),
    N_("caller's problem statement"),
    N_("solution-like turn"),
    N_("first solution-like turn"),
    N_("agent question"),
    N_("asked as a question"),
    N_("no agent speech"),
    N_("the agent never cut the caller off"),
    N_("%(n)s agent interruption(s)"),
    N_("partial up to %(limit)s, fail above"),
    N_("talked over the caller for %(s)s s (fail from %(limit)s s)"),
    N_("agent interrupted the caller at %(t)s s (%(kind)s, overlap %(s)s s)"),
    N_("caller's utterance interrupted at %(t)s s"),
    N_("no knowledge base configured"),
    N_("no answer located"),
    N_("no knowledge base configured: %(what)s of the answer needs a QA officer"),
    N_("the agent's answer, to be checked for %(what)s"),
    N_("accuracy"),
    N_("completeness"),
    N_("%(n)s agent question(s) %(where)s"),
    N_("%(n)s acknowledgement(s)"),
    N_("%(n)s dead-air stretches"),
    N_("%(n)s dead-air stretches (limit %(limit)s)"),
    N_("%(n)s dead-air event(s) (limit %(limit)s)"),
    N_("dead air %(s)s s"),
    N_("%(n)s request(s) to repeat (limit %(limit)s)"),
    N_("%(n)s complaint(s) not acknowledged"),
    N_("%(a)s of %(n)s complaint(s) answered with empathy"),
    N_("%(a)s of %(n)s hold/transfer event(s) handled fully"),
    N_("transfer at %(t)s s not announced"),
    N_("hold at %(t)s s"),
    N_("over the limit"),
    N_("not announced"),
    N_("no target said"),
    N_("caller's name '%(name)s' learned at %(t)s s"),
    N_("the agent never used it"),
    N_("addressed by name %(n)s time(s)"),
    N_("no caller name was learned (%(why)s), so its use cannot be checked"),
    N_("honorific + name '%(name)s'"),
    N_("agent name '%(name)s'"),
    N_("institution name '%(name)s'"),
    N_("restatement %(what)s"),
    N_("restatement %(what)s without a check"),
    N_("check %(what)s"),
    N_("empathy %(what)s"),
    N_("complaint cue %(what)s"),
    N_("agent pace %(wpm)s wpm (band %(low)s-%(high)s)"),
    N_("longest agent monologue %(s)s s (limit %(limit)s s)"),
    N_("answer of %(n)s sentence(s) in %(turns)s turn(s)"),
    N_("out of order: %(what)s"),
    N_("stage %(name)s at %(t)s s"),
    N_("mean response latency %(s)s s (timing metric; limit %(limit)s s)"),
    N_("agent_interruptions = %(n)s (timing metric, no event list)"),
    N_("caller's acceptance %(what)s"),
    N_("account-specific information %(what)s"),
    N_("identifier request %(what)s"),
    N_("identification question %(what)s"),
    N_("the caller had to prompt the agent %(n)s time(s)"),
    N_("the caller drove the call: %(why)s"),
    # the 400 sentences of call_qa/web/params.py (a parameter, then what it must be)
    N_("%(name)s must be a date like 2026-11-27, from 1900-01-01 to 2999-12-31, not %(value)s"),
    N_("%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s"),
    N_("%(name)s must be a number from %(low)s to %(high)s, not %(value)s"),
    N_("%(name)s must be %(choices)s, not %(value)s"),
    N_("%(name)s must be text without NUL characters"),
    N_("start (%(start)s) is after end (%(end)s)"),
)

_PARAM = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Pattern:
    """One template and the regular expression that reads its English form."""

    msgid: str
    regex: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def patterns() -> tuple[Pattern, ...]:
    """The templates as anchored regular expressions (parameters: any text)."""
    built = []
    for template in TEMPLATES:
        parts, last = [], 0
        for m in _PARAM.finditer(template):
            parts.append(re.escape(template[last:m.start()]))
            parts.append(f"(?P<{m.group(1)}>.+?)")
            last = m.end()
        parts.append(re.escape(template[last:]))
        built.append(Pattern(template, re.compile("^" + "".join(parts) + "$", re.DOTALL)))
    return tuple(built)


def translate_fragment(language: str, fragment: str) -> tuple[str, bool]:
    """One fragment in ``language`` and whether a template matched it."""
    t = translations(language)
    for p in patterns():
        m = p.regex.match(fragment)
        if m is None:
            continue
        values = {k: _value(language, v) for k, v in m.groupdict().items()}
        return (t.gettext(p.msgid) % values if values else t.gettext(p.msgid)), True
    return fragment, False


def _value(language: str, value: str) -> str:
    # A list of known words (missing: greeting, institution) is translated word by word.
    t = translations(language)
    return ", ".join(t.gettext(v) for v in value.split(", "))


def translate_reason(language: str, reason: str | None) -> Markup:
    """A judge's reason or evidence note as HTML in ``language``: fragments no
    template matches stay English inside ``<span lang="en">``."""
    if not reason:
        return Markup("")
    if language == "en":
        return Markup(escape(reason))
    out = []
    for fragment in reason.split("; "):
        text, known = translate_fragment(language, fragment)
        out.append(escape(text) if known else Markup('<span lang="en">%s</span>') % fragment)
    return Markup("; ").join(out)
