"""Find personal data in a call's utterances (Indonesian and English).

``detect_personal_data(utterances, options) -> tuple[PersonalDataFinding, ...]``

What is found, and how (docs/personal-data.md has the full rules):

- **identifiers** (NIK, NPWP, phone, bank account, card): digit runs from
  :mod:`call_qa.pii.numbers` — written, formatted or spoken, continued across the
  speaker's next Whisper segment — classified by the nearest *cue* ("NIK", "nomor HP",
  "account number" …, in the same utterance or the two before it, so the agent's
  question labels the caller's answer), by length and by structure (NIK region/date
  fields, NPWP format, Indonesian phone prefixes, the Luhn check for cards);
- **e-mail**: written (``budi@gmail.com``) or spoken ("budi at gmail dot com",
  Indonesian "et", "titik");
- **date of birth**: a date (numeric, "12 Agustus 1985", "July second, eighty-eight")
  near a birth cue ("lahir", "born", "date of birth");
- **address**: "Jalan/Jl./Gang/Komplek …", "RT … RW …", "42 Baker Street" with a
  house number or near an address cue ("alamat", "tinggal di", "I live at");
- **name**: every mention of the caller's own name, once identification has given it.

Timeline of a phone number read across two segments, with a backchannel between::

    customer: |nol delapan satu dua tiga|      |empat lima enam tujuh delapan|
    agent:                              |iya|
    finding:  |PHONE 0812345678 ..................................|
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from call_qa.domain import PersonalDataFinding, PersonalDataType as T, Role, Utterance, Word
from call_qa.pii.checks import nik_valid, npwp_valid, phone_valid
from call_qa.pii.numbers import (
    DIGIT_WORDS,
    DigitRun,
    NumTok,
    digit_runs,
    luhn_valid,
    read_piece,
    split_run,
    tokenize_word,
)

ALL_TYPES = frozenset(T)


@dataclass(frozen=True)
class DetectOptions:
    """Detection settings. ``caller_names``: the caller's name(s) from identification
    ("Hendra Wijaya"); ``context_utterances``/``context_s``: how far back a cue may be
    (the agent's question before the caller's answer); ``continue_gap_s``: longest pause
    across which an identifier continues in the same speaker's next segment;
    ``find_names``: also take the name the caller introduces, in any case."""

    types: frozenset[T] = ALL_TYPES
    caller_names: tuple[str, ...] = ()
    context_utterances: int = 2
    context_s: float = 20.0
    continue_gap_s: float = 6.0
    min_confidence: float = 0.0
    # also take the name a caller introduces ("nama saya budi santozo", any case)
    find_names: bool = True


# --------------------------------------------------------------------------- cue lexicon

_CUES: dict[T, tuple[str, ...]] = {
    T.NIK: ("nik", "ktp", "e ktp", "ektp", "nomor induk kependudukan", "induk kependudukan", "kependudukan",
            "kartu keluarga", "identity number", "id number", "national id", "identity card", "id card"),
    T.NPWP: ("npwp", "nomor pokok wajib pajak", "pokok wajib pajak", "wajib pajak", "nomor pajak", "tax id",
             "tax number", "taxpayer number", "taxpayer id", "tax identification number", "tax file number"),
    T.PHONE: ("hp", "handphone", "hape", "telepon", "telpon", "telp", "tlp", "ponsel", "whatsapp", "wa",
              "nomor yang bisa dihubungi", "dihubungi", "phone", "telephone", "mobile", "cell", "cellphone",
              "contact number", "my number", "callback number", "call back number", "reach you", "hubungi",
              "number to reach", "text me", "call me"),
    T.ACCOUNT: ("rekening", "norek", "no rek", "nomor rekening", "account", "account number", "bank account",
                "virtual account", "va"),
    T.CARD: ("kartu kredit", "kartu debit", "nomor kartu", "kartu atm", "card", "card number", "credit card",
             "debit card", "visa", "mastercard"),
    T.DOB: ("lahir", "kelahiran", "tanggal lahir", "tgl lahir", "birth", "born", "birthday", "date of birth",
            "dob"),
    T.EMAIL: ("email", "e mail", "surel", "surat elektronik", "alamat email", "email address", "alamat surel"),
    T.ADDRESS: ("alamat", "tinggal", "domisili", "address", "live", "living", "reside", "home address",
                "alamat rumah"),
}
_CUE_PHRASES: tuple[tuple[tuple[str, ...], T], ...] = tuple(
    sorted(((tuple(p.split()), t) for t, ps in _CUES.items() for p in ps), key=lambda x: -len(x[0]))
)

# Numbers that are not personal: a payment code, ticket or reference right before a run
# wins over any identifier cue further away.
_NOT_PERSONAL = tuple(tuple(p.split()) for p in (
    "kode billing", "billing", "ntpn", "efin", "tiket", "ticket", "referensi", "reference", "ref", "antrean",
    "antrian", "resi", "invoice", "order", "pesanan", "laporan", "pengaduan", "case", "case number", "nomor tiket",
    "bukti penerimaan", "bpe", "faktur", "serial", "kode", "code", "pin", "otp", "tagihan", "harga", "total",
))

# Lengths each identifier type may have; with a cue one digit more or less is accepted
# (Whisper drops or doubles a digit now and then).
_LENGTHS: dict[T, tuple[int, int]] = {
    T.NIK: (16, 16), T.NPWP: (15, 16), T.PHONE: (9, 14), T.ACCOUNT: (6, 18), T.CARD: (13, 19),
}
_AMOUNT = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_CURRENCY = frozenset({"rp", "rupiah", "idr", "dollar", "dollars", "usd", "juta", "ribu", "miliar", "million",
                       "thousand", "billion", "persen", "percent"})
# Words a speaker says between the pieces of one identifier ("…, ya, …").
_CONNECTORS = frozenset({"ya", "iya", "terus", "lalu", "lanjut", "kemudian", "then", "and", "dan", "okay", "oke"})
# Another speaker's words that do not interrupt an identifier read across segments.
_BACKCHANNELS = frozenset({"ya", "iya", "oke", "ok", "okay", "baik", "hm", "hmm", "mm", "em", "eh", "yes", "yeah",
                           "right", "sure", "lanjut", "silakan", "go", "on", "uh", "huh", "betul", "ya pak"})


def nik_plausible(d: str) -> bool:
    """A 16-digit NIK whose registered region and birth date (day + 40 for women) check
    out, with a non-zero serial (python-stdnum: :func:`call_qa.pii.checks.nik_valid`)."""
    return nik_valid(d)


def phone_shaped(d: str, plus: bool = False) -> bool:
    """Indonesian phone numbers: 08xx (10-13 digits), 628xx (11-14), +62 anything."""
    n = len(d)
    if d.startswith("08") and 10 <= n <= 13:
        return True
    if d.startswith("628") and 11 <= n <= 14:
        return True
    return plus and d.startswith("62") and 10 <= n <= 14


# --------------------------------------------------------------------------- tokens


@dataclass
class _Utt:
    index: int
    utt: Utterance
    words: tuple[Word, ...]
    toks: list[NumTok]
    cues: list[tuple[int, int, T]] = field(default_factory=list)  # (token start, token end, type)
    has_number: bool = False  # says a number of 5+ digits (a cue before it is used up)

    @property
    def lowercase(self) -> bool:
        return not any(ch.isupper() for ch in self.utt.text)


def utterance_words(u: Utterance) -> tuple[Word, ...]:
    """The utterance's words, or — for text-only transcripts — its whitespace-separated
    words with times spread evenly over the utterance."""
    if u.words:
        return u.words
    parts = u.text.split()
    if not parts:
        return ()
    step = (u.end - u.start) / len(parts)
    return tuple(Word(round(u.start + k * step, 3), round(u.start + (k + 1) * step, 3), p) for k, p in enumerate(parts))


def _strip_clitic(norm: str) -> str:
    return norm[:-3] if norm.endswith("nya") and len(norm) > 5 else norm


def _prepare(utterances: Sequence[Utterance]) -> list[_Utt]:
    out = []
    for ui, u in enumerate(utterances):
        words = utterance_words(u)
        toks: list[NumTok] = []
        for wi, w in enumerate(words):
            toks += tokenize_word(w.text, (ui, wi))
        item = _Utt(ui, u, words, toks, has_number=any(len(r.digits) >= 5 for r in digit_runs(toks))
                    or any(_date_at(toks, k) for k in range(len(toks))))
        # Indonesian clitics: "lahirnya", "rekeningnya", "emailnya" cue like the bare word
        norms = [_strip_clitic(t.norm) for t in toks]
        k = 0
        while k < len(norms):
            for phrase, typ in _CUE_PHRASES:
                if tuple(norms[k : k + len(phrase)]) == phrase:
                    item.cues.append((k, k + len(phrase), typ))
                    k += len(phrase) - 1
                    break
            k += 1
        out.append(item)
    return out


def _context(utts: list[_Utt], ui: int, opts: DetectOptions) -> list[_Utt]:
    """The utterances before ``ui`` (any speaker) a cue may come from, nearest first."""
    here = utts[ui].utt.start
    out = []
    for k in range(ui - 1, -1, -1):
        if len(out) >= opts.context_utterances or here - utts[k].utt.end > opts.context_s:
            break
        out.append(utts[k])
    return out


def _is_long_run_before(u: _Utt, tok_start: int) -> bool:
    return any(len(r.digits) >= 5 and r.end <= tok_start for r in digit_runs(u.toks[:tok_start]))


def _nearest_cue(utts: list[_Utt], ui: int, tok_start: int, tok_end: int, opts: DetectOptions,
                 allowed: Iterable[T] | None = None) -> T | None:
    """The cue nearest to tokens [tok_start, tok_end) of utterance ``ui``: before it in the
    same utterance (up to 12 tokens), right after it (up to 4), else in the context."""
    allowed = set(allowed) if allowed is not None else None
    u = utts[ui]
    best: tuple[int, T] | None = None
    for s, e, typ in u.cues:
        if allowed is not None and typ not in allowed:
            continue
        if e <= tok_start and tok_start - e <= 12:
            dist = tok_start - e
        elif s >= tok_end and s - tok_end <= 4:
            dist = 20 + (s - tok_end)
        else:
            continue
        if best is None or dist < best[0]:
            best = (dist, typ)
    if best is not None:
        return best[1]
    if _is_long_run_before(u, tok_start):
        return None  # an earlier number in this utterance answered the question already
    for depth, c in enumerate(_context(utts, ui, opts)):
        # a cue already answered in its own utterance ("… born the first of June") is used up
        cands = [(e, typ) for s, e, typ in c.cues
                 if (allowed is None or typ in allowed) and not _value_after(c, e)]
        if c.has_number and not cands:
            break  # a number or date said in between took the earlier question's cue
        if cands:
            return max(cands, key=lambda x: x[0])[1]  # the thing asked for last
    return None


def _value_after(u: _Utt, tok: int) -> bool:
    """Whether a number of 5+ digits or a date follows token ``tok`` in ``u``."""
    rest = u.toks[tok:]
    return any(len(r.digits) >= 5 for r in digit_runs(rest)) or any(_date_at(rest, k) for k in range(len(rest)))


# --------------------------------------------------------------------------- identifier runs


@dataclass
class _Run:
    parts: list[tuple[int, DigitRun]]  # (utterance index, run)

    @property
    def digits(self) -> str:
        return "".join(r.digits for _, r in self.parts)

    @property
    def formatted(self) -> bool:
        return any(r.formatted for _, r in self.parts)

    @property
    def plus(self) -> bool:
        return self.parts[0][1].plus

    @property
    def form(self) -> str:
        spoken = any(r.spoken for _, r in self.parts)
        written = any(r.written for _, r in self.parts)
        if self.formatted and not spoken:
            return "formatted"
        return "mixed" if spoken and written else "spoken" if spoken else "digits"


def _complete(digits: str, plus: bool = False) -> bool:
    n = len(digits)
    return n >= 15 or (phone_shaped(digits, plus) and n >= 12)


def _split_long(runs: list[DigitRun]) -> list[DigitRun]:
    """Two identifiers said back to back ("3174…0003, 0812…") are one digit run; longer
    than any identifier, it is cut after the first piece boundary where the digits so
    far make a complete identifier."""
    out: list[DigitRun] = []
    for r in runs:
        while len(r.digits) > 19 and len(r.bounds) > 1:
            cut = next((k for k, (_, _, n) in enumerate(r.bounds[:-1])
                        if n in (15, 16) or (phone_shaped(r.digits[:n], r.plus) and n >= 10)), None)
            if cut is None:
                break
            left, r = split_run(r, cut)
            out.append(left)
        out.append(r)
    return out


def _only(toks: list[NumTok], words: frozenset[str]) -> bool:
    return all(t.norm in words or t.kind == "sym" for t in toks)


def _identifier_runs(utts: list[_Utt], claimed: set[tuple[int, int]], opts: DetectOptions) -> list[_Run]:
    runs: list[_Run] = []
    per_utt: dict[int, list[DigitRun]] = {}
    for u in utts:
        found = [r for r in _split_long(digit_runs(u.toks)) if not any(u.toks[k].ref in claimed for k in r.used)]
        # join runs within an utterance separated only by a connector ("…, ya, …")
        joined: list[DigitRun] = []
        for r in found:
            if joined:
                prev = joined[-1]
                between = u.toks[prev.end : r.start]
                if (len(between) <= 2 and _only(between, _CONNECTORS) and not _complete(prev.digits, prev.plus)
                        and len(prev.digits) + len(r.digits) <= 16):
                    joined[-1] = DigitRun(prev.digits + r.digits, prev.start, r.end, prev.used + r.used,
                                          prev.spoken or r.spoken, prev.written or r.written,
                                          prev.formatted or r.formatted, prev.plus, prev.pieces + r.pieces)
                    continue
            joined.append(r)
        per_utt[u.index] = joined
    # continue an identifier into the same speaker's next segment
    open_run: dict[str, _Run] = {}  # speaker -> an identifier that may go on
    for u in utts:
        speaker = u.utt.speaker
        current = per_utt[u.index]
        if not current:
            if not _only(u.toks, _BACKCHANNELS | _CONNECTORS):
                open_run = {}  # real words from anyone end the reading
            continue
        prev = open_run.get(speaker)
        first = current[0]
        if (prev is not None and _only(u.toks[: first.start], _CONNECTORS | _BACKCHANNELS)
                and u.utt.start - utts[prev.parts[-1][0]].utt.end <= opts.continue_gap_s
                and not _complete(prev.digits, prev.plus) and len(prev.digits) + len(first.digits) <= 16):
            prev.parts.append((u.index, first))
            last = prev
        else:
            last = _Run([(u.index, first)])
            runs.append(last)
        for r in current[1:]:
            last = _Run([(u.index, r)])
            runs.append(last)
        tail = u.toks[current[-1].end :]
        open_run = {speaker: last} if _only(tail, _CONNECTORS | _BACKCHANNELS) else {}
    return runs


def _not_personal(u: _Utt, tok_start: int) -> bool:
    """A payment code/ticket/reference word closer before the run than any identifier cue."""
    norms = [_strip_clitic(t.norm) for t in u.toks]
    best_neg = None
    for k in range(max(0, tok_start - 6), tok_start):
        for phrase in _NOT_PERSONAL:
            if tuple(norms[k : k + len(phrase)]) == phrase and k + len(phrase) <= tok_start:
                best_neg = k + len(phrase)
    if best_neg is None:
        return False
    pos = [e for s, e, typ in u.cues if e <= tok_start and typ in _LENGTHS]
    return not pos or max(pos) < best_neg


def classify_identifier(digits: str, cue: T | None, formatted: bool = False, plus: bool = False,
                        surface: str = "") -> tuple[T, float, str] | None:
    """(type, confidence, reason) of a digit run, or None when it is no identifier.

    The registries' checks (:mod:`call_qa.pii.checks`: NIK region and birth date,
    NPWP check digit, libphonenumber) raise the confidence; failing them lowers it but
    never drops a number its cue and length call an identifier — a misheard digit
    breaks every check."""
    n = len(digits)
    if formatted and n in (15, 16) and re.fullmatch(r"\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}|\d{16}|\d{4}\.\d{4}\.\d{4}\.\d{4}", surface or ""):
        return T.NPWP, 0.97, "formatted like an NPWP (99.999.999.9-999.999)"
    if cue in _LENGTHS:
        lo, hi = _LENGTHS[cue]
        if lo <= n <= hi:
            conf, why = 0.9, f"{n} digits after a {cue.value} cue"
            if cue is T.NIK:
                conf, why = (0.97, why + ", region and birth date check out") if nik_valid(digits) else (0.85, why)
            elif cue is T.NPWP:
                conf, why = (0.97, why + ", check digit correct") if npwp_valid(digits) else (0.85, why)
            elif cue is T.CARD:
                conf = 0.97 if luhn_valid(digits) else 0.8
            elif cue is T.PHONE:
                if phone_valid(digits, plus):
                    conf, why = 0.97, why + ", a valid number (libphonenumber)"
                else:
                    conf = 0.9 if phone_shaped(digits, plus) or digits.startswith("0") else 0.85
            return cue, conf, why
        if cue in (T.NIK, T.NPWP, T.CARD, T.PHONE) and lo - 1 <= n <= hi + 1:
            return cue, 0.7, f"{n} digits after a {cue.value} cue (one digit more or less than expected: ASR)"
        if n >= 6 and cue is not T.PHONE and not phone_shaped(digits, plus):
            # a foreign tax ID (9 digits), a short account: the cue says what it is
            return cue, 0.6, f"{n} digits after a {cue.value} cue (unusual length for it)"
    if phone_shaped(digits, plus):
        return T.PHONE, 0.9, "Indonesian phone number shape (08…, 62…)"
    if plus and phone_valid(digits, plus):
        return T.PHONE, 0.9, "an international number (libphonenumber)"
    if n == 16 and nik_valid(digits):
        return T.NIK, 0.85, "16 digits with a NIK's registered region and birth date"
    if 13 <= n <= 19 and digits[0] in "3456" and luhn_valid(digits):
        return T.CARD, 0.8, "card number length and Luhn check"
    if n == 15:
        if npwp_valid(digits):
            return T.NPWP, 0.85, "15 digits with an NPWP check digit"
        return T.NPWP, 0.75, "15 digits (NPWP length)"
    if n >= 10:
        return T.ACCOUNT, 0.5, f"unlabelled {n}-digit number"
    return None


# --------------------------------------------------------------------------- dates of birth

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "maret": 3,
    "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7,
    "july": 7, "jul": 7, "agustus": 8, "august": 8, "aug": 8, "agu": 8, "agt": 8, "september": 9, "sept": 9,
    "sep": 9, "oktober": 10, "october": 10, "oct": 10, "okt": 10, "november": 11, "nopember": 11, "nov": 11,
    "desember": 12, "december": 12, "dec": 12, "des": 12,
}
_ORD_UNITS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
              "eighth": 8, "ninth": 9}
_ORD_SPECIAL = {"tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
                "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
                "thirtieth": 30}
_ORD_DIGITS = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")


def _read_day(toks: list[NumTok], i: int) -> tuple[int, int] | None:
    n = len(toks)
    if i >= n:
        return None
    t = toks[i].norm
    if t in ("the", "tanggal", "tgl") and i + 1 < n:
        r = _read_day(toks, i + 1)
        return r
    m = _ORD_DIGITS.match(t)
    if m:
        return int(m.group(1)), i + 1
    if t in _ORD_UNITS:
        return _ORD_UNITS[t], i + 1
    if t in _ORD_SPECIAL:
        return _ORD_SPECIAL[t], i + 1
    if t in ("twenty", "thirty") and i + 1 < n and toks[i + 1].norm in _ORD_UNITS:
        return (20 if t == "twenty" else 30) + _ORD_UNITS[toks[i + 1].norm], i + 2
    p = read_piece(toks, i)
    if p is not None and len(p.digits) <= 2 and 1 <= int(p.digits) <= 31:
        return int(p.digits), p.end
    return None


def _read_month(toks: list[NumTok], i: int) -> tuple[int, int] | None:
    n = len(toks)
    if i < n and toks[i].norm == "of":
        i += 1
    if i < n and toks[i].norm in MONTHS:
        return MONTHS[toks[i].norm], i + 1
    if i < n and toks[i].norm == "bulan":
        p = read_piece(toks, i + 1) if i + 1 < n else None
        if p is not None and 1 <= int(p.digits) <= 12:
            return int(p.digits), p.end
    return None


def _read_year(toks: list[NumTok], i: int) -> tuple[str, int] | None:
    n = len(toks)
    while i < n and (toks[i].norm in ("tahun", "year", "in") or toks[i].kind == "sym"):
        i += 1
    if i >= n:
        return None
    digits, j = "", i
    for _ in range(3):
        if j >= n:
            break
        p = read_piece(toks, j)
        if p is None:
            break
        if len(digits + p.digits) > 4:
            break
        digits, j = digits + p.digits, p.end
        if len(digits) == 4:
            break
    if len(digits) == 4 and 1900 <= int(digits) <= 2099:
        return digits, j
    if len(digits) == 2:
        return digits, j
    return None


def _date_at(toks: list[NumTok], i: int) -> tuple[str, int] | None:
    """A date starting at token ``i``: (ISO-like value, end index), or None."""
    t = toks[i]
    if t.kind == "date":
        return t.surface, i + 1
    if t.norm in MONTHS and t.norm not in ("may", "mar", "jan", "des", "sep", "jun", "jul") or (
            t.norm in MONTHS and i + 1 < len(toks) and _read_day(toks, i + 1)):
        month = MONTHS[t.norm]
        day = _read_day(toks, i + 1)
        if day is not None:
            year = _read_year(toks, day[1])
            return (f"{year[0] if year else '----'}-{month:02d}-{day[0]:02d}", year[1] if year else day[1])
        year = _read_year(toks, i + 1)
        if year is not None:
            return f"{year[0]}-{month:02d}", year[1]
        return None
    day = _read_day(toks, i)
    if day is None:
        return None
    month = _read_month(toks, day[1])
    if month is None:
        return None
    year = _read_year(toks, month[1])
    end = year[1] if year else month[1]
    return f"{year[0] if year else '----'}-{month[0]:02d}-{day[0]:02d}", end


# --------------------------------------------------------------------------- e-mail

_TLDS = frozenset({"com", "id", "net", "org", "co", "go", "ac", "sch", "or", "edu", "gov", "info", "biz", "io",
                   "me", "my", "sg", "web", "mil", "us", "uk", "au"})
_DOT = frozenset({"dot", "titik", "<.>", "dotcom"})
_AT = frozenset({"at", "et", "<@>", "add", "di"})  # "di": Indonesian "at", only before domain + TLD
_LOCAL_SEP = {"dot": ".", "titik": ".", "<.>": ".", "underscore": "_", "strip": "-", "<->": "-", "dash": "-"}
_LOCAL_STOP = frozenset({"email", "e", "mail", "saya", "adalah", "is", "my", "it", "its", "nya", "emailnya",
                         "yaitu", "ya", "address", "alamat", "the", "di", "ke", "kirim", "send", "to", "pak", "bu",
                         "ibu", "bapak", "surel", "yes", "iya", "itu", "namanya", "sure", "oke", "okay", "baik",
                         "that", "thats", "sudah", "punya", "me", "us", "please", "tolong", "kirimkan", "ini", "and"})


def _email_at(toks: list[NumTok], k: int) -> tuple[int, int, str] | None:
    """A spoken e-mail around the "at" token ``k``: (start, end, value)."""
    n = len(toks)
    j = k + 1
    domain: list[str] = []
    labels = 0
    while j < n and labels < 3 and toks[j].kind == "word" and toks[j].norm not in _DOT and toks[j].norm.isalnum():
        domain.append(toks[j].norm)
        labels += 1
        j += 1
    if not domain:
        return None
    tld_seen = False
    parts = ["".join(domain)]
    while j < n:
        if toks[j].norm == "dotcom":
            parts.append("com")
            tld_seen, j = True, j + 1
            continue
        if toks[j].norm in _DOT and j + 1 < n and toks[j + 1].kind == "word" and toks[j + 1].norm.isalnum():
            parts.append(toks[j + 1].norm)
            tld_seen |= toks[j + 1].norm in _TLDS
            j += 2
            continue
        break
    if not tld_seen:
        return None
    # local part: back from "at" over name pieces, digits and spoken separators
    local: list[str] = []
    s = k - 1
    while s >= 0 and len(local) < 6:
        tok = toks[s]
        if tok.norm in _LOCAL_SEP and local:
            local.insert(0, _LOCAL_SEP[tok.norm])
        elif tok.kind == "num":
            local.insert(0, tok.digits)
        elif tok.kind == "word" and tok.norm.isalnum() and tok.norm not in _LOCAL_STOP:
            p = read_piece(toks, s) if tok.norm in _DIGIT_ONLY else None
            local.insert(0, p.digits if p is not None and p.end == s + 1 else tok.norm)
        else:
            break
        s -= 1
    while local and local[0] in ".-_":
        local.pop(0)
        s += 1
    if not local:
        return None
    return s + 1, j, "".join(local) + "@" + ".".join(parts)


_DIGIT_ONLY = frozenset(DIGIT_WORDS)


# --------------------------------------------------------------------------- address

_ADDR_TRIGGERS_ID = frozenset({"jalan", "jl", "jln", "gang", "gg", "komplek", "kompleks", "perumahan", "perum",
                               "blok", "rt", "apartemen", "dusun", "desa"})
_ADDR_SUFFIX_EN = frozenset({"street", "st", "road", "rd", "avenue", "ave", "lane", "drive", "way", "boulevard",
                             "blvd", "court", "crescent", "place", "terrace"})
_ADDR_WORDS = frozenset({"no", "nomor", "nomer", "number", "rt", "rw", "blok", "block", "gang", "gg", "kelurahan",
                         "kel", "kecamatan", "kec", "kota", "kabupaten", "kab", "desa", "dusun", "provinsi", "prov",
                         "kode", "pos", "unit", "apartment", "apt", "lantai", "floor", "jalan", "jl", "jln", "raya",
                         "<.>", "<->", "</>", "komplek", "perumahan", "flat", "suite"}) | _ADDR_SUFFIX_EN
_ADDR_ABBREV = frozenset({"no", "jl", "jln", "rt", "rw", "kel", "kec", "gg", "st", "rd", "ave", "apt", "kab",
                          "prov", "blvd"})
_ADDR_STOP = frozenset({"dan", "di", "ke", "yang", "itu", "ini", "saya", "sekitar", "pak", "bu", "bapak", "ibu",
                        "ya", "untuk", "dengan", "ada", "sudah", "tadi", "jam", "pada", "kalau", "atau", "juga",
                        "mau", "bisa", "and", "the", "at", "in", "on", "near", "around", "i", "my", "is", "it",
                        "to", "for", "yes", "please", "mbak", "mas", "sir", "madam", "thank", "thanks", "terima",
                        "kasih", "betul", "benar", "correct", "right", "that", "apa", "tidak", "bukan", "no"})


def _is_number_tok(toks: list[NumTok], k: int) -> bool:
    return toks[k].kind == "num" or read_piece(toks, k) is not None


def _address_span(u: _Utt, start: int) -> int:
    """End (exclusive) of the address that starts at token ``start``."""
    toks = u.toks
    lower = u.lowercase
    k = start
    while k < len(toks) and k - start < 30:
        t = toks[k]
        if k > start:
            prev_word = u.words[toks[k - 1].ref[1]].text
            if toks[k - 1].ref != t.ref and prev_word.rstrip().endswith((".", "?", "!")) and \
                    toks[k - 1].norm not in _ADDR_ABBREV:
                break
        if t.norm in _ADDR_WORDS or t.kind in ("num", "sym"):
            k += 1
            continue
        if t.norm in _ADDR_STOP and not (t.norm == "no" and k + 1 < len(toks) and _is_number_tok(toks, k + 1)):
            break
        piece = read_piece(toks, k)
        if piece is not None:
            k = piece.end
            continue
        if t.kind == "word" and t.norm.isalpha() and (t.capitalized or lower):
            k += 1
            continue
        break
    while k > start and (toks[k - 1].kind == "sym"):
        k -= 1
    return k


def _addresses(u: _Utt, utts: list[_Utt], claimed: set, opts: DetectOptions) -> list[tuple[int, int, float, str]]:
    toks = u.toks
    out: list[tuple[int, int, float, str]] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        start = None
        if t.norm in _ADDR_TRIGGERS_ID and k + 1 < len(toks):
            nxt = toks[k + 1]
            if t.norm in ("jalan", "desa", "dusun", "blok", "gang") and not (
                    nxt.capitalized or nxt.kind == "num" or nxt.norm in ("raya",) or (u.lowercase and nxt.norm not in _ADDR_STOP)):
                k += 1
                continue
            start = k
        elif t.norm in _ADDR_SUFFIX_EN and k >= 2 and t.kind == "word":
            s = k - 1
            while s >= 0 and toks[s].kind == "word" and toks[s].capitalized and toks[s].norm not in _ADDR_STOP:
                s -= 1
            if s < k - 1 and s >= 0 and _is_number_tok(toks, s):
                # back over a spoken/written house number
                while s - 1 >= 0 and _is_number_tok(toks, s - 1):
                    s -= 1
                start = s
            elif s < k - 1:
                start = s + 1
        if start is None:
            k += 1
            continue
        end = _address_span(u, start)
        if end - start < 2:
            k += 1
            continue
        span = toks[start:end]
        has_number = any(x.kind == "num" or x.norm in ("rt", "rw", "no", "nomor", "nomer", "number", "blok")
                         or _is_number_tok(toks, start + i) for i, x in enumerate(span))
        cue = _nearest_cue(utts, u.index, start, end, opts, allowed=(T.ADDRESS,)) is not None
        if not (has_number or cue):
            k = end
            continue
        if any(x.ref in claimed for x in span):
            k = end
            continue
        conf = 0.9 if has_number and cue else 0.8 if has_number else 0.7
        value = " ".join(x.surface for x in span if x.kind != "sym")
        out.append((start, end, conf, value))
        k = end
    return out


# --------------------------------------------------------------------------- names

_NAME_EXCLUDE = frozenset({"bapak", "pak", "ibu", "bu", "mas", "mbak", "saya", "mr", "mrs", "ms", "miss", "sir",
                           "madam", "dengan", "nama", "name", "my", "is", "the", "ya", "iya"})


_HONORIFICS = frozenset({"bapak", "pak", "ibu", "bu", "mr", "mrs", "ms", "miss", "saudara", "saudari", "sdr", "tuan",
                         "nyonya"})
_THIRD_PARTY = tuple(tuple(p.split()) for p in (
    "ibu kandung", "nama ibu kandung", "maiden name", "mothers maiden name", "atas nama", "in the name of",
    "account holder", "pemilik rekening"))


def _name_word(t: NumTok) -> bool:
    return (t.kind == "word" and t.capitalized and t.norm.isalpha() and len(t.norm) >= 2
            and t.norm not in _NAME_EXCLUDE and t.norm not in _ADDR_STOP and t.surface[1:2].islower())


def _clause_end(u: _Utt, k: int) -> bool:
    """Whether token ``k`` ends a clause (its word ends with , . ? ! ; :)."""
    t = u.toks[k]
    word = u.words[t.ref[1]].text.rstrip()
    last_tok_of_word = k + 1 >= len(u.toks) or u.toks[k + 1].ref != t.ref
    return last_tok_of_word and word.endswith((",", ".", "?", "!", ";", ":"))


def _name_tokens(names: Iterable[str]) -> frozenset[str]:
    out = set()
    for name in names:
        for part in re.split(r"[\s.,]+", name):
            p = part.strip("'\"").casefold()
            if len(p) >= 2 and p.isalpha() and p not in _NAME_EXCLUDE and not _number_word(p):
                out.add(p)
    return frozenset(out)


# Lower-case or misspelt names: identification reads capitalised words (Whisper
# capitalises most names); these find the name a caller introduces in any case, and
# every later mention of it that sounds alike.
_INTRO = tuple(sorted((tuple(p.split()) for p in (
    "nama saya", "nama lengkap saya", "namanya", "atas nama", "dengan bapak", "dengan ibu", "dengan pak",
    "dengan bu", "dengan saudara", "dengan saudari", "my name is", "my names", "my full name is", "the name is",
    "name is")), key=len, reverse=True))
# cues by which an agent names the caller ("dengan Bapak Budi?"), taken from the
# agent only in a question: "silakan dengan Pak Hendro" puts a colleague on the line
_ASKED_INTRO = frozenset(p for p in _INTRO if p[0] == "dengan")
# "saya Budi Santoso." / "this is Daniel." name the speaker only as an answer to a name
# question, in a clause of their own
_BARE_INTRO = (("saya",), ("ini",), ("this", "is"), ("its",), ("i", "am"), ("im",))
_NAME_QUESTION = frozenset({"nama", "name", "siapa", "who", "speaking"})
# a word this common in Indonesian or English is no name (wordfreq's Zipf scale: 5 is
# once in 100,000 words; "budi" 4.7, "santoso" 4.0, "siapa" 6.1, "tanya" 5.2)
_COMMON_ZIPF = 5.0


def _common_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    return max(zipf_frequency(word, "id"), zipf_frequency(word, "en")) >= _COMMON_ZIPF


def _name_like(norm: str) -> bool:
    """Could be part of a name, whatever its case: letters, not an honorific, stopword
    or common word."""
    return (norm.isalpha() and len(norm) >= 2 and norm not in _NAME_EXCLUDE and norm not in _HONORIFICS
            and norm not in _ADDR_STOP and not (len(norm) > 5 and norm.endswith("nya"))  # "penyewanya"
            and not _number_word(norm) and not _common_word(norm))


def _number_word(norm: str) -> bool:
    """A digit said as a word, Whisper's misspellings included ("Tiga", "Sambilan")."""
    return read_piece([NumTok(norm, (0, 0), norm)], 0) is not None


_NO_JOIN = (_NAME_EXCLUDE - _HONORIFICS) | frozenset({"ya", "yang", "dan", "ke", "ini", "itu", "and", "the", "to"})


def _name_piece(toks: list[NumTok], k: int) -> int:
    """Tokens (1 or 2) of one name word at ``k``, 0 when none: Whisper splits unknown
    names into syllables ("bu di santo so"), so two short tokens that join into a name
    word ("bu"+"di" = "budi") are one."""
    if k >= len(toks) or toks[k].kind != "word":
        return 0
    if k + 1 < len(toks) and toks[k + 1].kind == "word":
        a, b = toks[k].norm, toks[k + 1].norm
        if (a.isalpha() and b.isalpha() and min(len(a), len(b)) <= 3 and max(len(a), len(b)) <= 5
                and a not in _NO_JOIN and b not in _NO_JOIN
                and not (a in _HONORIFICS and _name_like(b))  # "Ibu Ratna" is no "Iburatna"
                and (not _name_like(a) or not _name_like(b)) and _name_like(a + b)):
            return 2
    return 1 if _name_like(toks[k].norm) else 0


def _name_after(u: _Utt, start: int, bare: bool) -> int:
    """End (exclusive) of the name starting at token ``start`` (honorifics skipped by
    the caller), ``start`` when there is none; a bare intro needs the clause to end
    with the name."""
    k = start
    while k < len(u.toks) and k - start < 5:
        width = _name_piece(u.toks, k)
        if not width:
            break
        k += width
        if _clause_end(u, k - 1):
            break
    if k == start:
        return start
    if bare and not (k >= len(u.toks) or _clause_end(u, k - 1)):
        return start
    return k


def _introduced_names(utts: list[_Utt]) -> list[tuple[_Utt, int, int]]:
    """(utterance, first token, end token) of every name introduced in the call."""
    out = []
    for u in utts:
        norms = [t.norm for t in u.toks]
        agent = u.utt.role == Role.AGENT
        question = u.utt.text.rstrip().endswith("?")
        asked = any(n in _NAME_QUESTION for c in _context(utts, u.index, DetectOptions(context_utterances=1))
                    for n in (t.norm for t in c.toks))
        k = 0
        while k < len(norms):
            hit = next((p for p in _INTRO if tuple(norms[k:k + len(p)]) == p
                        and (not agent or (p in _ASKED_INTRO and question))), None)
            bare = False
            if hit is None and asked and not agent and (k == 0 or _clause_end(u, k - 1)):
                hit = next((p for p in _BARE_INTRO if tuple(norms[k:k + len(p)]) == p), None)
                bare = hit is not None
            if hit is None:
                k += 1
                continue
            s_ = k + len(hit)
            while s_ < len(norms) and norms[s_] in _HONORIFICS and _name_piece(u.toks, s_) != 2:
                s_ += 1
            e = _name_after(u, s_, bare)
            if e > s_:
                out.append((u, s_, e))
                k = e
            else:
                k += 1
    # a bare answer right after the agent asked for the name: "budi santozo."
    for u in utts:
        if u.index == 0 or not u.toks:
            continue
        prev = utts[u.index - 1]
        if u.utt.role == Role.AGENT or prev.utt.speaker == u.utt.speaker or not any(t.norm in _NAME_QUESTION for t in prev.toks):
            continue
        e = _name_after(u, 0, bare=True)
        if e >= 1 and (e >= 2 or len(u.toks) == 1) and not any(o[0] is u for o in out):
            out.append((u, 0, e))
    return out


def _name_units(norms: Sequence[str]) -> set[str]:
    """What a name's later mentions are matched against: its words of 3+ letters, and
    short syllables Whisper split joined with their neighbour ("bu di" → "budi")."""
    units = {n for n in norms if len(n) >= 3 and n.isalpha()}
    for a, b in zip(norms, norms[1:]):
        if len(a) <= 5 and len(b) <= 5:
            units.add(a + b)
    return units


_KEY_RULES = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("kh", "k"), ("ch", "k"), ("ph", "f"),
              ("th", "t"), ("dh", "d"), ("q", "k"), ("x", "ks"), ("z", "s"), ("v", "f"), ("y", "i"))


def _sound_key(word: str) -> str:
    """A sound-alike key for Indonesian and English spellings of a name: old and new
    Indonesian spelling (oe/u, dj/j, tj/c), z/s, v/f, ph/f, kh/k, y/i, h after a vowel
    dropped, doubled letters once ("Santozo", "Santoso" → "santoso"; "Khusumah",
    "Kusuma" → "kusuma")."""
    w = "".join(ch for ch in word.casefold() if ch.isalpha())
    for a, b in _KEY_RULES:
        w = w.replace(a, b)
    w = w[:1] + "".join(ch for i, ch in enumerate(w[1:], 1) if not (ch == "h" and w[i - 1] in "aeiou"))
    return "".join(ch for i, ch in enumerate(w) if i == 0 or ch != w[i - 1])


def _sounds_alike(candidate: str, keys: dict[str, str]) -> bool:
    """``candidate`` (a sound key) matches a name unit's key: exactly for 4 letters or
    fewer, else by rapidfuzz's normalised similarity (85 for 5 letters, 80 longer) with
    the same first letter."""
    from rapidfuzz import fuzz

    if candidate in keys:
        return True
    if len(candidate) < 5:
        return False
    need = 85 if len(candidate) == 5 else 80
    return any(k[:1] == candidate[:1] and abs(len(k) - len(candidate)) <= 2 and fuzz.ratio(candidate, k) >= need
               for k in keys if len(k) >= 5)


def _mention_at(toks: list[NumTok], k: int, keys: dict[str, str], names: frozenset[str]) -> int:
    """Tokens (1 to 3) at ``k`` that are a mention of the caller's name, 0 when none:
    an exact word of the name, or 1-3 tokens whose joined sound key matches a unit."""
    t = toks[k]
    if t.kind != "word":
        return 0
    if t.norm in names:
        return 1
    for width in (3, 2, 1):
        part = toks[k:k + width]
        if len(part) < width or any(x.kind != "word" or not x.norm.isalpha() for x in part):
            continue
        if width > 1 and (any(len(x.norm) > 5 or x.norm in _NO_JOIN for x in part)
                          or all(_common_word(x.norm) for x in part)):
            continue  # only Whisper's syllables are joined ("bu di" → "budi"), never plain words
        joined = "".join(x.norm for x in part)
        if len(joined) < 4 or joined in _NAME_EXCLUDE or joined in _HONORIFICS or _common_word(joined):
            continue
        if width == 1 and not _name_like(joined):
            continue
        if _sounds_alike(_sound_key(joined), keys):
            return width
    return 0


# --------------------------------------------------------------------------- main


def detect_personal_data(utterances: Sequence[Utterance], options: DetectOptions = DetectOptions()
                         ) -> tuple[PersonalDataFinding, ...]:
    """Every piece of personal data in ``utterances`` (in transcript order), as findings
    with type, words, times, speaker, role and confidence. Utterances without word
    timings are handled on their text (times spread over the utterance)."""
    utts = _prepare(utterances)
    claimed: set[tuple[int, int]] = set()
    raw: list[tuple[T, list[tuple[int, int]], float, str, str, str]] = []  # type, refs, conf, value, form, reason

    def add(typ: T, refs: list[tuple[int, int]], conf: float, value: str, form: str, reason: str) -> None:
        refs = sorted(set(refs))
        if typ not in options.types or conf < options.min_confidence or any(r in claimed for r in refs):
            return
        claimed.update(refs)
        raw.append((typ, refs, conf, value, form, reason))

    # e-mail (claims its digits before the identifier pass)
    for u in utts:
        for k, t in enumerate(u.toks):
            if t.kind == "email":
                add(T.EMAIL, [t.ref], 0.98, t.norm, "text", "written e-mail address")
            elif t.norm in _AT:
                found = _email_at(u.toks, k)
                if found:
                    s, e, value = found
                    add(T.EMAIL, [x.ref for x in u.toks[s:e]], 0.9, value, "spoken", "spoken e-mail (… at … dot …)")
    # dates of birth
    for u in utts:
        k = 0
        while k < len(u.toks):
            d = _date_at(u.toks, k) if u.toks[k].ref not in claimed else None
            if d is None:
                k += 1
                continue
            value, end = d
            if _nearest_cue(utts, u.index, k, end, options, allowed=(T.DOB,)) is not None:
                form = "digits" if all(x.kind in ("num", "date") for x in u.toks[k:end] if x.norm not in MONTHS) else "spoken"
                add(T.DOB, [x.ref for x in u.toks[k:end]], 0.9, value, form, "date near a birth-date cue")
            k = end
    # a birth year alone, right after the cue: "lahir (tahun) sembilan puluh", "born in 1975"
    for u in utts:
        for s_, e_, typ in u.cues:
            if typ is not T.DOB or e_ >= len(u.toks) or u.toks[e_].ref in claimed:
                continue
            year = _read_year(u.toks, e_)
            if year is not None:
                add(T.DOB, [x.ref for x in u.toks[e_:year[1]] if x.norm not in ("tahun", "year", "in")], 0.8,
                    year[0], "spoken" if any(x.kind == "word" for x in u.toks[e_:year[1]]) else "digits",
                    "birth year after a birth cue")
    # identifiers
    for run in _identifier_runs(utts, claimed, options):
        ui0, r0 = run.parts[0]
        if len(run.parts) == 1 and r0.pieces == 1 and _AMOUNT.match(utts[ui0].toks[r0.start].surface):
            continue  # "12.500.000": an amount written with thousands separators
        nxt = utts[ui0].toks[r0.end].norm if r0.end < len(utts[ui0].toks) else ""
        before = utts[ui0].toks[r0.start - 1].norm if r0.start > 0 else ""
        if nxt in _CURRENCY or before in _CURRENCY:
            continue
        cue = _nearest_cue(utts, ui0, r0.start, r0.end, options,
                           allowed=(T.NIK, T.NPWP, T.PHONE, T.ACCOUNT, T.CARD))
        if _not_personal(utts[ui0], r0.start):
            continue
        surface = utts[ui0].toks[r0.start].surface if len(run.parts) == 1 and r0.pieces == 1 else ""
        got = classify_identifier(run.digits, cue, run.formatted, run.plus, surface)
        if got is None:
            continue
        typ, conf, reason = got
        refs = [utts[ui].toks[k].ref for ui, r in run.parts for k in range(r.start, r.end)]
        value = ("+" if run.plus else "") + run.digits
        add(typ, refs, conf, value, run.form, reason)
    # addresses
    for u in utts:
        for s, e, conf, value in _addresses(u, utts, claimed, options):
            add(T.ADDRESS, [x.ref for x in u.toks[s:e]], conf, value, "text", "street address")
    # the caller's name: as identification gave it, and as the caller says it (any case,
    # Whisper's spelling), then every mention of it that sounds alike
    names = _name_tokens(options.caller_names)
    units: set[str] = set(names)
    if options.find_names:
        for u, s_, e in _introduced_names(utts):
            if not any(x.ref in claimed for x in u.toks[s_:e]):
                add(T.NAME, [x.ref for x in u.toks[s_:e]], 0.85, " ".join(x.surface for x in u.toks[s_:e]), "text",
                    "a name after the caller's introduction ('nama saya', 'my name is' …)")
                units |= _name_units([x.norm for x in u.toks[s_:e]])
    if units:
        keys = {_sound_key(n): n for n in units if len(n) >= 3}
        for u in utts:
            k = 0
            while k < len(u.toks):
                width = _mention_at(u.toks, k, keys, names)
                if not width:
                    k += 1
                    continue
                e = k + width
                while e < len(u.toks) and not _clause_end(u, e - 1) and (more := _mention_at(u.toks, e, keys, names)):
                    e += more  # "budi" and "santoso": one mention of the full name
                width = e - k
                # "Ratna Kusuma" when only "Ratna" was known: capitalised words that
                # follow in the same clause are the rest of the name
                while (e < len(u.toks) and e - k < 4 and _name_word(u.toks[e])
                       and not _clause_end(u, e - 1)):
                    e += 1
                exact = all(x.norm in names for x in u.toks[k:k + width])
                value = " ".join(x.surface for x in u.toks[k:e])
                add(T.NAME, [x.ref for x in u.toks[k:e]], 0.9 if exact else 0.75, value, "text",
                    "the caller's name" + ("" if exact else " (sounds alike)"))
                k = e
    # other people's names said with their role: a mother's maiden name, an account holder
    for u in utts:
        norms = [t.norm for t in u.toks]
        for k in range(len(norms)):
            for phrase in _THIRD_PARTY:
                if tuple(norms[k : k + len(phrase)]) != phrase:
                    continue
                s_ = k + len(phrase)
                while s_ < len(u.toks) and u.toks[s_].norm in _HONORIFICS:
                    s_ += 1
                e = s_
                while e < len(u.toks) and e - s_ < 3 and _name_word(u.toks[e]) and (e == s_ or not _clause_end(u, e - 1)):
                    e += 1
                if e > s_:
                    add(T.NAME, [x.ref for x in u.toks[s_:e]], 0.8, " ".join(x.surface for x in u.toks[s_:e]), "text",
                        f"a name after '{' '.join(phrase)}'")

    findings = []
    for typ, refs, conf, value, form, reason in raw:
        first_u = utts[refs[0][0]]
        words = [utts[ui].words[wi] for ui, wi in refs]
        findings.append(PersonalDataFinding(
            type=typ,
            start=min(w.start for w in words),
            end=max(w.end for w in words),
            speaker=first_u.utt.speaker,
            role=first_u.utt.role,
            words=tuple(refs),
            confidence=round(conf, 3),
            value=value,
            form=form,
            reason=reason,
        ))
    findings.sort(key=lambda f: (f.words[0], f.type.value))
    return tuple(findings)
