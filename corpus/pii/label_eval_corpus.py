#!/usr/bin/env python3
"""Build ``corpus/pii/eval_corpus.jsonl``: the transcripts of the call-qa evaluation
corpus (``corpus/*.truth.json``, ``sample_audio/*.truth.json``, written by another
engineer for the timing and rubric work, not for this detector) with personal data
labelled by hand below.

    .venv/bin/python corpus/pii/label_eval_corpus.py

Labels: (call, utterance index, exact text, type). The caller's name is labelled at
every mention of its words (CALLERS). Judgement calls, written down: a customer or
participant ID ("ID pelanggan", "nomor kartu peserta") counts as account/card; the
last four digits of a card or account, postcodes, booking and ticket references do
not count; a mother's maiden name and a registered owner's name count as names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CALLERS = {
    "en_angry_no_empathy": "Paul Walker", "en_customer_interrupts": "Linda Brooks", "en_hold_not_thanked": "Grace Miller",
    "en_informal_greeting": "Karen Davis", "en_model_call": "David Chen", "en_no_closing": "Ben Turner",
    "en_no_confirmation": "Susan Hall", "en_transfer_blind": "Peter Novak", "en_transfer_stereo_blind": "Laura Kim",
    "en_transfer_warm": "James Carter", "id_agent_backchannels": "Agus Prasetyo", "id_agent_interrupts": "Wulan Sari",
    "id_angry_empathy": "Taufik Rahman", "id_customer_interrupts": "Ratna Kusuma", "id_dead_air": "Bambang Sutrisno",
    "id_hold_music": "Yusuf Hidayat", "id_hold_silence": "Rudi Hartono", "id_hold_unannounced_long": "Dewi Anggraini",
    "id_informal": "Ani Suryani", "id_model_call": "Hendra Wijaya", "id_no_greeting": "Melati Putri",
    "id_no_verification": "Lina Marlina", "id_transfer_blind": "Joko Susilo", "id_transfer_stereo_warm": "Ratna Dewi",
    "id_transfer_warm": "Siti Rahmawati", "id_stereo_hold": "Budi Santoso", "en_mono_transfer": "Maria Lopez",
    "en_stereo_interrupt": "John Smith", "id_mono_informal": None,
}

LABELS = [
    ("en_angry_no_empathy", 5, "5 5 5 0 1 9 8 7,", "phone"),
    ("en_angry_no_empathy", 5, "the first of June, nineteen seventy.", "dob"),
    ("en_customer_interrupts", 5, "May ninth, seventy-five.", "dob"),
    ("en_hold_not_thanked", 5, "November fourth, ninety.", "dob"),
    ("en_informal_greeting", 5, "karen dot davis at mail dot com,", "email"),
    ("en_model_call", 5, "July second, eighty-eight.", "dob"),
    ("en_no_closing", 5, "3 3 1 8 0 2 4,", "account"),
    ("en_no_closing", 5, "the fifth of January, nineteen ninety-five.", "dob"),
    ("en_no_closing", 7, "Twelve Oak Street, flat four,", "address"),
    ("en_no_closing", 8, "twelve Oak Street, flat four,", "address"),
    ("en_no_confirmation", 5, "susan dot hall at mail dot com.", "email"),
    ("en_transfer_blind", 5, "the thirtieth of August, nineteen eighty-one.", "dob"),
    ("en_transfer_stereo_blind", 5, "the thirtieth of August, nineteen eighty-one.", "dob"),
    ("en_transfer_warm", 5, "December twelfth, eighty-two,", "dob"),
    ("id_agent_backchannels", 5, "0 0 0 1 2 3 4 5 6 7 8 9,", "card"),
    ("id_agent_backchannels", 5, "lima puluh delapan.", "dob"),
    ("id_agent_interrupts", 5, "5 3 2 1 0 4 8 8 7 6 1 2,", "account"),
    ("id_agent_interrupts", 5, "Jalan Kenanga tujuh.", "address"),
    ("id_angry_empathy", 5, "9 8 7 0 0 1 2 3 4 5,", "account"),
    ("id_angry_empathy", 5, "Siti Aminah.", "name"),
    ("id_customer_interrupts", 5, "Nol delapan satu dua, tiga empat lima enam.", "phone"),
    ("id_dead_air", 5, "0 6 1 2 3 4 5 6 7 8 9 0 0 0 0.", "npwp"),
    ("id_hold_music", 5, "0 8 1 2 3 4 5 6 7 8 9 0 1 2 3,", "npwp"),
    ("id_hold_music", 5, "yusuf di gmail titik com.", "email"),
    ("id_hold_silence", 5, "1 2 3 0 0 4 5 6 7 8,", "account"),
    ("id_hold_silence", 5, "sembilan puluh.", "dob"),
    ("id_hold_unannounced_long", 5, "1 4 2 3 5 6 7 8 9 0 1,", "account"),
    ("id_hold_unannounced_long", 5, "Jalan Mawar nomor dua.", "address"),
    ("id_informal", 5, "Nol delapan lima dua, satu satu dua dua, tiga tiga.", "phone"),
    ("id_informal", 5, "lima Maret sembilan puluh dua.", "dob"),
    ("id_model_call", 5, "dua belas Agustus sembilan belas delapan puluh lima,", "dob"),
    ("id_model_call", 5, "Sri Lestari.", "name"),
    ("id_no_greeting", 5, "nol delapan satu tiga, dua dua tiga tiga.", "phone"),
    ("id_no_verification", 3, "5 1 2 3 4 5 6 7 8 9 0 1.", "account"),
    ("id_no_verification", 4, "Hadi Santoso,", "name"),
    ("id_no_verification", 4, "Jalan Melati nomor sepuluh.", "address"),
    ("id_transfer_blind", 5, "0 0 0 9 8 7 6 5 4 3 2 1,", "card"),
    ("id_transfer_blind", 5, "tujuh puluh sembilan.", "dob"),
    ("id_transfer_blind", 10, "0 0 0 9 8 7 6 5 4 3 2 1.", "card"),
    ("id_transfer_stereo_warm", 5, "0 7 6 5 4 3 2 1 0 9 8 7 0 0 0,", "npwp"),
    ("id_transfer_stereo_warm", 5, "delapan puluh.", "dob"),
    ("id_transfer_warm", 5, "0 7 6 5 4 3 2 1 0 9 8 7 0 0 0,", "npwp"),
    ("id_transfer_warm", 5, "delapan puluh.", "dob"),
    ("en_mono_transfer", 5, "5 5 0 2 1 8 7 3.", "account"),
    ("en_stereo_interrupt", 5, "4 7 1 2 9 0 3 8 6,", "npwp"),  # a 9-digit (foreign) tax ID
    ("en_stereo_interrupt", 5, "the fourth of March, nineteen eighty.", "dob"),
    ("id_stereo_hold", 5, "0 9 2 5 4 2 9 4 3 4 0 7 0 0 0.", "npwp"),
]


def main() -> int:
    files = sorted((ROOT / "corpus").glob("*.truth.json")) + sorted((ROOT / "sample_audio").glob("*.truth.json"))
    labels: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for call, ui, text, typ in LABELS:
        labels.setdefault((call, ui), []).append((text, typ))
    out = []
    for f in files:
        d = json.loads(f.read_text(encoding="utf-8"))
        name = f.name.replace(".truth.json", "")
        caller = CALLERS.get(name)
        name_words = {w.casefold() for w in (caller or "").split()}
        utts = []
        for ui, u in enumerate(d["utterances"]):
            text = u["text"]
            marked: list[tuple[int, int, str]] = []
            for piece, typ in labels.get((name, ui), []):
                at = text.find(piece)
                if at < 0:
                    raise SystemExit(f"{name}[{ui}]: {piece!r} not in {text!r}")
                marked.append((at, at + len(piece), typ))
            # caller name words not inside another label
            for m in re.finditer(r"[A-Za-z]+", text):
                if m.group(0).casefold() in name_words and not any(a <= m.start() < b for a, b, _ in marked):
                    marked.append((m.start(), m.end(), "name"))
            for a, b, typ in sorted(marked, reverse=True):
                text = text[:a] + "{" + typ + ":" + text[a:b] + "}" + text[b:]
            utts.append({"start": u["start"], "end": u["end"], "speaker": u.get("speaker", ""), "role": u["role"],
                         "text": text})
        out.append(json.dumps({"call_id": f"eval_{name}", "language": d.get("language", name[:2]),
                               "caller_name": caller, "utterances": utts}, ensure_ascii=False))
    (Path(__file__).parent / "eval_corpus.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
