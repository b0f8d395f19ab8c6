"""Spoken and written numbers in ASR output → digit strings, Indonesian and English.

Callers read identifiers in many ways and Whisper writes them in as many::

    "3174 0512 8501 0003"                       digits, grouped
    "99.999.999.9-999.999"                      formatted (NPWP)
    "nol delapan satu dua, tiga empat …"        spoken digit by digit ("kosong" = 0)
    "tiga puluh satu tujuh puluh empat"         spoken in pairs (31 74)
    "dua kali lima" / "lima dua kali"           repeats (55)
    "oh eight one two", "double five", "triple oh"   English

The numbers themselves are read by :mod:`call_qa.numbers` — the one reader that word
error rate uses too — with fillers ("eh", "em"), separators ("titik", "strip", "dash")
and Whisper's misspelt digits allowed. This module adds what ASR words need around it:
a :class:`NumTok` stream (one entry per normalised token, each pointing back at the word
it came from; written numbers, e-mails and dates kept whole), and :class:`DigitRun` values —
numbers said one after another read as one digit string, with the positions of every
token they used, so a caller can map them back to words and seconds. An amount said
with a scale word of a thousand or more ("lima puluh ribu") is no identifier and makes
no run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from call_qa.numbers import UNITS_EN, UNITS_ID, Number, NumberSpan, ReadOptions, read_number, read_numbers

# Spoken single digits, Indonesian and English (e-mail local parts: "siti dua tiga").
DIGIT_WORDS: dict[str, int] = {**UNITS_ID, **UNITS_EN}
# Inside a run: ignored, but they do not end it.
FILLERS = frozenset({"eh", "ehm", "em", "emm", "hmm", "hm", "uh", "um", "umm", "er", "erm", "ah", "eee", "ee"})
SEPARATORS = frozenset({"titik", "strip", "dash", "hyphen", "garis", "<.>", "<->", "</>", "spasi", "space"})
PLUS = frozenset({"plus", "<+>"})
# Both languages (a call may switch), misspelt digits read next to real ones.
READ_OPTIONS = ReadOptions(language=None, joiners=FILLERS | SEPARATORS, asr_spellings=True)

_NUMERIC = re.compile(r"^\+?\(?\d[\d().\-/ ]*\d\)?$|^\d$")


@dataclass(frozen=True)
class NumTok:
    """One normalised token. ``norm`` is lowercase without punctuation; a written number
    keeps only its digits in ``digits`` (``norm`` = the digits too); an e-mail written as
    one word has kind ``email``. ``ref`` is (utterance index, word index)."""

    norm: str
    ref: tuple[int, int]
    surface: str
    kind: str = "word"  # word | num | email | sym
    digits: str = ""
    formatted: bool = False  # a written number with internal separators ("99.999.999.9-999.999")
    plus: bool = False
    capitalized: bool = False


_EMAIL = re.compile(r"^[\w.+\-]+@[\w\-]+(\.[\w\-]+)+$")
_DATE_NUMERIC = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})$")
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc'`]")
_SPLIT = re.compile(r"([^\w]+|_)")
_EDGE_PUNCT = "\"'“”‘’()[]{}<>,;:!?."


def tokenize_word(surface: str, ref: tuple[int, int]) -> list[NumTok]:
    """Normalised tokens of one ASR word.

    Written numbers stay one token (separators dropped, ``formatted`` noted); an
    e-mail address stays one token; inside other words a dot between letters becomes
    the token ``<.>`` and ``@`` becomes ``<@>`` so "budi@gmail" and "gmail.com" read
    like their spoken forms.
    """
    raw = unicodedata.normalize("NFKC", surface).strip()
    core = raw.strip(_EDGE_PUNCT)
    if not core:
        return []
    cap = core[:1].isupper()
    if _EMAIL.match(core):
        return [NumTok(core.casefold(), ref, core, "email", capitalized=cap)]
    if _DATE_NUMERIC.match(core):
        return [NumTok(core, ref, core, "date", digits=re.sub(r"\D", "", core))]
    if _NUMERIC.match(core):
        digits = re.sub(r"\D", "", core)
        formatted = bool(re.search(r"\d[.\-/]\d", core))
        return [NumTok(digits, ref, core, "num", digits=digits, formatted=formatted, plus=core.startswith("+"))]
    out: list[NumTok] = []
    text = _APOSTROPHES.sub("", core)
    for piece in _SPLIT.split(text):
        if not piece:
            continue
        if _SPLIT.fullmatch(piece):
            sym = {".": "<.>", "@": "<@>", "/": "</>", "+": "<+>"}.get(piece.strip())
            if sym:
                out.append(NumTok(sym, ref, piece, "sym"))
            continue
        norm = piece.casefold()
        if norm.isdigit():
            out.append(NumTok(norm, ref, piece, "num", digits=norm))
        else:
            out.append(NumTok(norm, ref, piece, "word", capitalized=piece[:1].isupper()))
    # A "." or "-" at a piece edge that is not between two pieces is punctuation.
    while out and out[-1].kind == "sym":
        out.pop()
    while out and out[0].kind == "sym" and out[0].norm != "<+>":
        out.pop(0)
    return out


# --------------------------------------------------------------------------- pieces


def _norms(toks: list[NumTok]) -> list[str]:
    return [t.norm for t in toks]


def read_piece(toks: list[NumTok], i: int) -> Number | None:
    """The number that starts at token ``i`` (or None): a written number, a repeat
    ("double five", "dua kali lima"), or a spoken number ("tiga puluh satu")."""
    return read_number(_norms(toks), i, READ_OPTIONS)


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class DigitRun:
    """Consecutive numbers read as one digit string. ``start``/``end`` index the token
    list (end exclusive); ``used`` are the token indices that carried digits."""

    digits: str
    start: int
    end: int
    used: tuple[int, ...]
    spoken: bool  # some digits came from number words
    written: bool  # some digits came from written numbers
    formatted: bool
    plus: bool
    pieces: int
    # (first token, end token, digits so far) after each piece, to split a run later
    bounds: tuple[tuple[int, int, int], ...] = ()


def split_run(run: DigitRun, at: int) -> tuple[DigitRun, DigitRun]:
    """``run`` cut after its piece number ``at`` (0-based) into two runs."""
    first_end, count = run.bounds[at][1], run.bounds[at][2]
    nxt_start = run.bounds[at + 1][0]
    left = DigitRun(run.digits[:count], run.start, first_end, tuple(k for k in run.used if k < first_end),
                    run.spoken, run.written, run.formatted, run.plus, at + 1, run.bounds[: at + 1])
    right_bounds = tuple((a, b, c - count) for a, b, c in run.bounds[at + 1 :])
    right = DigitRun(run.digits[count:], nxt_start, run.end, tuple(k for k in run.used if k >= nxt_start),
                     run.spoken, run.written, run.formatted, False, run.pieces - at - 1, right_bounds)
    return left, right


def _run(toks: list[NumTok], span: NumberSpan) -> DigitRun:
    i = span.start
    before_plus = i > 0 and toks[i - 1].norm in PLUS
    bounds, count = [], 0
    for p in span.pieces:
        count += len(p.digits)
        bounds.append((p.start, p.end, count))
    return DigitRun(
        span.digits,
        i - 1 if before_plus else i,
        span.end,
        span.used,
        spoken=any(p.spoken for p in span.pieces),
        written=any(not p.spoken for p in span.pieces),
        formatted=any(toks[p.start].formatted for p in span.pieces),
        plus=before_plus or toks[i].plus,
        pieces=len(span.pieces),
        bounds=tuple(bounds),
    )


def digit_runs(toks: list[NumTok]) -> list[DigitRun]:
    """Every maximal run of numbers in ``toks`` (fillers and separators may sit inside);
    amounts ("lima puluh ribu", "two million") are left out: they are no identifiers."""
    spans = read_numbers(_norms(toks), READ_OPTIONS)
    return [_run(toks, s) for s in spans if not (len(s.pieces) == 1 and s.pieces[0].quantity)]


def parse_digits(text: str) -> str:
    """The digits a piece of text reads as, every number joined, amounts included
    ("nol delapan satu" → "081", "sebelas ribu" → "11000"). A convenience for tests and
    the benchmark."""
    toks: list[NumTok] = []
    for k, w in enumerate(text.split()):
        toks += tokenize_word(w, (0, k))
    return "".join(s.digits for s in read_numbers(_norms(toks), READ_OPTIONS))


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment card numbers."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
