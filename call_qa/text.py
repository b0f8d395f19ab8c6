"""Text normalisation and whole-word phrase matching for rubric cues.

Transcripts (Whisper output) and cue phrases are both reduced to the same form —
lowercase, punctuation stripped, whitespace collapsed — so that "Selamat siang," and
"selamat  siang" both match the cue "selamat siang". Matching is on whole tokens, so
the cue "ibu" never fires inside "ibukota", and a hyphen separates tokens
("kira-kira" → "kira kira").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

# Apostrophes are deleted rather than turned into spaces so that "you're" and
# "youre" (both occur in ASR output) normalise to the same token.
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc'`]")
# Anything that is not a letter or a digit separates tokens.
_NON_WORD = re.compile(r"[^\w]+|_")
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lowercase, strip punctuation and collapse whitespace (the form cues are matched on)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def tokens(text: str) -> tuple[str, ...]:
    """Normalised tokens of ``text``."""
    return tuple(normalize(text).split())


def find_phrase(haystack: Sequence[str], phrase: Sequence[str], start: int = 0) -> int:
    """Index of the first whole-token occurrence of ``phrase`` in ``haystack`` at or after
    ``start``; -1 when absent."""
    n = len(phrase)
    if n == 0:
        return -1
    first = phrase[0]
    for i in range(start, len(haystack) - n + 1):
        if haystack[i] == first and tuple(haystack[i : i + n]) == tuple(phrase):
            return i
    return -1


def count_phrase(haystack: Sequence[str], phrase: Sequence[str]) -> int:
    """Non-overlapping whole-token occurrences of ``phrase`` in ``haystack``."""
    count, i = 0, find_phrase(haystack, phrase)
    while i >= 0:
        count += 1
        i = find_phrase(haystack, phrase, i + len(phrase))
    return count


def count_phrases(text: str, phrases: Sequence[str]) -> int:
    """How many of ``phrases`` occur in ``text`` as whole words."""
    haystack = tokens(text)
    return sum(1 for p in phrases if find_phrase(haystack, tokens(p)) >= 0)


def count_digits(toks: Iterable[str], number_words: frozenset[str]) -> int:
    """Digits plus spoken number words ("tiga", "two") among normalised tokens.

    Callers read identifiers either as digits ("3201") or as words ("tiga dua nol
    satu"); ASR writes either, so both count.
    """
    total = 0
    for tok in toks:
        digits = len(_DIGIT.findall(tok))
        total += digits if digits else (1 if tok in number_words else 0)
    return total


@dataclass(frozen=True)
class RawToken:
    """One normalised token with the surface form it came from (for names and quotes)."""

    norm: str
    surface: str  # the word as written, punctuation stripped from its ends
    capitalized: bool
    raw_index: int  # index of the whitespace-separated word in the original text


def raw_tokens(text: str) -> tuple[RawToken, ...]:
    """Normalised tokens aligned with the whitespace-separated words of ``text``.

    One raw word can give several tokens ("kira-kira" → "kira", "kira"); each keeps
    the index of its raw word so a match can be quoted from the original text.
    """
    out: list[RawToken] = []
    for raw_index, word in enumerate(text.split()):
        # Split the word exactly as normalize() does, but keep each piece's case.
        cleaned = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", word))
        for piece in _NON_WORD.split(cleaned):
            for tok in normalize(piece).split():
                out.append(RawToken(tok, piece, piece[:1].isupper(), raw_index))
    return tuple(out)


def extract_name(
    text: str,
    prefixes: Iterable[Sequence[str]],
    honorifics: frozenset[str],
    stopwords: frozenset[str],
    max_tokens: int = 3,
    bare: bool = False,
) -> str | None:
    """A person's name stated in ``text``, or None.

    ``prefixes`` are normalised token sequences that introduce a name ("nama saya",
    "saya", "dengan", "my name is"), tried longest first. After a prefix, honorifics
    ("Bapak", "Ibu", "Mr") are skipped and up to ``max_tokens`` following tokens are
    taken while they look like a name: capitalised in the transcript (Whisper
    capitalises names) and not a stopword. When the text has no capital letter at all
    (some ASR output is lowercase), capitalisation cannot help and only the stopword
    test applies. With ``bare`` the name may also open the text ("Budi Santoso.") —
    used for the answer right after the agent asked for the name.
    """
    toks = raw_tokens(text)
    if not toks:
        return None
    cased = any(ch.isupper() for ch in text)
    shouting = text.isupper()

    def looks_like_name(tok: RawToken) -> bool:
        if tok.norm in stopwords or tok.norm in honorifics or not tok.norm.isalpha():
            return False
        if len(tok.norm) < 2:
            return False
        if tok.surface.isupper() and len(tok.surface) > 1 and not shouting:
            return False  # an acronym ("NPWP", "NIK"), not a name
        return tok.capitalized if cased else True

    def take(start: int) -> str | None:
        i = start
        while i < len(toks) and toks[i].norm in honorifics:
            i += 1
        name: list[str] = []
        while i < len(toks) and len(name) < max_tokens and looks_like_name(toks[i]):
            name.append(toks[i].surface)
            i += 1
        return " ".join(name) if name else None

    norms = [t.norm for t in toks]
    for prefix in sorted((tuple(p) for p in prefixes if p), key=len, reverse=True):
        pos = find_phrase(norms, prefix)
        while pos >= 0:
            name = take(pos + len(prefix))
            if name:
                return name
            pos = find_phrase(norms, prefix, pos + 1)
    if bare:
        # Skip leading fillers ("iya", "oh", "baik") before a bare name.
        i = 0
        while i < len(toks) and toks[i].norm in stopwords:
            i += 1
        return take(i)
    return None
