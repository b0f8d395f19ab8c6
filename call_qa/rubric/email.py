"""The email channel: an agent's reply (``.eml`` or plain text, a thread allowed) → Scorecard.

    file ─► EmailThread (headers, the agent's reply, the customer's quoted message)
         ─► sentences as utterances (customer's first, then the agent's)
         ─► EmailContext (the phone engine's CallContext, no timing)
         ─► one judge per item of the ``email`` rubric ─► Scorecard
         (wrapped as a CallResult by the one composition, ``call_qa.compose``)

Times in an email's evidence are **sentence numbers** in the thread (the customer's
message first, then the reply: sentence 12 spans 12.0–13.0), not seconds; the
CallResult has ``layout`` None, no audio (channels 0) and ``settings["input"] = "email"``
so a reader knows. It is stored in the same ``calls``/``scorecards`` tables as calls
(``call_qa.db.save_call_result``), with ``rubric_id = "email"``.

Which part is the agent's: the top of the file is the reply; the customer's message is
what is quoted below it ("On … wrote:", "Pada … menulis:", "-----Original Message-----",
"From:"/"Dari:" header blocks, or "> " lines). Without a quoted message, items that need
the customer's words (attentiveness, content interpretation) are needs_review.
"""

from __future__ import annotations

import email
import email.policy
import functools
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from call_qa.domain import (
    Evidence,
    ItemResult,
    PrivacyFlag,
    Role,
    Scorecard,
    TimingReport,
    Utterance,
    Verdict,
)
from call_qa.errors import ConfigError
from call_qa.rubric.config import CueLexicon, Rubric, RubricConfigError, RubricItem, check_cues
from call_qa.rubric.context import CallContext, Line
from call_qa.rubric.exposure import with_exposure
from call_qa.rubric.items import (
    MAX_EVIDENCE,
    ItemJudge,
    Judgement,
    judgement,
    titled_names,
    judge_solution_accuracy,
    judge_solution_completeness,
)
from call_qa.rubric.matchers import CueMatcher, PhraseMatcher
from call_qa.rubric.options import RubricOptions
from call_qa.rubric.scoring import build_scorecard
from call_qa.text import count_digits, count_phrase, normalize, raw_tokens, tokens

log = logging.getLogger("call_qa")


class EmailError(ConfigError, ValueError):
    """An email file cannot be read or holds no reply text; the message names the file."""


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class EmailThread:
    """An agent's reply with the customer's message it answers (when quoted)."""

    source: str
    subject: str
    reply: str  # the agent's text, signature included
    customer: str  # the customer's quoted message ("" when none)
    customer_name: str | None  # display name from the headers, when given
    customer_address: str
    agent_address: str
    date: str = ""


_QUOTE_START = re.compile(
    r"^(?:on\s.+\s(?:wrote|writes):\s*$"
    r"|pada\s.+\s(?:menulis|wrote):\s*$"
    r"|-{2,}\s*(?:original message|pesan asli|forwarded message|pesan yang diteruskan)\s*-{2,}\s*$"
    r"|(?:from|dari)\s*:\s*.+$"
    r"|>)",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^(from|dari|to|kepada|sent|dikirim|date|tanggal|subject|subjek|perihal|cc)\s*:\s*(.*)$",
                     re.IGNORECASE)
_NAME_ADDR = re.compile(r"^\s*\"?([^\"<]*?)\"?\s*<([^>]+)>\s*$")
_WROTE_NAME = re.compile(r"(?:,|\s)\s*\"?([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\"?\s*<[^>]+>\s*(?:wrote|menulis)",
                         re.IGNORECASE)


def _split_name(value: str) -> tuple[str | None, str]:
    m = _NAME_ADDR.match(value or "")
    if m:
        return (m.group(1).strip() or None), m.group(2).strip()
    value = (value or "").strip()
    return (None, value) if "@" in value else ((value or None), "")


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def split_thread(body: str) -> tuple[str, str, dict[str, str]]:
    """(reply, quoted customer message, headers found in the quote block) of a body text."""
    lines = body.replace("\r\n", "\n").split("\n")
    cut = None
    for i, line in enumerate(lines):
        if i > 0 and _QUOTE_START.match(line.strip()) and any(l.strip() for l in lines[:i]):
            cut = i
            break
    if cut is None:
        return body.strip(), "", {}
    reply = "\n".join(lines[:cut]).strip()
    headers: dict[str, str] = {}
    quoted: list[str] = []
    first = lines[cut].strip()
    m = _WROTE_NAME.search(first)
    if m:
        headers["from"] = m.group(1)
    for line in lines[cut:]:
        text = re.sub(r"^(\s*>)+\s?", "", line)
        h = _HEADER.match(text.strip())
        if h and not quoted:
            headers.setdefault(h.group(1).lower(), h.group(2).strip())
            continue
        if _QUOTE_START.match(text.strip()) and not text.strip().startswith(">") and not quoted:
            continue  # the "On … wrote:" line itself
        quoted.append(text)
    return reply, "\n".join(quoted).strip(), headers


def parse_email(data: bytes | str, source: str = "<email>") -> EmailThread:
    """An EmailThread from the bytes of an ``.eml`` file or from plain text.

    Plain text may start with header lines ("From:", "To:", "Subject:"); the quoted
    customer message below the reply is found by its quote marker.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    subject = date = ""
    to_name: str | None = None
    to_addr = from_addr = ""
    head = text.lstrip()[:2000]
    is_mime = bool(re.match(r"(?im)^(from|to|subject|date|message-id|mime-version|received):", head)) and \
        bool(re.search(r"\n\s*\n", text))
    body = text
    if is_mime:
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject, date = str(msg.get("Subject", "") or ""), str(msg.get("Date", "") or "")
        to_name, to_addr = _split_name(str(msg.get("To", "") or ""))
        _, from_addr = _split_name(str(msg.get("From", "") or ""))
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            body = ""
        else:
            content = part.get_content()
            body = _html_to_text(content) if part.get_content_type() == "text/html" else content
    reply, customer, quoted_headers = split_thread(body)
    cust_name, cust_addr = _split_name(quoted_headers.get("from", "") or quoted_headers.get("dari", ""))
    return EmailThread(
        source=source,
        subject=subject or quoted_headers.get("subject", "") or quoted_headers.get("subjek", ""),
        reply=reply,
        customer=customer,
        customer_name=cust_name or to_name,
        customer_address=cust_addr or to_addr,
        agent_address=from_addr,
        date=date,
    )


def read_email(path: str | Path) -> EmailThread:
    """Read an ``.eml`` or text file; EmailError naming the file when it has no reply text."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EmailError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    thread = parse_email(data, str(path))
    if not tokens(thread.reply):
        raise EmailError(f"{path}: no reply text found (an email body, or a plain-text reply above the quoted "
                         "customer message, is needed)")
    return thread


# --------------------------------------------------------------------------- language


_FUNCTION_WORDS = {
    "id": frozenset("yang dan di ini dari untuk dengan itu tidak akan dalam pada kami anda bapak ibu adalah "
                    "sudah atau juga bisa dapat telah mohon terima kasih saya agar ke kembali bahwa jika".split()),
    "en": frozenset("the and to of a in is you your for that we our this it be are with on as have will "
                    "please thank can not at by from if would".split()),
}


def sentence_language(text: str) -> str | None:
    """'id' or 'en' by function words, or None when the sentence has too few to tell."""
    toks = tokens(text)
    counts = {lang: sum(t in words for t in toks) for lang, words in _FUNCTION_WORDS.items()}
    best = max(counts, key=counts.get)
    other = min(counts, key=counts.get)
    if counts[best] < 2 or counts[best] == counts[other]:
        return None
    return best


def detect_language(text: str) -> str:
    """The language of a text by function words ('id' when it cannot tell)."""
    toks = tokens(text)
    counts = {lang: sum(t in words for t in toks) for lang, words in _FUNCTION_WORDS.items()}
    return "en" if counts["en"] > counts["id"] else "id"


# --------------------------------------------------------------------------- sentences


_SENT = re.compile(r"(?<=[.!?])\s+(?=\S)")
# A full stop after these does not end a sentence ("Dear Ms. Hall", "Yth. Bapak").
_ABBREV = frozenset("mr mrs ms dr yth bpk sdr sdri no jl jln tgl prof ir st rd dll dsb a.n u.p".split())


def sentences_of(text: str) -> list[str]:
    """Sentences of an email text: each line break ends a unit ("Yth. Bapak Budi,"), and
    inside a paragraph . ! ? followed by space end sentences (not after "Mr.", "Yth.")."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = [s for s in _SENT.split(line) if s.strip()]
        merged: list[str] = []
        for part in parts:
            if merged and merged[-1].split()[-1].rstrip(".").lower() in _ABBREV:
                merged[-1] = f"{merged[-1]} {part}"
            else:
                merged.append(part)
        out.extend(s.strip() for s in merged)
    return out


def email_utterances(thread: EmailThread) -> tuple[Utterance, ...]:
    """The customer's sentences then the agent's, numbered 0, 1, 2 … as start times."""
    utts: list[Utterance] = []
    k = 0
    for role, text, who in ((Role.CUSTOMER, thread.customer, thread.customer_address or "customer"),
                            (Role.AGENT, thread.reply, thread.agent_address or "agent")):
        for s in sentences_of(text):
            utts.append(Utterance(float(k), float(k + 1), who, role, s))
            k += 1
    return tuple(utts)


class EmailContext(CallContext):
    """A CallContext over an email thread (no timing), with the thread at hand."""

    def __init__(self, thread: EmailThread, language: str, rubric: Rubric, cues: CueLexicon,
                 options: RubricOptions, matchers: Sequence[CueMatcher], spelling: "SpellingLists | None") -> None:
        utts = email_utterances(thread)
        timing = TimingReport((), (), {"duration_s": float(len(utts))}, {})
        super().__init__(utts, timing, language, rubric, cues, options, matchers)
        self.thread = thread
        self.spelling = spelling

    @property
    def reply_words(self) -> int:
        return sum(len(l.tokens) for l in self.agent)

    def awaiting_customer_data(self) -> bool:
        """The reply asks for identity data: procedure steps after verification must wait."""
        return _identifier_request(self) is not None


# --------------------------------------------------------------------------- spelling lists


@dataclass(frozen=True)
class SpellingLists:
    language: str
    min_zipf: float
    allow: frozenset[str]
    nonstandard: Mapping[str, str]
    source: str = ""

    def known(self, word: str) -> bool:
        from wordfreq import zipf_frequency

        return word in self.allow or zipf_frequency(word, self.language) >= self.min_zipf


@functools.lru_cache(maxsize=4)
def load_spelling(path: str, language: str) -> SpellingLists | None:
    """The spelling settings of ``language`` (configs/rubrics/spelling.yaml), None when absent."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricConfigError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    lang = (data or {}).get("languages", {}).get(language)
    if lang is None:
        return None
    for key in lang:
        if key not in ("min_zipf", "allow", "nonstandard"):
            raise RubricConfigError(f"{path}: language '{language}', field '{key}': unknown key "
                                    "(min_zipf, allow, nonstandard)")
    non = lang.get("nonstandard") or {}
    if not isinstance(non, dict):
        raise RubricConfigError(f"{path}: language '{language}', field 'nonstandard': expected a mapping wrong: right")
    return SpellingLists(language, float(lang.get("min_zipf", 1.0)),
                         frozenset(normalize(str(w)) for w in lang.get("allow") or ()),
                         {normalize(str(k)): str(v) for k, v in non.items()}, path)


# --------------------------------------------------------------------------- judges


def _reply(ctx: EmailContext) -> tuple[Line, ...]:
    return ctx.agent


def _first_hit(ctx: EmailContext, lines: Sequence[Line], cue: str):
    return ctx.first(lines, cue)


def judge_opening_sentence(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """A salutation in the reply's first lines and an opening sentence (thanks for the message)."""
    head = ctx.agent[:2]
    early = ctx.agent[:5]
    sal = _first_hit(ctx, head, item.cue("salutation"))
    opener = _first_hit(ctx, early, item.cue("opener"))
    ev = []
    if sal:
        ev.append(ctx.evidence(sal[0], f"salutation {sal[1].describe()}", sal[1]))
    if opener:
        ev.append(ctx.evidence(opener[0], f"opening sentence {opener[1].describe()}", opener[1]))
    found = [n for n, x in (("salutation", sal), ("opening sentence", opener)) if x]
    missing = [n for n in ("salutation", "opening sentence") if n not in found]
    reason = f"{len(found)} of 2 opening components" + (f"; missing: {', '.join(missing)}" if missing else "")
    if len(found) == 2:
        return judgement(Verdict.PASS, 0.85, ev, reason)
    if found:
        return judgement(Verdict.PARTIAL, 0.75, ev, reason)
    return judgement(Verdict.FAIL, 0.7, [ctx.evidence(l, "no salutation or opening sentence") for l in head], reason)


_TICKET = re.compile(r"(?:#|\b(?:tiket|ticket|case|kasus|laporan|ref(?:erence|erensi)?)\s*(?:no\.?|nomor|number)?\s*[:#]?\s*)"
                     r"[A-Z0-9-]*\d{3,}", re.IGNORECASE)


def judge_previous_contact_reference(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """A specific reference to the customer's earlier message or ticket; a generic "thanks for
    your email" is partial; not applicable when the reply answers no earlier contact."""
    if not ctx.customer and not re.match(r"(?i)\s*(re|aw|balas)\s*:", ctx.thread.subject or ""):
        why = "the reply quotes no earlier message and its subject is no reply (first contact)"
        return judgement(Verdict.NOT_APPLICABLE, 0.5, [ctx.measurement(why)], why)
    ref = _first_hit(ctx, ctx.agent, item.cue("reference"))
    ticket = next(((l, m.group(0)) for l in ctx.agent if (m := _TICKET.search(l.utt.text))), None)
    if ref or ticket:
        ev = []
        if ref:
            ev.append(ctx.evidence(ref[0], f"reference to the earlier contact {ref[1].describe()}", ref[1]))
        if ticket:
            ev.append(ctx.evidence(ticket[0], f"ticket/reference number '{ticket[1]}'"))
        return judgement(Verdict.PASS, 0.8, ev, "the reply refers to the customer's earlier message or ticket")
    generic = _first_hit(ctx, ctx.agent, item.cue("generic"))
    if generic:
        return judgement(Verdict.PARTIAL, 0.65, [ctx.evidence(generic[0], f"only a general thanks for the message "
                                                                  f"{generic[1].describe()}", generic[1])],
                  "the reply thanks for the message but names neither its date, its subject nor a ticket")
    return judgement(Verdict.FAIL, 0.65, [ctx.evidence(l, "no reference to the earlier contact") for l in ctx.agent[:3]],
              "the reply does not refer to the customer's message or ticket")


def _identifiers_given(ctx: EmailContext) -> tuple[Line, str] | None:
    """A customer sentence that gives an identifier (digits or an identifier word)."""
    ident = ctx.cue("data_verification", "identifier")
    # In writing a year ("tahun pajak 2023") has 4 digits: identifiers have at least 6.
    min_digits = max(ctx.options.verification_min_digits, 5)
    for line in ctx.customer:
        if re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", line.utt.text):
            return line, "email address"
        digits = count_digits(line.tokens, ctx.words("number_words"))
        if digits >= min_digits:
            return line, f"{digits} digits"
        h = ctx.hit(line, ident)
        if h is not None and any(ch.isdigit() for ch in line.utt.text):
            return line, f"identifier {h.describe()}"
    return None


def _identifier_request(ctx: EmailContext) -> tuple[Line, object] | None:
    ident, req = ctx.cue("data_verification", "identifier"), ctx.cue("data_verification", "request")
    for line in ctx.agent:
        h = ctx.hit(line, ident)
        if h is not None and (line.is_question or ctx.hit(line, req) is not None):
            return line, h
    return None


def _verification_state(ctx: EmailContext) -> tuple[str, list[Evidence], str]:
    """('asked' | 'verified' | 'unstated' | 'none' | 'general', evidence, reason) of an email reply.

    asked: the reply asks for identity data; verified: the customer gave identity data and
    the reply says it was checked; unstated: account information with identity data at
    hand but no word of a check; none: account information without any identity data;
    general: no account-specific information at all."""
    account = ctx.account_info
    asked = _identifier_request(ctx)
    if asked is not None:
        return "asked", [ctx.evidence(asked[0], f"the reply asks for identity data {asked[1].describe()}", asked[1])], \
            "the reply asks for the data needed to verify"
    if account is None:
        return "general", [], "general information only: no account-specific information, no identity data needed"
    acct = ctx.evidence(account[0], f"account-specific information {account[1].describe()}", account[1])
    given = _identifiers_given(ctx)
    if given is None:
        return "none", [acct], "account-specific information disclosed without any identity data"
    done = ctx.first(ctx.agent, ctx.cue("data_verification", "done"))
    ev = [ctx.evidence(given[0], f"customer's identity data ({given[1]})"), acct]
    if done is not None:
        return "verified", ev + [ctx.evidence(done[0], f"check stated {done[1].describe()}", done[1])], \
            "account information given after checking the identity data the customer supplied"
    return "unstated", ev, "account information given; the customer supplied identity data, but the reply never " \
                           "says it was checked"


def judge_email_data_verification(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Asking for identity data, or a stated check of the data the customer gave → pass;
    account information with data at hand but no stated check → partial; account
    information without any identity data → fail; general information → not applicable."""
    state, ev, reason = _verification_state(ctx)
    verdict, conf = {"asked": (Verdict.PASS, 0.8), "verified": (Verdict.PASS, 0.75),
                     "unstated": (Verdict.PARTIAL, 0.55), "none": (Verdict.FAIL, 0.7),
                     "general": (Verdict.NOT_APPLICABLE, 0.5)}[state]
    return judgement(verdict, conf, ev or [ctx.measurement(reason)], reason)


def judge_closing_sentence(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """A closing formula ("Hormat kami", "Kind regards"), a signature line after it, and
    thanks or an offer of further help near the end."""
    tail = ctx.agent[-6:]
    closing = _first_hit(ctx, tail, item.cue("closing"))
    signature = None
    if closing is not None:
        after = [l for l in ctx.agent if l.index > closing[0].index]
        signature = after[0] if after else None
    courtesy = _first_hit(ctx, tail, item.cue("thanks")) or _first_hit(ctx, tail, item.cue("further_help"))
    ev, found = [], []
    if closing:
        found.append("closing formula")
        ev.append(ctx.evidence(closing[0], f"closing formula {closing[1].describe()}", closing[1]))
    if signature is not None:
        found.append("signature")
        ev.append(ctx.evidence(signature, "signature"))
    if courtesy:
        found.append("thanks / further help")
        ev.append(ctx.evidence(courtesy[0], f"closing courtesy {courtesy[1].describe()}", courtesy[1]))
    missing = [n for n in ("closing formula", "signature", "thanks / further help") if n not in found]
    reason = f"{len(found)} of 3 closing components" + (f"; missing: {', '.join(missing)}" if missing else "")
    if not missing:
        return judgement(Verdict.PASS, 0.85, ev, reason)
    if found:
        return judgement(Verdict.PARTIAL, 0.7, ev, reason)
    return judgement(Verdict.FAIL, 0.7, [ctx.evidence(l, "no closing") for l in tail[-2:]], reason)


def customer_name(ctx: EmailContext) -> tuple[str, Line | None, str] | None:
    """(name, line, how) of the customer: headers, "nama saya …", or the sign-off line."""
    stop = ctx.words("name_stopwords") | ctx.words("honorifics")
    for line in ctx.customer:
        from call_qa.text import extract_name

        name = extract_name(line.utt.text, ctx.cues.phrases(ctx.cue("customer_identification", "name_intro")),
                            ctx.words("honorifics"), ctx.words("name_stopwords"), ctx.options.name_max_tokens)
        if name and any(t not in stop for t in tokens(name)):
            return name, line, "named in the message"
    if ctx.thread.customer_name:
        return ctx.thread.customer_name, None, "sender's name in the headers"
    # Sign-off: the last customer line of 1-3 capitalised words.
    for line in reversed(ctx.customer[-3:]):
        words = line.utt.text.strip().rstrip(".,").split()
        if 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and \
                not any(normalize(w) in stop for w in words):
            return line.utt.text.strip().rstrip(".,"), line, "the message's sign-off"
    return None


def judge_email_address_by_name(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """The customer's name with an honorific in the reply ("Yth. Bapak Budi", "Dear Mr. Smith")."""
    honorifics = ctx.words(item.cue("honorific"))
    found = customer_name(ctx)
    if found is None:
        titled = [(l, n) for l in ctx.agent[:3] for n in titled_names(ctx, l, honorifics)]
        if titled:
            return judgement(Verdict.PASS, 0.6, [ctx.evidence(l, f"honorific + name '{n}'") for l, n in titled[:2]],
                      f"customer addressed as '{titled[0][1]}' (the name is not in the thread to compare)")
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.evidence(l, "no name known to look for") for l in ctx.agent[:1]],
                  "the customer's name is not in the thread, so its use cannot be checked")
    name, where, how = found
    name_tokens = {t for t in tokens(name) if len(t) >= 2 and t not in honorifics}
    titled, bare = [], []
    for line in ctx.agent:
        for i, tok in enumerate(line.tokens):
            if tok in name_tokens:
                (titled if i > 0 and line.tokens[i - 1] in honorifics else bare).append(
                    ctx.evidence(line, (f"honorific + name '{line.tokens[i - 1]} {tok}'" if i > 0 and
                                        line.tokens[i - 1] in honorifics else f"name without honorific '{tok}'")))
    learned = f"customer's name '{name}' ({how})"
    if titled or (bare and opts.address_accept_bare_name):
        return judgement(Verdict.PASS, 0.85, (titled + bare)[:MAX_EVIDENCE], f"{learned}; addressed by name")
    if bare:
        return judgement(Verdict.PARTIAL, 0.7, bare[:MAX_EVIDENCE], f"{learned}; used without an honorific")
    return judgement(Verdict.FAIL, 0.75, [ctx.evidence(l, "salutation without the customer's name") for l in ctx.agent[:1]],
              f"{learned}; the reply never uses it")


_QUESTION_START = {
    "id": ("apakah", "bagaimana", "berapa", "kapan", "di mana", "dimana", "mengapa", "kenapa", "apa", "siapa",
           "bisakah", "dapatkah", "mohon informasi", "mohon penjelasan", "mohon dibantu", "tolong", "saya ingin tahu",
           "saya ingin menanyakan", "mohon info"),
    "en": ("how", "what", "when", "where", "why", "which", "who", "can", "could", "is", "are", "do", "does", "will",
           "would", "please let me know", "please advise", "i would like to know", "i want to know"),
}


_SUBQUESTION = re.compile(
    r",?\s+(?:and|or|dan|serta|atau)\s+(?=(?:how|what|when|where|why|which|who|is|are|can|do|does|will|apakah|"
    r"bagaimana|berapa|kapan|mengapa|kenapa|dimana|di mana|siapa|bisakah)\b)", re.IGNORECASE)


def customer_questions(ctx: EmailContext) -> list[tuple[Line, str]]:
    """The customer's questions (line, text): sentences with '?' or opening with a question or
    request word, a sentence asking two things ("When …, and how much …?") split in two."""
    starts = [tuple(normalize(s).split()) for s in _QUESTION_START.get(ctx.language, ())]
    out = []
    for line in ctx.customer:
        if line.is_question or any(line.tokens[: len(s)] == s for s in starts):
            out += [(line, part) for part in _SUBQUESTION.split(line.utt.text) if tokens(part)]
    return out


# Function words never counted as content (both languages: replies mix them).
_STOP = _FUNCTION_WORDS["id"] | _FUNCTION_WORDS["en"] | frozenset(
    """about above after again against also around because been before being below between both but could
    does doing done down during each every few further here how into just like made make many more most
    need only other over same should some still such than that their them then there these they those
    through under until very want what when where which while whom whose will with would your yours
    hello dear thanks please regards sangat sekali sudah belum masih harus bisa dapat akan ingin mau saja
    juga lagi agar supaya karena sehingga tetapi namun padahal apakah bagaimana berapa kapan mengapa kenapa
    dimana siapa mana sejak sampai selama setelah sebelum kepada terhadap tentang mengenai terkait seperti
    hanya semua setiap bahwa yaitu yakni para pula pun tersebut selamat pagi siang sore malam halo terima
    kasih mohon tolong has had was his her its our out who why how any all get got too now may one two
    yes let see did hai ini itu ada apa""".split())


def _content(ctx: EmailContext, toks: Sequence[str]) -> set[str]:
    """Content words: not function words or honorifics, at least 4 letters (digits kept)."""
    stop = _STOP | ctx.words("honorifics")
    return {t for t in toks if (len(t) >= 3 and t.isalpha() and t not in stop) or (t.isdigit() and len(t) >= 2)}


_NUMERIC_Q = re.compile(r"\b(how much|how many|berapa)\b", re.IGNORECASE)
_WHEN_Q = re.compile(r"\b(when|kapan|how long|berapa lama|what time|jam berapa|by when)\b", re.IGNORECASE)
_DAYS = frozenset("""monday tuesday wednesday thursday friday saturday sunday today tomorrow january february
    march april may june july august september october november december senin selasa rabu kamis jumat sabtu
    minggu hari besok januari februari maret april mei juni juli agustus oktober desember""".split())


def _question_taken_up(ctx: EmailContext, text: str, reply_lines: Sequence[Line],
                       fallback: set[str]) -> tuple[bool, str]:
    """Whether the reply takes up one customer question, and why.

    Content words of the question (stemmed) recurring in the reply — at least a third of
    them; "how much / berapa" is answered by a number, "when / kapan" by a number, a day
    or a month. A question without content words ("What can I do about it?") refers
    back and is judged by the problem statement's words.
    """
    reply_toks = [t for l in reply_lines for t in l.tokens]
    reply = {_stem(w) for w in _content(ctx, reply_toks)}
    words = _content(ctx, tokens(text)) or fallback
    shared = sorted(w for w in words if _stem(w) in reply)
    numbers = any(t.isdigit() or t in ctx.words("number_words") for t in reply_toks)
    if _NUMERIC_Q.search(text):
        return numbers, ("answered with a number" if numbers else "no number in the reply")
    if _WHEN_Q.search(text) and (numbers or any(t in _DAYS for t in reply_toks)):
        return True, "answered with a time or date"
    ok = bool(words) and len(shared) >= max(1, round(0.34 * len(words)))
    return ok, (("taken up in the reply: " + ", ".join(f"'{w}'" for w in shared[:5])) if ok else
                "not taken up in the reply" + (f" (shares only {', '.join(shared)})" if shared else ""))


def _stem(word: str) -> str:
    """A crude shared stem (Indonesian prefix off, first 4 letters) so "membayar"/"bayar",
    "refunds"/"refund" and "drops"/"drop-outs" meet."""
    for prefix in ("meng", "mem", "men", "peng", "pem", "pen", "di", "ber", "ter", "ke"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            word = word[len(prefix):]
            break
    return word[:4]


def judge_email_attentiveness(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Every question the customer asked is taken up in the reply (its content words recur)."""
    if not ctx.customer:
        return judgement(Verdict.NEEDS_REVIEW, 0.2, [ctx.measurement("no customer message in the file")],
                  "the customer's message is not quoted, so which questions were answered cannot be checked")
    questions = customer_questions(ctx)
    if not questions:
        questions = [(ctx.problem[0], ctx.problem[0].utt.text)] if ctx.problem else []
    if not questions:
        why = "no question or request found in the customer's message"
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.evidence(ctx.customer[0], why)], why)
    body = _body_lines(ctx) or list(ctx.agent)
    problem_words = _content(ctx, ctx.problem[0].tokens) if ctx.problem else set()
    answered, ev = 0, []
    for q, text in questions:
        ok, why = _question_taken_up(ctx, text, body, problem_words)
        answered += ok
        ev.append(ctx.evidence(q, f"'{text.strip()[:80]}': {why}"))
    summary = f"{answered} of {len(questions)} question(s)/request(s) of the customer taken up in the reply"
    if answered == len(questions):
        return judgement(Verdict.PASS, 0.65, ev, summary)
    if answered:
        return judgement(Verdict.PARTIAL, 0.6, ev, summary)
    return judgement(Verdict.FAIL, 0.6, ev, summary)


def judge_email_empathy(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """An empathy phrase in the reply when the customer complains or is worried."""
    complaints = [(l, h) for l in ctx.customer if (h := ctx.hit(l, item.cue("complaint"))) is not None]
    empathic = [(l, h) for l in ctx.agent if (h := ctx.hit(l, item.cue("empathy"))) is not None]
    weak = [(l, h) for l in ctx.agent if (h := ctx.hit(l, item.cue("weak"))) is not None]
    ev = [ctx.evidence(l, f"complaint cue {h.describe()}", h) for l, h in complaints[:2]]
    ev += [ctx.evidence(l, f"empathy {h.describe()}", h) for l, h in empathic[:2]]
    if not complaints:
        if empathic:
            return judgement(Verdict.PASS, 0.6, ev, "the reply shows empathy (no complaint was detected)")
        why = "nothing called for empathy: no complaint or worry in the customer's message"
        return judgement(Verdict.NOT_APPLICABLE, 0.55, [ctx.measurement(why, role=Role.CUSTOMER)], why)
    if empathic:
        return judgement(Verdict.PASS, 0.8, ev, "the customer's complaint is acknowledged with empathy")
    if weak:
        ev += [ctx.evidence(l, f"only a token reaction {h.describe()}", h) for l, h in weak[:1]]
        return judgement(Verdict.PARTIAL, 0.65, ev, "the complaint gets only a token reaction")
    return judgement(Verdict.FAIL, 0.7, ev, "the customer complains, the reply shows no empathy")


def judge_content_interpretation(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """The reply addresses what was asked: the share of the content words (stemmed) of the
    customer's questions that the reply body takes up — of the problem statement as well
    when the questions carry fewer than three content words ("What can I do about it?")."""
    if not ctx.customer:
        return judgement(Verdict.NEEDS_REVIEW, 0.2, [ctx.measurement("no customer message in the file")],
                  "the customer's message is not quoted, so the interpretation cannot be checked")
    questions = customer_questions(ctx)
    asked_words = _content(ctx, [t for _, text in questions for t in tokens(text)])
    problem_words = _content(ctx, ctx.problem[0].tokens) if ctx.problem else set()
    asked = {_stem(w) for w in asked_words | problem_words}
    body = _body_lines(ctx) or list(ctx.agent)
    said = {_stem(w) for w in _content(ctx, [t for l in body for t in l.tokens])}
    if not asked:
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.evidence(ctx.customer[0], "no content words in the message")],
                  "the customer's message has no content words to compare")
    shared = sorted(asked & said)
    share = len(shared) / len(asked)
    taken = [_question_taken_up(ctx, text, body, problem_words)[0] for _, text in questions]
    all_taken = all(taken) if taken else share >= opts.email_topic_overlap_pass
    summary = (f"{sum(taken)} of {len(taken)} question(s) taken up; the reply shares {len(shared)} of {len(asked)} "
               f"topic words of the problem and questions ({share:.0%}; on topic from "
               f"{opts.email_topic_overlap_partial:.0%}): " + ", ".join(shared[:8]))
    ev = [ctx.evidence(ctx.problem[0] if ctx.problem else ctx.customer[0], "the customer's request"),
          ctx.measurement(summary)]
    if all_taken and share >= opts.email_topic_overlap_partial:
        return judgement(Verdict.PASS, 0.6, ev, summary)
    if any(taken) or share >= opts.email_topic_overlap_partial / 2:
        return judgement(Verdict.PARTIAL, 0.5, ev, summary)
    return judgement(Verdict.FAIL, 0.55, ev, summary)


def _body_lines(ctx: EmailContext) -> list[Line]:
    """Reply sentences of the body: without salutation, closing formula and signature."""
    closing = ctx.first(ctx.agent[-6:], ctx.cue("closing_sentence", "closing"))
    end = closing[0].index if closing else len(ctx.lines)
    sal = ctx.first(ctx.agent[:1], ctx.cue("opening_sentence", "salutation"))
    start = sal[0].index + 1 if sal else (ctx.agent[0].index if ctx.agent else 0)
    return [l for l in ctx.agent if start <= l.index < end]


def judge_word_choice_structure(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Formal words (informal words per 100 reply words) and sentences of readable length."""
    body = _body_lines(ctx) or list(ctx.agent)
    words = sum(len(l.tokens) for l in body)
    phrases = ctx.cues.phrases(item.cue("informal"))
    informal, ev = 0, []
    for line in body:
        found = [(" ".join(p), n) for p in phrases if (n := count_phrase(line.tokens, p))]
        if found:
            informal += sum(n for _, n in found)
            ev.append(ctx.evidence(line, "informal: " + ", ".join(f"'{w}'" for w, _ in found)))
    long = [l for l in body if len(l.tokens) > opts.email_sentence_words_max]
    ev += [ctx.evidence(l, f"sentence of {len(l.tokens)} words (limit {opts.email_sentence_words_max})")
           for l in long[:2]]
    rate = 100.0 * informal / words if words else 0.0
    summary = (f"{informal} informal word(s) in {words} words ({rate:.1f} per 100); {len(long)} sentence(s) over "
               f"{opts.email_sentence_words_max} words")
    ev.append(ctx.measurement(summary))
    if rate > opts.informal_per_100_partial:
        return judgement(Verdict.FAIL, 0.75, ev, summary)
    if informal or long:
        return judgement(Verdict.PARTIAL, 0.65, ev, summary)
    return judgement(Verdict.PASS, 0.75 if words >= 30 else 0.6, ev, summary)


_PUNCT_RULES = (
    (re.compile(r"\s+[,.;:!?](?=\s|$)"), "space before punctuation"),
    (re.compile(r"[,;:](?=[A-Za-z])"), "no space after punctuation"),
    (re.compile(r"[!?]{2,}|\.{4,}|,{2,}"), "repeated punctuation"),
    (re.compile(r"\b[A-Z]{2,}[a-z]+\b"), "capitals inside a word"),
)


def judge_punctuation_spelling(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Spelling (word list of the language + non-standard spellings), capitalisation
    (sentence starts, English "i") and punctuation (spacing, repeats, a final stop),
    counted per 100 reply words."""
    body = _body_lines(ctx) or list(ctx.agent)
    words = sum(len(l.tokens) for l in body)
    if words == 0:
        return judgement(Verdict.NEEDS_REVIEW, 0.2, [ctx.measurement("no reply body")], "the reply has no body text")
    spell = ctx.spelling
    problems: list[tuple[Line, str]] = []
    shouting = []
    for line in body:
        text = line.utt.text
        if sentence_language(text) not in (None, ctx.language):
            continue  # a sentence in the other language is language_consistency's finding
        first_alpha = next((c for c in text if c.isalpha()), "")
        if first_alpha and first_alpha.islower() and not re.match(r"^\W*(e-|i[A-Z])", text):
            problems.append((line, "sentence starts with a small letter"))
        if ctx.language == "en" and re.search(r"(^|\s)i(\s|'|$)", text):
            problems.append((line, "'i' not capitalised"))
        for rx, what in _PUNCT_RULES:
            for m in rx.finditer(text):
                problems.append((line, f"{what}: '{m.group(0).strip()}'"))
        if len(line.tokens) >= 4 and text.rstrip()[-1:] not in ".!?:)\"'" and not text.rstrip().endswith(","):
            problems.append((line, "sentence without final punctuation"))
        caps = [t.surface for t in raw_tokens(text) if t.surface.isupper() and len(t.surface) > 4
                and not (spell and t.norm in spell.allow)]
        if len(caps) >= 3:
            shouting.append(line)
            problems.append((line, "words in capitals: " + ", ".join(caps[:3])))
        if spell is not None:
            for tok in raw_tokens(text):
                w = tok.norm
                if not w.isalpha() or len(w) < 3:
                    continue
                if w in spell.nonstandard:
                    problems.append((line, f"non-standard spelling '{tok.surface}' (standard: "
                                           f"'{spell.nonstandard[w]}')"))
                elif not tok.capitalized and not spell.known(w):
                    problems.append((line, f"unknown word '{tok.surface}'"))
    rate = 100.0 * len(problems) / words
    summary = (f"{len(problems)} spelling/capitalisation/punctuation problem(s) in {words} words ({rate:.1f} per 100;"
               f" pass up to {opts.email_errors_per_100_pass:g}, partial up to {opts.email_errors_per_100_partial:g})"
               + ("" if spell else "; no word list for this language: spelling not checked"))
    grouped: dict[int, list[str]] = {}
    for line, what in problems:
        grouped.setdefault(line.index, []).append(what)
    ev = [ctx.evidence(ctx.lines[i], "; ".join(ws[:4])) for i, ws in list(grouped.items())[:MAX_EVIDENCE]]
    ev.append(ctx.measurement(summary))
    conf = 0.7 if spell else 0.5
    if rate <= opts.email_errors_per_100_pass:
        return judgement(Verdict.PASS, conf, ev, summary)
    if rate <= opts.email_errors_per_100_partial:
        return judgement(Verdict.PARTIAL, conf - 0.05, ev, summary)
    return judgement(Verdict.FAIL, conf, ev, summary)


def judge_language_consistency(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """One language (share of reply sentences in the other language) and one register of
    address (formal "Bapak/Ibu/Anda" vs informal "kamu/kak")."""
    body = _body_lines(ctx) or list(ctx.agent)
    langs = [(l, sentence_language(l.utt.text)) for l in body]
    decided = [(l, g) for l, g in langs if g is not None]
    foreign = [l for l, g in decided if g != ctx.language]
    share = len(foreign) / len(decided) if decided else 0.0
    formal = [(l, h) for l in body if (h := ctx.hit(l, item.cue("formal_address"))) is not None]
    informal = [(l, h) for l in body if (h := ctx.hit(l, item.cue("informal_address"))) is not None]
    ev = [ctx.evidence(l, f"sentence in {'English' if ctx.language == 'id' else 'Indonesian'}") for l in foreign[:3]]
    problems = []
    if foreign:
        problems.append(f"{len(foreign)} of {len(decided)} sentence(s) in the other language ({share:.0%})")
    if informal and formal:
        problems.append("formal and informal address mixed")
        ev += [ctx.evidence(informal[0][0], f"informal address {informal[0][1].describe()}", informal[0][1]),
               ctx.evidence(formal[0][0], f"formal address {formal[0][1].describe()}", formal[0][1])]
    elif informal:
        problems.append("informal address only")
        ev.append(ctx.evidence(informal[0][0], f"informal address {informal[0][1].describe()}", informal[0][1]))
    summary = (f"reply in '{ctx.language}'; " + ("; ".join(problems) if problems else
               f"all {len(decided)} recognisable sentence(s) in one language, one register of address"))
    ev.append(ctx.measurement(summary))
    if share > opts.email_foreign_sentence_share or (informal and formal):
        return judgement(Verdict.FAIL, 0.65, ev, summary)
    if problems:
        return judgement(Verdict.PARTIAL, 0.6, ev, summary)
    return judgement(Verdict.PASS, 0.7 if len(decided) >= 3 else 0.55, ev, summary)


_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-•*]|[a-z][.)])\s+")


def judge_email_solution_clarity(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Structure (markers or a numbered/bulleted list), no vague deferral, and an answer of
    more than one sentence."""
    body = _body_lines(ctx)
    if not body:
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.measurement("no reply body")], "the reply has no body text")
    marked = [(l, h) for l in body if (h := ctx.hit(l, item.cue("structure"))) is not None]
    listed = [l for l in body if _LIST_ITEM.match(l.utt.text)]
    vague = [(l, h) for l in body if (h := ctx.hit(l, item.cue("vague"))) is not None]
    ev = [ctx.evidence(l, f"structure marker {h.describe()}", h) for l, h in marked[:3]]
    ev += [ctx.evidence(l, "numbered/bulleted step") for l in listed[:3]]
    ev += [ctx.evidence(l, f"vague / deferring {h.describe()}", h) for l, h in vague[:3]]
    structured = bool(marked or len(listed) >= 2)
    summary = (f"{len(marked)} structure marker(s), {len(listed)} list item(s), {len(vague)} vague phrase(s), "
               f"{len(body)} body sentence(s)")
    if vague:
        return judgement(Verdict.PARTIAL if structured else Verdict.FAIL, 0.6, ev, summary)
    if structured:
        return judgement(Verdict.PASS, 0.7, ev, summary)
    if len(body) >= opts.clarity_min_sentences + 1:
        return judgement(Verdict.PASS, 0.5, ev + [ctx.evidence(body[0], "the answer")], f"{summary}; short answer in full sentences")
    return judgement(Verdict.PARTIAL, 0.45, ev + [ctx.evidence(body[0], "the whole answer")],
              f"{summary}; a very short answer — check that it answers the question")


def judge_email_procedure_compliance(ctx: EmailContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Built-in procedure for email: no account-specific information without identity data
    (given by the customer or asked for first)."""
    state, ev, reason = _verification_state(ctx)
    if state == "general":
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.measurement("no account-specific information detected")],
                  "no procedure step to check: no account work, no identity request, no configured procedure")
    verdict = {"asked": Verdict.PASS, "verified": Verdict.PASS, "unstated": Verdict.PARTIAL,
               "none": Verdict.FAIL}[state]
    return judgement(verdict, 0.6, ev, f"verification before account information: {reason}")


EMAIL_JUDGES: Mapping[str, ItemJudge] = {
    "opening_sentence": judge_opening_sentence,
    "previous_contact_reference": judge_previous_contact_reference,
    "data_verification": judge_email_data_verification,
    "closing_sentence": judge_closing_sentence,
    "address_by_name": judge_email_address_by_name,
    "attentiveness": judge_email_attentiveness,
    "empathy": judge_email_empathy,
    "content_interpretation": judge_content_interpretation,
    "word_choice_structure": judge_word_choice_structure,
    "punctuation_spelling": judge_punctuation_spelling,
    "language_consistency": judge_language_consistency,
    "solution_clarity": judge_email_solution_clarity,
    # Without a knowledge base (call_qa.rubric.resources replaces these): needs_review.
    "solution_accuracy": judge_solution_accuracy,
    "solution_completeness": judge_solution_completeness,
    "procedure_compliance": judge_email_procedure_compliance,
}


# --------------------------------------------------------------------------- scoring


def score_email(
    thread: EmailThread,
    rubric: Rubric,
    cues: CueLexicon,
    options: RubricOptions = RubricOptions(),
    *,
    language: str | None = None,
    matchers: Sequence[CueMatcher] | None = None,
    judges: Mapping[str, ItemJudge] | None = None,
    spelling: SpellingLists | None = None,
    privacy_flags: Sequence[PrivacyFlag] = (),
    critical_item: str | None = None,
) -> Scorecard:
    """Judge every item of the ``email`` rubric on one thread and score it (rubric.md);
    ``privacy_flags``/``critical_item`` as for :func:`call_qa.rubric.score_phone_call`."""
    check_cues(rubric, cues)
    language = language or detect_language(thread.reply)
    ctx = EmailContext(thread, language, rubric, cues, options,
                       matchers if matchers is not None else (PhraseMatcher(cues),), spelling)
    table = {**EMAIL_JUDGES, **(judges or {})}
    results = []
    for item in rubric.items:
        opts = options.with_overrides(item.params)
        judge = table.get(item.id)
        if judge is None:
            j = Judgement(Verdict.NEEDS_REVIEW, 0.0, (ctx.measurement("no matcher"),),
                          f"the engine has no email matcher for item '{item.id}'")
        else:
            try:
                j = judge(ctx, item, opts)
            except Exception as exc:  # one broken matcher must not lose the whole scorecard
                log.exception("email rubric item %s failed", item.id)
                j = Judgement(Verdict.NEEDS_REVIEW, 0.0, (ctx.measurement(f"matcher error: {exc}"),),
                              f"the matcher for '{item.id}' failed ({type(exc).__name__}: {exc})")
        evidence: tuple[Evidence, ...] = j.evidence or ((ctx.measurement(j.reason),)
                                                        if j.verdict != Verdict.NOT_APPLICABLE else ())
        results.append(with_exposure(ItemResult(item.id, item.section, j.verdict, 0.0, 0.0,
                                                min(1.0, max(0.0, float(j.confidence))), evidence, j.reason,
                                                item.critical), privacy_flags, critical_item))
    return build_scorecard(results, rubric)


def email_id(path: Path) -> str:
    """``mail/2026-11-27/0042.eml`` → ``email_2026-11-27_0042``; else ``email_<stem>``
    (the naming of call_qa.pipeline.call_id_for, with a prefix so an email never takes a call's id)."""
    p = Path(path)
    stem = f"{p.parent.name}_{p.stem}" if re.match(r"^\d{4}-\d{2}-\d{2}$", p.parent.name) else p.stem
    return f"email_{stem}"
