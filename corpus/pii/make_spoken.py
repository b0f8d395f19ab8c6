#!/usr/bin/env python3
"""Whisper transcripts of spoken identifiers and names, labelled by construction.

    NUMBA_CACHE_DIR=var/numba HF_HUB_OFFLINE=1 .venv/bin/python corpus/pii/make_spoken.py

Each value below (a NIK, an NPWP, a phone number, an account, a name) is read by
espeak-ng (Indonesian or English voice) into a short clip, and the clip is transcribed
by the bundled Whisper base (CPU, int8, beam 5, language given) — so the benchmark sees
the digits, number words and misspelt names Whisper really writes. The words around the
value (the agent's question, the caller's lead-in) are written here, not spoken: the
label is the whole Whisper transcript of the value clip, so it is exact by construction.
A name is read twice (the caller's answer, and the agent's later mention, at another
speed) so the later mention is Whisper's own second spelling of it.

Writes ``corpus/pii/whisper_spoken.jsonl`` (committed: the benchmark needs no Whisper).
Runs once: ~25 clips, a few minutes on two CPU cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

ID_DIGITS = "nol satu dua tiga empat lima enam tujuh delapan sembilan".split()
EN_DIGITS = "zero one two three four five six seven eight nine".split()


def spoken(digits: str, lang: str, groups: tuple[int, ...] = ()) -> str:
    """Digits read one by one, a comma after each group (how callers pause)."""
    words = ID_DIGITS if lang == "id" else EN_DIGITS
    out, k = [], 0
    for g in groups or (len(digits),):
        out.append(" ".join(words[int(c)] for c in digits[k:k + g]))
        k += g
    return ", ".join(out)


# (call id, language, type, agent's question, caller's lead-in, what espeak reads, speed)
CLIPS = [
    ("sp_id_nik_1", "id", "nik", "Boleh saya minta NIK Bapak?", "NIK saya",
     spoken("3174051708850003", "id", (4, 4, 4, 4)), 150),
    ("sp_id_nik_2", "id", "nik", "Nomor KTP Ibu berapa?", "Nomor KTP saya",
     spoken("3273014604920001", "id", (6, 6, 4)), 150),
    ("sp_id_nik_3", "id", "nik", "Sebutkan nomor induk kependudukan Bapak.", "Baik,",
     "tiga lima tujuh delapan, nol dua, satu dua, nol tiga, delapan delapan, nol nol nol lima", 140),
    ("sp_id_nik_4", "id", "nik", "NIK-nya berapa, Pak?", "",
     spoken("3201022511790002", "id", (2, 2, 2, 6, 4)), 160),
    ("sp_id_phone_1", "id", "phone", "Nomor HP yang bisa dihubungi?", "Nomor HP saya",
     spoken("081234567890", "id", (4, 4, 4)), 150),
    ("sp_id_phone_2", "id", "phone", "Nomor WhatsApp Ibu berapa?", "",
     "kosong delapan lima dua, satu satu tiga tiga, empat empat lima", 150),
    ("sp_id_phone_3", "id", "phone", "Boleh minta nomor telepon?", "Telepon saya",
     "plus enam dua delapan satu tiga, sembilan delapan tujuh, enam lima empat tiga", 150),
    ("sp_id_npwp_1", "id", "npwp", "Nomor NPWP perusahaan Bapak?", "NPWP-nya",
     spoken("013121660091000", "id", (2, 3, 3, 1, 3, 3)), 150),
    ("sp_id_npwp_2", "id", "npwp", "Sebutkan nomor pokok wajib pajak Ibu.", "",
     spoken("093456789012000", "id", (2, 3, 3, 1, 3, 3)), 150),
    ("sp_id_account_1", "id", "account", "Nomor rekening tujuan?", "Rekening saya",
     spoken("1234567890", "id", (3, 3, 4)), 150),
    ("sp_en_phone_1", "en", "phone", "What is the best number to reach you?", "My number is",
     "oh eight one two, three four five six, seven eight nine", 160),
    ("sp_en_phone_2", "en", "phone", "Can I have a contact number?", "Sure, it's",
     "plus six two, eight one one, two two two, three three three four", 160),
    ("sp_en_phone_3", "en", "phone", "And your mobile number?", "",
     spoken("07700900123", "en", (5, 3, 3)), 160),
    ("sp_en_account_1", "en", "account", "What is your account number?", "The account number is",
     spoken("40012345678", "en", (4, 4, 3)), 160),
    ("sp_en_card_1", "en", "card", "Please read the card number.", "It's",
     spoken("4111111111111111", "en", (4, 4, 4, 4)), 160),
]
# (call id, language, agent's question, caller's lead-in, name, agent's later mention around {})
NAMES = [
    ("sp_id_name_1", "id", "Dengan siapa saya berbicara?", "Nama saya", "budi santoso",
     "Baik, Bapak {}, ada yang bisa kami bantu?"),
    ("sp_id_name_2", "id", "Atas nama siapa, Bu?", "Atas nama", "siti rahayu",
     "Terima kasih Ibu {}, mohon ditunggu."),
    ("sp_id_name_3", "id", "Boleh tahu nama lengkap Bapak?", "Saya", "hendra wijaya kusuma",
     "Baik Pak {}, datanya sudah kami catat."),
    ("sp_en_name_1", "en", "May I have your name please?", "My name is", "margaret thornton",
     "Thank you, Mrs {}, one moment please."),
    ("sp_en_name_2", "en", "Who am I speaking with?", "This is", "daniel okafor",
     "Right, Mr {}, let me check that."),
]


def transcribe(model, text: str, lang: str, speed: int) -> str:
    voice = "id" if lang == "id" else "en-us"
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "clip.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
        segments, _info = model.transcribe(str(wav), language=lang, beam_size=5, vad_filter=False,
                                           condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments).strip()


def labelled(typ: str, heard: str) -> str:
    words = heard.split()
    if not words:
        return ""
    return f"{{{typ}:" + " ".join(words) + "}"


def utterance(start: float, speaker: str, role: str, text: str) -> dict:
    n = max(1, len(text.split()))
    return {"start": start, "end": round(start + 0.4 * n, 2), "speaker": speaker, "role": role, "text": text}


def main() -> int:
    from call_qa.models import load_whisper

    model = load_whisper("bundled:whisper-base", "cpu", "int8", 2)
    lines = []
    for call_id, lang, typ, question, lead, text, speed in CLIPS:
        heard = transcribe(model, text, lang, speed)
        print(f"{call_id}: {text!r} -> {heard!r}", flush=True)
        agent = utterance(0.0, "ch0", "agent", question)
        caller = utterance(agent["end"] + 0.5, "ch1", "customer", f"{lead} {labelled(typ, heard)}".strip())
        lines.append({"call_id": call_id, "language": lang, "caller_name": None, "spoken": text,
                      "utterances": [agent, caller]})
    for call_id, lang, question, lead, name, later in NAMES:
        first = transcribe(model, name, lang, 150)
        second = transcribe(model, name, lang, 185)
        print(f"{call_id}: {name!r} -> {first!r} / {second!r}", flush=True)
        agent = utterance(0.0, "ch0", "agent", question)
        caller = utterance(agent["end"] + 0.5, "ch1", "customer", f"{lead} {labelled('name', first.rstrip('.'))}.")
        mention = later.format(labelled("name", second.rstrip(".,")))
        agent2 = utterance(caller["end"] + 0.5, "ch0", "agent", mention)
        lines.append({"call_id": call_id, "language": lang, "caller_name": name, "spoken": name,
                      "utterances": [agent, caller, agent2]})
    out = ROOT / "corpus" / "pii" / "whisper_spoken.jsonl"
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    print(f"wrote {out} ({len(lines)} calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
