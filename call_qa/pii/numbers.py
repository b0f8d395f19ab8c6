"""Spoken and written numbers in ASR output → digit strings, Indonesian and English.

Callers read identifiers in many ways and Whisper writes them in as many::

    "3174 0512 8501 0003"                       digits, grouped
    "99.999.999.9-999.999"                      formatted (NPWP)
    "nol delapan satu dua, tiga empat …"        spoken digit by digit ("kosong" = 0)
    "tiga puluh satu tujuh puluh empat"         spoken in pairs (31 74)
    "dua kali lima" / "lima dua kali"           repeats (55)
    "oh eight one two", "double five", "triple oh"   English

A :class:`NumTok` stream (one entry per normalised token, each pointing back at the
word it came from) is cut into *pieces* — one number each — and pieces that follow
each other with only fillers ("eh", "em"), separators ("titik", "strip", "dash") or
punctuation between them form a :class:`DigitRun`. Runs keep the positions of every
token they used, so a caller can map them back to words and seconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --------------------------------------------------------------------------- vocabulary

DIGIT_WORDS: dict[str, int] = {
    # Indonesian (with spellings Whisper produces for fast speech)
    "nol": 0, "kosong": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "enam": 6, "tujuh": 7, "tuju": 7, "delapan": 8, "lapan": 8, "sembilan": 9,
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
}
# "oh"/"o" are zero only next to another digit ("oh eight one …"), never alone.
CONTEXT_ZERO = frozenset({"oh", "o"})
# How Whisper writes Indonesian digit words it half-heard (telephone audio, fast speech);
# like "oh", they count only next to a real digit word.
ASR_DIGITS: dict[str, int] = {"drapan": 8, "dlapan": 8, "delapen": 8, "lapen": 8, "dura": 2, "duah": 2,
                              "empet": 4, "enem": 6, "sembilang": 9, "semilan": 9, "tujuhh": 7, "kosog": 0}
TEENS_EN = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90}
SINGLE_ID = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
REPEAT_PREFIX = {"double": 2, "dobel": 2, "triple": 3, "tripel": 3}
REPEAT_COUNT = {"dua": 2, "tiga": 3, "empat": 4, "two": 2, "three": 3}
KALI = frozenset({"kali", "times"})
# Inside a run: ignored, but they do not end it.
FILLERS = frozenset({"eh", "ehm", "em", "emm", "hmm", "hm", "uh", "um", "umm", "er", "erm", "ah", "eee", "ee"})
SEPARATORS = frozenset({"titik", "strip", "dash", "hyphen", "garis", "<.>", "<->", "</>", "spasi", "space"})
PLUS = frozenset({"plus", "<+>"})

_NUMERIC = re.compile(r"^\+?\(?\d[\d().\-/ ]*\d\)?$|^\d$")
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")


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


@dataclass(frozen=True)
class Piece:
    digits: str
    start: int  # token index, inclusive
    end: int  # token index, exclusive
    spoken: bool  # from number words (not written digits)
    single_digit_word: bool = False


def _digit_at(toks: list[NumTok], i: int) -> int | None:
    if i >= len(toks):
        return None
    t = toks[i].norm
    if t in DIGIT_WORDS:
        return DIGIT_WORDS[t]
    if t in CONTEXT_ZERO and (_is_numberish(toks, i - 1, -1) or _is_numberish(toks, i + 1, +1)):
        return 0
    if t in ASR_DIGITS and (_is_numberish(toks, i - 1, -1) or _is_numberish(toks, i + 1, +1)):
        return ASR_DIGITS[t]
    return None


def _is_numberish(toks: list[NumTok], i: int, step: int = 0) -> bool:
    """Whether token ``i`` is a number word or written number; with ``step`` (±1) a run
    of "oh"s is looked through ("oh oh four" → all zeros)."""
    while 0 <= i < len(toks) and step and (toks[i].norm in CONTEXT_ZERO or toks[i].norm in FILLERS
                                            or toks[i].norm in ASR_DIGITS):
        i += step
    if i < 0 or i >= len(toks):
        return False
    t = toks[i]
    return (t.kind == "num" or t.norm in DIGIT_WORDS or t.norm in TEENS_EN or t.norm in TENS_EN
            or t.norm in SINGLE_ID or t.norm in REPEAT_PREFIX)


def _below100(toks: list[NumTok], i: int) -> tuple[int, int] | None:
    """A number below 100 starting at ``i``: (value, next index)."""
    n = len(toks)
    if i >= n:
        return None
    t = toks[i].norm
    if t in ("sepuluh", "ten"):
        return 10, i + 1
    if t == "sebelas":
        return 11, i + 1
    if t in TEENS_EN:
        return TEENS_EN[t], i + 1
    if t in TENS_EN:
        v = TENS_EN[t]
        d = _digit_at(toks, i + 1)
        if d and d > 0 and not (i + 2 < n and toks[i + 2].norm in ("hundred", "thousand")):
            return v + d, i + 2
        return v, i + 1
    d = _digit_at(toks, i)
    if d is None:
        return None
    nxt = toks[i + 1].norm if i + 1 < n else ""
    if d > 0 and nxt == "belas":
        return 10 + d, i + 2
    if d > 0 and nxt == "puluh":
        u = _digit_at(toks, i + 2)
        after = toks[i + 3].norm if i + 3 < n else ""
        if u and u > 0 and after not in ("belas", "puluh", "ratus", "ribu", "kali"):
            return d * 10 + u, i + 3
        return d * 10, i + 2
    return d, i + 1


def _below1000(toks: list[NumTok], i: int) -> tuple[int, int] | None:
    n = len(toks)
    if i >= n:
        return None
    hundreds, j = None, i
    if toks[i].norm == "seratus":
        hundreds, j = 100, i + 1
    else:
        d = _digit_at(toks, i)
        if d and i + 1 < n and toks[i + 1].norm in ("ratus", "hundred"):
            hundreds, j = d * 100, i + 2
    if hundreds is None:
        return _below100(toks, i)
    rest = _below100(toks, j)
    if rest is not None and rest[0] > 0 and toks[j].norm not in ("nol", "kosong", "zero", "oh", "o"):
        return hundreds + rest[0], rest[1]
    return hundreds, j


def _compound(toks: list[NumTok], i: int) -> tuple[int, int] | None:
    """A spoken number (up to 9999) at ``i``: "dua ribu dua puluh" → 2020."""
    n = len(toks)
    if i < n and toks[i].norm == "seribu":
        base, j = 1000, i + 1
    else:
        first = _below1000(toks, i)
        if first is None:
            return None
        if first[1] < n and toks[first[1]].norm in ("ribu", "thousand") and 0 < first[0] < 10:
            base, j = first[0] * 1000, first[1] + 1
        else:
            return first
    rest = _below1000(toks, j)
    if rest is not None and rest[0] > 0:
        return base + rest[0], rest[1]
    return base, j


def read_piece(toks: list[NumTok], i: int) -> Piece | None:
    """The number that starts at token ``i`` (or None): a written number, a repeat
    ("double five", "dua kali lima"), or a spoken number ("tiga puluh satu")."""
    n = len(toks)
    t = toks[i]
    if t.kind == "num":
        return Piece(t.digits, i, i + 1, spoken=False)
    if t.norm in REPEAT_PREFIX:
        d = 0 if i + 1 < n and toks[i + 1].norm in CONTEXT_ZERO else _digit_at(toks, i + 1)
        if d is not None:
            return Piece(str(d) * REPEAT_PREFIX[t.norm], i, i + 2, spoken=True)
        if i + 1 < n and toks[i + 1].kind == "num" and len(toks[i + 1].digits) == 1:
            return Piece(toks[i + 1].digits * REPEAT_PREFIX[t.norm], i, i + 2, spoken=True)
        return None
    if t.norm in REPEAT_COUNT and i + 2 < n and toks[i + 1].norm in KALI:
        d = _digit_at(toks, i + 2)
        if d is not None:  # "dua kali lima" = 55
            return Piece(str(d) * REPEAT_COUNT[t.norm], i, i + 3, spoken=True)
    c = _compound(toks, i)
    if c is None:
        return None
    value, j = c
    return Piece(str(value), i, j, spoken=True, single_digit_word=(j == i + 1 and value < 10))


def _postfix_repeat(toks: list[NumTok], i: int, prev: Piece) -> int:
    """Extra copies of the previous digit from "lima dua kali" (= 55) at ``i``; 0 if none."""
    if not prev.single_digit_word or i + 1 >= len(toks):
        return 0
    if toks[i].norm in REPEAT_COUNT and toks[i + 1].norm in KALI and _digit_at(toks, i + 2) is None:
        return REPEAT_COUNT[toks[i].norm] - 1
    return 0


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


def digit_runs(toks: list[NumTok]) -> list[DigitRun]:
    """Every maximal run of numbers in ``toks`` (fillers and separators may sit inside)."""
    runs: list[DigitRun] = []
    i, n = 0, len(toks)
    while i < n:
        piece = read_piece(toks, i)
        if piece is None:
            i += 1
            continue
        plus = i > 0 and toks[i - 1].norm in PLUS or toks[i].plus
        start = i - 1 if i > 0 and toks[i - 1].norm in PLUS else i
        digits, used = [piece.digits], list(range(piece.start, piece.end))
        spoken, written, formatted, count = piece.spoken, not piece.spoken, toks[i].formatted, 1
        bounds = [(piece.start, piece.end, len(piece.digits))]
        j, last = piece.end, piece
        end = piece.end
        while j < n:
            extra = _postfix_repeat(toks, j, last)
            if extra:
                digits.append(last.digits * extra)
                used += [j, j + 1]
                j += 2
                end = j
                bounds[-1] = (bounds[-1][0], end, sum(map(len, digits)))
                continue
            if toks[j].norm in FILLERS or toks[j].norm in SEPARATORS:
                j += 1
                continue
            nxt = read_piece(toks, j)
            if nxt is None:
                break
            digits.append(nxt.digits)
            used += list(range(nxt.start, nxt.end))
            spoken |= nxt.spoken
            written |= not nxt.spoken
            formatted |= toks[j].formatted
            count += 1
            last, j = nxt, nxt.end
            end = j
            bounds.append((nxt.start, nxt.end, sum(map(len, digits))))
        runs.append(DigitRun("".join(digits), start, end, tuple(used), spoken, written, formatted, plus, count,
                             tuple(bounds)))
        i = end
    return runs


def parse_digits(text: str) -> str:
    """The digits a piece of text reads as, all runs joined ("nol delapan satu" → "081").
    A convenience for tests and the benchmark."""
    toks: list[NumTok] = []
    for k, w in enumerate(text.split()):
        toks += tokenize_word(w, (0, k))
    return "".join(r.digits for r in digit_runs(toks))


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
