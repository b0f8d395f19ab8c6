"""The web app's languages: Bahasa Indonesia first (the default), English second.

Catalogues are gettext ``.po`` files under ``call_qa/web/locale/<lang>/LC_MESSAGES/
messages.po`` (committed; msgids are the English source strings, extracted from the
templates and from the ``N_``/``msg`` markers of the Python code with Babel, see
``babel.cfg``). They are compiled in-process once per process with Babel
(``read_po`` → ``write_mo`` into memory → :class:`gettext.GNUTranslations`), so no
``.mo`` file is built at install time and none can go stale.

Which language a page is in: the logged-in user's ``language`` preference when set,
else the browser's ``Accept-Language`` (negotiated by Babel), else ``id``.

Dates and numbers are formatted for the page's locale by Babel (``id_ID``: ``20 Nov
2026 16.30``, ``1.234,5``; ``en_GB`` for English).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as gettext_module
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Babel locales used for dates and numbers of each UI language.
FORMAT_LOCALES = {"id": "id_ID", "en": "en_GB"}
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def N_(message: str) -> str:
    """Marks ``message`` for extraction without translating it (translated at display)."""
    return message


@dataclass(frozen=True)
class Message:
    """A message to show a person: a catalogue msgid with ``%(name)s`` parameters,
    translated when the page is rendered (the raising code does not know the
    language of the page)."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        """The message in English (the msgid filled in)."""
        return self.msgid % self.params if self.params else self.msgid

    def __str__(self) -> str:
        return self.english()


def msg(msgid: str, **params: Any) -> Message:
    """A :class:`Message` (``msg`` is also Babel's extraction keyword)."""
    return Message(msgid, params)


@functools.lru_cache(maxsize=None)
def translations(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of ``language`` (an unknown one: the msgids)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.is_file():
        return gettext_module.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def negotiate(accept_language: str | None) -> str:
    """The UI language for an ``Accept-Language`` header (``id`` when it names
    neither language)."""
    from babel import Locale

    if not accept_language:
        return DEFAULT_LANGUAGE
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            wanted.append((weight, tag.replace("-", "_")))
    preferred = [tag for _, tag in sorted(wanted, key=lambda w: -w[0])]
    found = Locale.negotiate(preferred, list(LANGUAGES), sep="_")
    return str(found.language) if found is not None else DEFAULT_LANGUAGE


def choose(user_language: str | None, accept_language: str | None) -> str:
    """The page's language: the user's preference, else the browser's, else ``id``."""
    if user_language in LANGUAGES:
        return str(user_language)
    return negotiate(accept_language)


def translate(language: str, message: Message | str | None) -> str:
    """``message`` in ``language``: a :class:`Message` through the catalogue with its
    parameters, a plain string looked up whole (unknown: as it is)."""
    if message is None:
        return ""
    t = translations(language)
    if isinstance(message, Message):
        text = t.gettext(message.msgid)
        if not message.params:
            return text
        # Word-valued parameters (a role, a list of hold flags) are catalogue words too.
        params = {k: ", ".join(t.gettext(w) for w in v.split(", ")) if isinstance(v, str) else v
                  for k, v in message.params.items()}
        return text % params
    return t.gettext(str(message)) if message else ""


def format_datetime(language: str, when: dt.datetime | None, zone: dt.tzinfo, *, seconds: bool = False) -> str:
    """A moment in ``zone`` as the locale writes it (``id``: 20 Nov 2026 16.30)."""
    from babel.dates import format_date, format_time

    if when is None:
        return "–"
    local = when.astimezone(zone)
    loc = FORMAT_LOCALES.get(language, "id_ID")
    time = format_time(local, "HH:mm:ss" if seconds else "HH:mm", locale=loc)
    if language == "id":
        time = time.replace(":", ".")  # id-ID writes 16.30 (CLDR's medium time form)
    return f"{format_date(local, 'medium', locale=loc)} {time}"


def format_day(language: str, day: dt.date | None) -> str:
    """A day as the locale writes it (``id``: 20 Nov 2026)."""
    from babel.dates import format_date

    return "–" if day is None else format_date(day, "medium", locale=FORMAT_LOCALES.get(language, "id_ID"))


def format_number(language: str, value: float | int | None, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals in the locale's form (``id``: 1.234,5)."""
    from babel.numbers import format_decimal

    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=FORMAT_LOCALES.get(language, "id_ID"))
