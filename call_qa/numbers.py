"""Spoken and written numbers in Indonesian and English: one reader for every user.

Word-error-rate normalisation (:mod:`call_qa.evaluation`) and personal-data detection
(:mod:`call_qa.pii.numbers`) read numbers through :func:`read_numbers`, so a number is
the same number to both. The reader takes normalised tokens (lower case, no
punctuation, "twenty-one" already split at the hyphen) and finds, left to right:

* **written numbers** — a token of digits ("0812" keeps its leading zero), also with
  a scale word after it ("45 ribu" = 45000);
* **spoken numbers**, Indonesian and English, as a speaker groups them: units
  ("nol", "kosong", "satu" …, "zero", "one" …, "oh" before a digit or after an English one), teens
  ("sebelas", "dua belas", "eleven"), tens ("dua puluh satu", "twenty one"), hundreds
  ("seratus lima", "dua ratus", "one hundred and five", "nineteen hundred"), and
  scales ("seribu", "sebelas ribu" = 11000, "empat puluh lima ribu" = 45000, "dua juta",
  "satu miliar", "triliun"; "thousand", "million", "billion", "trillion", "a thousand");
* **repeats** — "double five", "triple oh", "dobel lima" (55, 000, 55) and the
  Indonesian dictation "dua kali lima" / "lima dua kali". The rule: *a count word
  (dua, tiga, empat; two, three) with "kali"/"times" repeats the digit word next to
  it*: "dua kali lima" is "five, two times" = 55 (never the product 10: callers dictate
  identifiers, they do not multiply), "tiga kali nol" = 000, and a digit word followed
  by "dua kali" with no digit after "kali" repeats that digit ("lima dua kali" = 55).

Each number is a :class:`Number`: its ``digits`` as said (a digit-by-digit reading
keeps its leading zeros, for identifiers) and its ``value`` (for quantities). Numbers
that follow each other — with only ``joiners`` between them, e.g. fillers and "titik"
for a personal-data reader — form a :class:`NumberSpan`: "nol delapan satu dua" is one
span of four numbers, digits "0812"; "sembilan belas delapan puluh lima" is two numbers
(19, 85), digits "1985", read as the year 1985 because a year is said in pairs. A
number said with a scale of a thousand or more (an amount: "lima puluh ribu") is a
quantity and stands alone: it never joins a digit string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

# --------------------------------------------------------------------------- vocabulary

UNITS_ID: dict[str, int] = {
    "nol": 0, "kosong": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "lapan": 8, "sembilan": 9,  # "lapan": the colloquial (Jakarta, Malay) delapan
}
UNITS_EN: dict[str, int] = {
    "zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}
# "oh"/"o" are zero only before a digit or after an English one ("oh eight one", "nine oh"),
# never alone ("oh well") nor after an Indonesian number.
CONTEXT_ZERO_EN = frozenset({"oh", "o"})
# How Whisper writes Indonesian digit words it half-heard (telephone audio, fast speech).
# Like "oh" they count only next to a real digit, and only for readers that ask for them
# (personal-data detection: a misheard digit is still a digit of the identifier); word
# error rate must not: reading a misspelling as the right digit would hide an ASR error.
ASR_SPELLINGS_ID: dict[str, int] = {
    "drapan": 8, "dlapan": 8, "delapen": 8, "lapen": 8, "dura": 2, "duah": 2, "empet": 4, "enem": 6,
    "sembilang": 9, "semilan": 9, "tujuhh": 7, "tuju": 7, "kosog": 0,
}
TEENS_EN: dict[str, int] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_EN: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
# Indonesian words that are a whole number by themselves (the "se-" = one forms).
SINGLE_ID: dict[str, int] = {"sepuluh": 10, "sebelas": 11}
# Scales: Indonesian and English words that multiply the group before them.
SCALES_ID: dict[str, int] = {"ribu": 1000, "juta": 10**6, "miliar": 10**9, "milyar": 10**9, "triliun": 10**12}
SE_SCALES_ID: dict[str, int] = {"seratus": 100, "seribu": 1000, "sejuta": 10**6, "semiliar": 10**9,
                                "semilyar": 10**9, "setriliun": 10**12}
SCALES_EN: dict[str, int] = {"thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
REPEAT_PREFIX: dict[str, int] = {"double": 2, "dobel": 2, "triple": 3, "tripel": 3}
REPEAT_COUNT_ID: dict[str, int] = {"dua": 2, "tiga": 3, "empat": 4}
REPEAT_COUNT_EN: dict[str, int] = {"two": 2, "three": 3}
KALI_ID, KALI_EN = "kali", "times"

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class ReadOptions:
    """How :func:`read_numbers` reads.

    ``language``: "id", "en", or None for both (calls switch language; "oh" is then a
    zero only beside an English digit, which Indonesian text never has). ``joiners``:
    tokens that may sit between two numbers of one span without ending it (fillers,
    "titik", "strip"). ``asr_spellings``: also read Whisper's misspelt Indonesian digits
    ("drapan") next to a real digit.
    """

    language: str | None = None
    joiners: frozenset[str] = frozenset()
    asr_spellings: bool = False


@dataclass(frozen=True)
class _Lexicon:
    units: dict[str, int]
    context_digits: dict[str, int]  # digits only next to another number ("oh", ASR spellings)
    teens: dict[str, int]  # whole numbers 10–19 by themselves (EN teens, sepuluh, sebelas)
    tens_en: dict[str, int]
    scales: dict[str, int]  # after a group: ribu, thousand …
    se_scales: dict[str, int]  # a scale with its own "one": seratus, seribu …
    repeat_prefix: dict[str, int]
    repeat_count: dict[str, int]
    kali: frozenset[str]
    english: bool
    indonesian: bool


@lru_cache(maxsize=8)
def _lexicon(language: str | None, asr_spellings: bool) -> _Lexicon:
    if language not in (None, *LANGUAGES):
        raise ValueError(f"unknown number language {language!r}; use one of {LANGUAGES} or None")
    ind, eng = language in (None, "id"), language in (None, "en")
    context: dict[str, int] = {}
    if eng:
        context.update(dict.fromkeys(CONTEXT_ZERO_EN, 0))
    if ind and asr_spellings:
        context.update(ASR_SPELLINGS_ID)
    return _Lexicon(
        units={**(UNITS_ID if ind else {}), **(UNITS_EN if eng else {})},
        context_digits=context,
        teens={**(SINGLE_ID if ind else {}), **(TEENS_EN if eng else {})},
        tens_en=TENS_EN if eng else {},
        scales={**(SCALES_ID if ind else {}), **(SCALES_EN if eng else {})},
        se_scales=SE_SCALES_ID if ind else {},
        repeat_prefix=REPEAT_PREFIX,
        repeat_count={**(REPEAT_COUNT_ID if ind else {}), **(REPEAT_COUNT_EN if eng else {})},
        kali=frozenset(([KALI_ID] if ind else []) + ([KALI_EN] if eng else [])),
        english=eng,
        indonesian=ind,
    )


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Number:
    """One number in a token sequence: tokens ``start`` to ``end`` (exclusive).

    ``digits`` is the number as said ("nol" → "0", "dua ribu" → "2000", "double five"
    → "55"); ``value`` its integer value; ``form`` "written" (a token of digits, maybe
    with a scale word), "spoken" or "repeat"; ``scale`` the largest scale word used (1
    when none, 100 for "ratus"/"hundred", 1000 for "ribu"/"thousand", …).
    """

    start: int
    end: int
    digits: str
    value: int
    form: str
    scale: int = 1

    @property
    def spoken(self) -> bool:
        """Whether number words said it (not a written number alone)."""
        return self.form != "written" or self.end - self.start > 1

    @property
    def quantity(self) -> bool:
        """Said with a scale of a thousand or more ("lima puluh ribu"): an amount, never
        part of a digit string."""
        return self.scale >= 1000


@dataclass(frozen=True)
class NumberSpan:
    """Numbers said one after another (only joiners between them)."""

    pieces: tuple[Number, ...]

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end

    @property
    def digits(self) -> str:
        """The digit string the span reads as, leading zeros kept (identifiers)."""
        return "".join(p.digits for p in self.pieces)

    @property
    def used(self) -> tuple[int, ...]:
        """Indices of the tokens that carried a number (not the joiners between)."""
        return tuple(k for p in self.pieces for k in range(p.start, p.end))

    @property
    def value(self) -> int | None:
        """The quantity the span names: the value of its one number, or a year said in
        pairs ("nineteen eighty five", "sembilan belas delapan puluh lima" = 1985,
        "nineteen oh five" = 1905, "twenty twenty six" = 2026); None for a digit string
        read digit by digit ("nol delapan satu": an identifier — use ``digits``)."""
        p = self.pieces
        if len(p) == 1:
            return p[0].value if p[0].form != "repeat" else None
        if not (p[0].form == "spoken" and 10 <= p[0].value <= 99 and p[0].scale == 1):
            return None
        if len(p) == 2 and p[1].form == "spoken" and 10 <= p[1].value <= 99 and p[1].scale == 1:
            return p[0].value * 100 + p[1].value
        if (len(p) == 3 and p[1].digits == "0" and p[2].form == "spoken" and 1 <= p[2].value <= 9
                and p[1].end - p[1].start == 1):
            return p[0].value * 100 + p[2].value
        return None


# --------------------------------------------------------------------------- reader


class _Reader:
    """The grammar over one token sequence (kept as a class so the context rules can see
    the neighbours of a token)."""

    def __init__(self, toks: Sequence[str], options: ReadOptions) -> None:
        self.toks = toks
        self.n = len(toks)
        self.opts = options
        self.lx = _lexicon(options.language, options.asr_spellings)

    def tok(self, i: int) -> str:
        return self.toks[i] if 0 <= i < self.n else ""

    def written(self, i: int) -> bool:
        return self.tok(i).isdigit() and self.tok(i).isascii()

    def numberish(self, i: int, step: int) -> bool:
        """Whether the token at ``i`` is a number word or written number, looking past
        context digits ("oh oh four": all zeros) and joiners in direction ``step``."""
        lx = self.lx
        while 0 <= i < self.n and (self.toks[i] in lx.context_digits or self.toks[i] in self.opts.joiners):
            i += step
        t = self.tok(i)
        return bool(t) and (self.written(i) or t in lx.units or t in lx.teens or t in lx.tens_en
                            or t in lx.se_scales or t in lx.repeat_prefix)

    def english_before(self, i: int) -> bool:
        """Whether an English number word ends at ``i`` (looking back past "oh"s and joiners)."""
        while 0 <= i < self.n and (self.toks[i] in CONTEXT_ZERO_EN or self.toks[i] in self.opts.joiners):
            i -= 1
        t = self.tok(i)
        return t in UNITS_EN or t in TEENS_EN or t in TENS_EN or t in ("hundred", "double", "triple")

    def digit(self, i: int) -> int | None:
        """The single digit the token at ``i`` says, if any."""
        t = self.tok(i)
        if t in self.lx.units:
            return self.lx.units[t]
        if t in CONTEXT_ZERO_EN and t in self.lx.context_digits:
            # "oh" is a zero before a digit ("oh eight", "nineteen oh five") or after an
            # English one ("… nine oh"); after an Indonesian number it is the interjection
            # ("nomor sepuluh. Oh, itu …")
            return 0 if self.numberish(i + 1, +1) or self.english_before(i - 1) else None
        if t in self.lx.context_digits and (self.numberish(i - 1, -1) or self.numberish(i + 1, +1)):
            return self.lx.context_digits[t]
        return None

    def is_zero_word(self, i: int) -> bool:
        return self.digit(i) == 0

    # below 100 --------------------------------------------------------------

    def below100(self, i: int) -> tuple[int, int] | None:
        """(value, next index) of a number below 100 at ``i``."""
        t = self.tok(i)
        lx = self.lx
        if t in lx.teens:
            return lx.teens[t], i + 1
        if t in lx.tens_en:
            u = self.digit(i + 1)
            # "twenty one"; but "twenty oh" is no 20, and "twenty, two times five" is 20 55
            if u and self.tok(i + 1) not in lx.context_digits and self.tok(i + 2) not in lx.kali:
                return lx.tens_en[t] + u, i + 2
            return lx.tens_en[t], i + 1
        d = self.digit(i)
        if d is None:
            return None
        if lx.indonesian and d > 0 and self.tok(i + 1) == "belas":
            return 10 + d, i + 2
        if lx.indonesian and d > 0 and self.tok(i + 1) == "puluh":
            u = self.digit(i + 2)
            # "tiga puluh satu tujuh puluh empat" = 31 74; but "dua puluh dua belas" = 20 12
            # and "dua puluh dua kali lima" = 20 55
            if u and self.tok(i + 3) not in ("belas", "puluh", "ratus") and self.tok(i + 3) not in lx.kali:
                return d * 10 + u, i + 3
            return d * 10, i + 2
        return d, i + 1

    def after_and(self, j: int) -> int:
        """English "one hundred and five": skip the "and" when a number follows it."""
        if self.lx.english and self.tok(j) == "and" and self.below100(j + 1) is not None \
                and not self.is_zero_word(j + 1):
            return j + 1
        return j

    # below 1000 -------------------------------------------------------------

    def below1000(self, i: int) -> tuple[int, int, int] | None:
        """(value, next index, scale) of a number below 1000 at ``i``."""
        lx = self.lx
        t = self.tok(i)
        hundreds = None
        if t == "seratus" and lx.indonesian:
            hundreds, j = 100, i + 1
        elif t == "a" and lx.english and self.tok(i + 1) == "hundred":
            hundreds, j = 100, i + 2
        else:
            d = self.digit(i)
            if d and lx.indonesian and self.tok(i + 1) == "ratus":
                hundreds, j = d * 100, i + 2
            elif lx.english:
                # "one hundred", and the English "nineteen hundred" / "twenty five hundred"
                low = self.below100(i)
                if low is not None and low[0] > 0 and self.tok(low[1]) == "hundred":
                    hundreds, j = low[0] * 100, low[1] + 1
        if hundreds is None:
            low = self.below100(i)
            return (low[0], low[1], 1) if low is not None else None
        k = self.after_and(j)
        rest = self.below100(k)
        # "seratus nol lima" is a hundred then the digits 0 5, not 105
        if rest is not None and rest[0] > 0 and not self.is_zero_word(k):
            return hundreds + rest[0], rest[1], 100
        return hundreds, j, 100

    # any size ---------------------------------------------------------------

    def compound(self, i: int, limit: int | None = None) -> tuple[int, int, int] | None:
        """(value, next index, largest scale) of a number at ``i`` below ``limit``."""
        lx = self.lx
        t = self.tok(i)
        head: tuple[int, int, int] | None = None  # value, next, scale
        if t in lx.se_scales and lx.se_scales[t] >= 1000:
            head = (lx.se_scales[t], i + 1, lx.se_scales[t])
        elif t == "a" and lx.english and self.tok(i + 1) in SCALES_EN:
            s = SCALES_EN[self.tok(i + 1)]
            head = (s, i + 2, s)
        else:
            if self.written(i):
                # a written group before a scale word ("45 ribu", "2 juta 500 ribu")
                if t[0] == "0" or len(t) > 3 or self.tok(i + 1) not in lx.scales:
                    return None
                first: tuple[int, int, int] | None = (int(t), i + 1, 1)
            else:
                first = self.below1000(i)
            if first is None:
                return None
            s = lx.scales.get(self.tok(first[1]))
            if s is not None and limit is not None and s >= limit:
                return None  # "dua ribu | tiga ribu": the second group is a number of its own
            if s is None or first[0] == 0:
                return first if not self.written(i) else None
            head = (first[0] * s, first[1] + 1, s)
        value, j, scale = head
        if limit is not None and value >= limit:
            return None
        k = self.after_and(j)
        if self.is_zero_word(k):
            return head
        rest = self.compound(k, limit=scale)
        if rest is None and self.written(k) and self.tok(k)[0] != "0" and int(self.tok(k)) < scale:
            rest = (int(self.tok(k)), k + 1, 1)  # "dua ribu 500"
        if rest is not None and rest[0] > 0:
            return value + rest[0], rest[1], scale
        return head

    # one number -------------------------------------------------------------

    def number(self, i: int) -> Number | None:
        """The number that starts at token ``i``, or None."""
        lx = self.lx
        t = self.tok(i)
        if not t:
            return None
        if self.written(i):
            c = self.compound(i)
            if c is not None:
                return Number(i, c[1], str(c[0]), c[0], "written", c[2])
            return Number(i, i + 1, t, int(t), "written")
        if t in lx.repeat_prefix:
            d = self.digit(i + 1)
            if d is None and self.tok(i + 1) in lx.context_digits:
                d = lx.context_digits[self.tok(i + 1)]  # "triple oh"
            if d is None and self.written(i + 1) and len(self.tok(i + 1)) == 1:
                d = int(self.tok(i + 1))
            if d is None:
                return None
            digits = str(d) * lx.repeat_prefix[t]
            return Number(i, i + 2, digits, int(digits), "repeat")
        if t in lx.repeat_count and self.tok(i + 1) in lx.kali:
            d = self.digit(i + 2)
            if d is not None:  # "dua kali lima" = 55
                digits = str(d) * lx.repeat_count[t]
                return Number(i, i + 3, digits, int(digits), "repeat")
        c = self.compound(i)
        if c is None:
            return None
        value, j, scale = c
        if j == i + 1 and value < 10 and self.tok(j) in lx.repeat_count and self.tok(j + 1) in lx.kali \
                and self.digit(j + 2) is None:
            digits = str(value) * lx.repeat_count[self.tok(j)]  # "lima dua kali" = 55
            return Number(i, j + 2, digits, int(digits), "repeat")
        return Number(i, j, str(value), value, "spoken", scale)

    def spans(self) -> tuple[NumberSpan, ...]:
        out: list[NumberSpan] = []
        i = 0
        while i < self.n:
            first = self.number(i)
            if first is None:
                i += 1
                continue
            pieces = [first]
            j = first.end
            while not pieces[-1].quantity:
                k = j
                while k < self.n and self.toks[k] in self.opts.joiners:
                    k += 1
                nxt = self.number(k) if k < self.n else None
                if nxt is None or nxt.quantity:
                    break
                pieces.append(nxt)
                j = nxt.end
            out.append(NumberSpan(tuple(pieces)))
            i = j
        return tuple(out)


def read_number(tokens: Sequence[str], start: int, options: ReadOptions = ReadOptions()) -> Number | None:
    """The one number that starts at ``tokens[start]`` ("dua ribu dua puluh tiga" → 2023),
    or None when no number starts there."""
    return _Reader(tokens, options).number(start)


def read_numbers(tokens: Sequence[str], options: ReadOptions = ReadOptions()) -> tuple[NumberSpan, ...]:
    """Every number in normalised ``tokens``, grouped into spans of numbers said one after
    another (see the module docstring for the grammar)."""
    return _Reader(tokens, options).spans()


def words_to_digits(text: str, options: ReadOptions = ReadOptions()) -> str:
    """The digits of every number in ``text`` (whitespace-split, lower-cased), joined:
    "nol delapan satu" → "081", "sebelas ribu" → "11000". For tests and quick checks."""
    toks = text.casefold().replace("-", " ").replace(",", " ").split()
    return "".join(s.digits for s in read_numbers(toks, options))
