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

from call_qa.web.i18n import N_, format_number, translations

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
    # more phone judges' wording (call_qa/rubric/items.py), as the officer set showed it
    N_("agent turn without the caller's name"),
    N_("agent turn without the caller's name '%(name)s'"),
    N_("the agent never asked for the caller's name and never addressed the caller by name"),
    N_("acknowledgement '%(w)s' after the caller spoke"),
    N_('agent backchannel turn (timing)'),
    N_("asked the caller to repeat '%(w)s'"),
    N_("complaint '%(w)s' not acknowledged by the agent"),
    N_('cut the caller off %(n)s time(s) (limit %(limit)s)'),
    N_('mean response latency %(s)s s over %(n)s replies, slowest %(max)s s (limit %(limit)s s)'),
    N_("the caller had to prompt the agent '%(w)s'"),
    N_("farewell '%(w)s'"),
    N_("further help '%(w)s'"),
    N_('no further-help offer, thanks or closing greeting'),
    N_("thanks '%(w)s'"),
    N_('hold of %(s)s s not announced'),
    N_('hold of %(s)s s over the limit'),
    N_('identification, problem and solution stages in order, no stall'),
    N_('stage %(name)s at %(t)s s (%(how)s)'),
    N_('identification'),
    N_('probing/confirmation'),
    N_('solution'),
    N_('name question'),
    N_('identifier request'),
    N_('question'),
    N_('restatement'),
    N_('transfer announced'),
    N_('the agent led the call only in part (%(why)s)'),
    N_('%(n)s dead-air stretches'),
    N_('%(a)s before %(b)s'),
    N_("agent asked for the caller's name"),
    N_("agent never asked for the caller's name and the caller gave none"),
    N_("caller introduced themselves as '%(name)s' before the agent asked"),
    N_("caller introduced themselves: name '%(name)s'"),
    N_("caller's answer: name '%(name)s'"),
    N_("caller's name: '%(name)s'"),
    N_("no identification question in the agent's turns"),
    N_('agent asked for an identifier and the caller gave it'),
    N_("agent asked for an identifier but no identifier was heard in the caller's answer"),
    N_("agent read back with %(n)s digits: '%(w)s'"),
    N_('agent read the identifier back for confirmation'),
    N_("caller's identifier: %(n)s digits/number words"),
    N_("caller's identifier: identifier word '%(w)s'"),
    N_('no identifier request'),
    N_('agent expressed empathy (no complaint cue was detected before it)'),
    N_('nothing called for empathy: no complaint or distress cue from the caller'),
    N_('%(n)s informal word(s) in %(words)s agent words (%(rate)s per 100; partial up to %(limit)s)'),
    N_('hold %(s)s s at %(t)s s: %(how)s'),
    N_('%(a)s, %(b)s, %(c)s'),
    N_('not thanked after'),
    N_('thanked after'),
    N_('within the %(s)s s limit'),
    N_('over the %(s)s s limit'),
    N_('no hold or transfer in the call'),
    N_("return from hold '%(w)s'"),
    N_('transfer at %(t)s s: %(how)s'),
    N_('%(n)s agent interruptions of the caller (timing)'),
    N_("greeting '%(w)s'"),
    N_("institution '%(w)s'"),
    N_("offer of help '%(w)s'"),
    N_('no greeting, institution, agent name or offer-of-help cue'),
    N_("agent question '%(w)s'"),
    N_('agent question (%(w)s)'),
    N_("caller's problem statement (%(w)s)"),
    N_("first solution-like turn '%(w)s'"),
    N_('first solution-like turn (long statement)'),
    N_('agent restated the issue and checked it with the caller'),
    N_('no restatement + check by the agent after it'),
    N_("no restatement of the caller's issue found"),
    N_('answered without identifying the caller'),
    N_('caller identification'),
    N_('caller identified before the answer'),
    N_('hold at %(t)s s not asked for'),
    N_('hold at %(t)s s not asked for, over the limit'),
    N_('hold/transfer procedure not followed: %(what)s'),
    N_('identity verification requested'),
    N_('identity verified before account-specific information'),
    N_('the caller was never identified (no name asked, no identifier requested)'),
    N_('verification only after the account information'),
    N_("acceptance check '%(w)s' (semantic %(s)s)"),
    N_("acceptance check '%(w)s'"),
    N_('acceptance check by the agent and the caller accepted'),
    N_("follow-up '%(w)s'"),
    N_('follow-up by the agent, but no acceptance heard from the caller'),
    N_('no acceptance check or follow-up statement'),
    N_('the agent neither checked that the caller accepted the solution nor stated a follow-up'),
    N_('%(n)s structure marker(s)'),
    N_('a short answer in full sentences needs no markers'),
    N_('no answer by the agent recognised'),
    N_('no answer by the agent recognised: an officer should judge'),
    N_('structure markers %(w)s'),
    N_('the call was transferred at %(t)s s before the agent gave an answer of its own'),
    N_("vague / deferring answer '%(w)s'"),
    N_('vague answer (%(w)s)'),
    N_('no identity verification, and no account-specific information was given: none was needed (set verification_required where every call must verify)'),
    # the email judges (call_qa/rubric/email.py)
    N_('addressed by name'),
    N_("customer's name '%(name)s' (sender's name in the headers)"),
    N_("name without honorific '%(name)s'"),
    N_("salutation without the customer's name"),
    N_('the reply never uses it'),
    N_('used without an honorific'),
    N_("'%(q)s': taken up in the reply: %(words)s"),
    N_("'%(q)s': answered with a number"),
    N_("'%(q)s': answered with a time or date"),
    N_("'%(q)s': no number in the reply"),
    N_('%(a)s of %(n)s question(s)/request(s) of the customer taken up in the reply'),
    N_("closing courtesy '%(w)s'"),
    N_("closing formula '%(w)s'"),
    N_('signature'),
    N_('%(a)s of %(n)s question(s) taken up'),
    N_("the customer's request"),
    N_('the reply shares %(a)s of %(n)s topic words of the problem and questions (%(pct)s; %(rule)s): %(words)s'),
    N_('account information given'),
    N_('account information given after checking the identity data the customer supplied'),
    N_("customer's identity data (%(n)s digits)"),
    N_('general information only: no account-specific information, no identity data needed'),
    N_('the customer supplied identity data, but the reply never says it was checked'),
    N_("the reply asks for identity data '%(w)s'"),
    N_('the reply asks for the data needed to verify'),
    N_("nothing called for empathy: no complaint or worry in the customer's message"),
    N_('the customer complains, the reply shows no empathy'),
    N_("the customer's complaint is acknowledged with empathy"),
    N_('the reply shows empathy (no complaint was detected)'),
    N_('%(a)s of %(n)s sentence(s) in the other language (%(pct)s)'),
    N_('all %(n)s recognisable sentence(s) in one language, one register of address'),
    N_("reply in '%(lang)s'"),
    N_('sentence in English'),
    N_('sentence in Indonesian'),
    N_('%(a)s of 2 opening components'),
    N_("opening sentence '%(w)s'"),
    N_("salutation '%(w)s'"),
    N_('no reference to the earlier contact'),
    N_("only a general thanks for the message '%(w)s'"),
    N_("reference to the earlier contact '%(w)s'"),
    N_("the reply does not refer to the customer's message or ticket"),
    N_("the reply refers to the customer's earlier message or ticket"),
    N_('the reply thanks for the message but names neither its date, its subject nor a ticket'),
    N_("ticket/reference number '%(w)s'"),
    N_('no account-specific information detected'),
    N_('no procedure step to check: no account work, no identity request, no configured procedure'),
    N_("pending the customer's data: %(step)s"),
    N_("procedure '%(p)s' applies (caller said '%(w)s')"),
    N_("procedure '%(p)s': %(a)s of %(n)s required step(s)"),
    N_("step %(k)s '%(step)s' (cue '%(w)s')"),
    N_('verification before account information: %(what)s'),
    N_('account-specific information disclosed without any identity data'),
    N_("'i' not capitalised"),
    N_('%(n)s spelling/capitalisation/punctuation problem(s) in %(words)s words (%(rate)s per 100; %(rule)s)'),
    N_('pass up to %(a)s, partial up to %(b)s'),
    N_('on topic from %(pct)s'),
    N_('sentence starts with a small letter'),
    N_('no knowledge base configured (rubric.knowledge_base): a QA officer must judge the answer'),
    N_("the caller's question"),
    N_('%(m)s structure marker(s), %(l)s list item(s), %(v)s vague phrase(s), %(n)s body sentence(s)'),
    N_('short answer in full sentences'),
    N_("structure marker '%(w)s'"),
    N_('the answer'),
    N_("vague / deferring '%(w)s'"),
    N_('%(n)s informal word(s) in %(words)s words (%(rate)s per 100)'),
    N_('%(n)s sentence(s) over 40 words'),
    N_('informal: %(words)s'),
    # the 400 sentences of call_qa/web/params.py (a parameter, then what it must be)
    N_("%(name)s must be a date like 2026-11-27, from 1900-01-01 to 2999-12-31, not %(value)s"),
    N_("%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s"),
    N_("%(name)s must be a number from %(low)s to %(high)s, not %(value)s"),
    N_("%(name)s must be %(choices)s, not %(value)s"),
    N_("%(name)s must be text without NUL characters"),
    N_("start (%(start)s) is after end (%(end)s)"),
)

_PARAM = re.compile(r"%\((\w+)\)s")
_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")


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
    return _template(language, fragment, 0)


def _value(language: str, value: str, depth: int = 0) -> str:
    # A parameter may itself be a known phrase or template ("on topic from 20%"), or a
    # list of known words (missing: greeting, institution), translated word by word.
    t = translations(language)
    number = _NUMBER.match(value)
    if number:  # 19.2 → 19,2 in Indonesian
        decimals = len(number.group(1) or "")
        return format_number(language, float(value), decimals) if decimals else value
    if t.gettext(value) != value:
        return t.gettext(value)
    if depth < 2 and ("; " in value or " " in value):
        parts = fragments(value)
        translated = [_template(language, p, depth + 1) for p in parts]
        if any(known for _, known in translated):
            return "; ".join(text for text, _ in translated)
    return ", ".join(t.gettext(v) for v in value.split(", "))


def _template(language: str, fragment: str, depth: int) -> tuple[str, bool]:
    t = translations(language)
    for p in patterns():
        m = p.regex.match(fragment)
        if m is not None:
            values = {k: _value(language, v, depth) for k, v in m.groupdict().items()}
            return (t.gettext(p.msgid) % values if values else t.gettext(p.msgid)), True
    return fragment, False


def fragments(reason: str) -> list[str]:
    """``reason`` cut at "; " outside parentheses (a parenthesis may hold its own "; ")."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(reason):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and reason.startswith("; ", i):
            parts.append(reason[start:i])
            start = i + 2
    parts.append(reason[start:])
    return parts


def translate_reason(language: str, reason: str | None) -> Markup:
    """A judge's reason or evidence note as HTML in ``language``: fragments no
    template matches stay English inside ``<span lang="en">``."""
    if not reason:
        return Markup("")
    if language == "en":
        return Markup(escape(reason))
    out = []
    for fragment in fragments(reason):
        text, known = translate_fragment(language, fragment)
        out.append(escape(text) if known else Markup('<span lang="en">%s</span>') % fragment)
    return Markup("; ").join(out)
