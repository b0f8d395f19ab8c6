"""The web app's catalogues: every message of the templates and of the Python code
has an Indonesian translation, the committed catalogues are what extraction gives,
no template carries text outside {% trans %} / _(), and the judges' reasons are
translated by their message templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from call_qa.web import i18n, reasons

WEB = Path(i18n.__file__).resolve().parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "msg": None}


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), METHODS, keywords=KEYWORDS, options_map=OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def catalogue(language: str) -> dict[str, str]:
    with (WEB / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_message_has_an_indonesian_translation():
    ids = catalogue("id")
    messages = extracted()
    assert len(messages) > 250
    missing = sorted(m for m in messages if not ids.get(m))
    assert missing == [], f"run scripts/web_catalogues.py after translating: {missing}"


def test_translations_keep_their_parameters():
    ids = catalogue("id")
    for msgid, text in ids.items():
        assert sorted(re.findall(r"%\(\w+\)[sr]", msgid)) == sorted(re.findall(r"%\(\w+\)[sr]", text)), msgid


# Text a template may show untranslated: symbols, units, product and key names.
ALLOWED = {"call-qa", "QA", "s", "Space", "K", "J", "U", "E", "A", "C", "Shift", "Esc", "?", "Enter", "S"}


def untranslated_text(source: str) -> list[str]:
    """Words of a template outside Jinja constructs, tags and attributes."""
    text = re.sub(r"{%\s*trans\b.*?{%\s*endtrans\s*%}", " ", source, flags=re.S)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}", " ", text, flags=re.S)
    text = re.sub(r"{{.*?}}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&\w+;", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return [w for w in words if w not in ALLOWED]


@pytest.mark.parametrize("template", sorted(p.name for p in (WEB / "templates").glob("*.html")))
def test_no_template_text_is_left_untranslated(template):
    assert untranslated_text((WEB / "templates" / template).read_text()) == []


def test_the_check_finds_untranslated_text():
    assert untranslated_text('<p class="x">{{ _("Calls") }} Reviewed by {{ user }}</p>') == ["Reviewed", "by"]
    assert untranslated_text('<th title="{{ t }}">{% trans %}Score{% endtrans %}</th>') == []


def test_catalogues_compile_in_process_and_translate():
    assert i18n.translations("id").gettext("Scorecard") == "Kartu nilai"
    assert i18n.translations("en").gettext("Scorecard") == "Scorecard"
    assert i18n.translations("en").gettext("Salam pembuka") == "Opening greeting"
    assert i18n.translate("id", i18n.msg("Reviewed by %(user)s on %(when)s", user="sari", when="x")) == \
        "Ditinjau oleh sari pada x"


@pytest.mark.parametrize("reason, indonesian", [
    ("3 of 4 opening components; missing: agent_name; first agent words at 1.2 s",
     "3 dari 4 komponen pembuka; tidak ada: nama agen; kata pertama agen pada detik 1,2"),
    ("0 agent interruption(s); partial up to 2, fail above",
     "0 interupsi oleh agen; sebagian sampai 2, gagal di atasnya"),
    ("no knowledge base configured: accuracy of the answer needs a QA officer",
     "basis pengetahuan belum dikonfigurasi: ketepatan jawaban perlu dinilai petugas QA"),
    # as score-transcript wrote them for the officer set (corpus/officer_set) and
    # score-email for corpus/emails
    ("hold 226 s at 52.3 s: not announced, not thanked after, over the 120 s limit",
     "hold 226 dtk pada detik 52,3: tidak diberitahukan, tanpa terima kasih sesudahnya, melewati batas 120 dtk"),
    ("the agent led the call only in part (missing: probing/confirmation; hold of 15 s not announced)",
     "agen hanya sebagian mengarahkan percakapan (tidak ada: penggalian/konfirmasi; hold 15 dtk tanpa pemberitahuan)"),
    ("procedure 'efin_reset': 2 of 2 required step(s)", "prosedur &#39;efin_reset&#39;: 2 dari 2 langkah wajib"),
])
def test_judges_reasons_are_translated_by_their_templates(reason, indonesian):
    assert str(reasons.translate_reason("id", reason)) == indonesian
    assert str(reasons.translate_reason("en", reason)) == reason.replace("'", "&#39;")


def test_parameters_that_are_phrases_or_numbers_are_translated_too():
    reason = "5 spelling/capitalisation/punctuation problem(s) in 26 words (19.2 per 100; pass up to 1, partial up to 4)"
    assert str(reasons.translate_reason("id", reason)) == (
        "5 masalah ejaan/huruf kapital/tanda baca dalam 26 kata (19,2 per 100; lulus sampai 1, sebagian sampai 4)")


def test_a_reason_no_template_knows_stays_english_and_marked():
    html = str(reasons.translate_reason("id", "a brand-new judge's note; 2 of 3 closing components"))
    assert html == '<span lang="en">a brand-new judge&#39;s note</span>; 2 dari 3 komponen penutup'


def test_dates_and_numbers_in_id_formats():
    import datetime as dt

    wib = dt.timezone(dt.timedelta(hours=7))
    moment = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.timezone.utc)
    assert i18n.format_datetime("id", moment, wib) == "20 Nov 2026 09.30"
    assert i18n.format_datetime("en", moment, wib) == "20 Nov 2026 09:30"
    assert i18n.format_number("id", 1234.5, 2) == "1.234,50"
    assert i18n.format_number("en", 1234.5, 2) == "1,234.50"
    assert i18n.negotiate("en-GB,en;q=0.8,id;q=0.5") == "en"
    assert i18n.negotiate("fr-FR,id;q=0.3") == "id"
    assert i18n.negotiate(None) == "id"
