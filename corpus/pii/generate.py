#!/usr/bin/env python3
"""Generate the synthetic labelled personal-data set (``corpus/pii/synthetic_*.jsonl``).

    .venv/bin/python corpus/pii/generate.py [--calls 120] [--seed 7]

Each call is a contact-centre transcript as Whisper writes it (see call_qa/pii/labels.py
for the format): identification, then verification and problem turns in which the
caller gives identifiers — written ("3174 0512 …", "0812-3456-7890", NPWP
"01.234.567.8-901.000"), spoken digit by digit ("nol delapan satu dua", "kosong";
"oh eight one", "double five", "triple oh"), in pairs ("tiga puluh satu"), with repeats
("dua kali lima", "lima dua kali"), split across two segments with a backchannel
between, and with ASR-style errors (a misheard digit, "lapan" for "delapan", a filler
"eh", a dropped digit) — plus sentences with numbers that are *not* personal data
(tickets, payment codes, amounts, dates that are not a birth date, times, "jalan" the
verb, English "at"). Same seed → same files.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

ID_DIG = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
EN_DIG = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ID_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
EN_ORD = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
          "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
          "nineteenth", "twentieth"]
PROVINCES = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71,
             72, 73, 74, 75, 76, 81, 82, 91, 92, 94]
# (the agents are "Sari" and "Emma": callers never share the agent's name here, since
# the name redaction cannot tell two people with one name apart)
FIRST = ["Budi", "Hendra", "Siti", "Rina", "Agus", "Dewi", "Joko", "Wulan", "Andi", "Putri", "Bambang", "Ratna",
         "Yusuf", "Fitri", "Dimas", "Lestari", "Reza", "Maya", "Fajar", "Indah"]
LAST = ["Santoso", "Wijaya", "Rahmawati", "Saputra", "Nugroho", "Hidayat", "Kusuma", "Pratama", "Setiawan",
        "Lubis", "Siregar", "Hasibuan", "Wibowo", "Susanti", "Gunawan"]
EN_FIRST = ["David", "Grace", "James", "Sarah", "Michael", "Laura", "Peter", "Hannah", "Thomas", "Olivia"]
EN_LAST = ["Chen", "Miller", "Walker", "Brown", "Taylor", "Hughes", "Fischer", "Novak", "Kim", "Murphy"]
STREETS = ["Melati", "Sudirman", "Merdeka", "Kenanga", "Diponegoro", "Gatot Subroto", "Cempaka Putih",
           "Mawar", "Pahlawan", "Ahmad Yani", "Kebon Jeruk", "Anggrek"]
CITIES = ["Jakarta Pusat", "Bandung", "Surabaya", "Depok", "Bekasi", "Medan", "Yogyakarta", "Tangerang Selatan"]
EN_STREETS = ["Baker", "Orchard", "Maple", "Station", "Harbour", "Elm", "Kingsway", "Victoria"]
DOMAINS = [("gmail", ["com"]), ("yahoo", ["co", "id"]), ("outlook", ["com"]), ("kemenkeu", ["go", "id"]),
           ("hotmail", ["com"]), ("ymail", ["com"])]

ID_NEGATIVES = [
    "Nomor tiket pengaduan Bapak {d5}, mohon dicatat.",
    "Kode billing-nya {d15}, silakan dibayar sebelum jatuh tempo.",
    "Tagihannya Rp {amount}, Pak.",
    "Totalnya lima ratus ribu rupiah.",
    "Pembayaran paling lambat tanggal lima belas Maret dua ribu dua puluh lima.",
    "Aplikasinya sudah jalan lagi sejak kemarin.",
    "Saya tadi sudah jalan ke kantor pajak jam sembilan pagi.",
    "Di ATM Jalan Merdeka, sekitar jam sembilan pagi.",
    "Sejak tahun 2019 saya sudah lapor SPT.",
    "Prosesnya sekitar tiga sampai lima hari kerja.",
    "Silakan hubungi Kring Pajak di 1500200.",
    "Nomor antrean saya {d3}, Mbak.",
    "NTPN-nya {d16}, Pak, sudah tercatat.",
    "Saya lapor untuk tahun pajak dua ribu dua puluh tiga.",
    "Satu lagi, Mbak, formulirnya yang mana?",
    "Kurang lebih dua puluh menit saya menunggu.",
    "Jalan keluarnya, Bapak bisa mengajukan keberatan.",
    "EFIN saya {d10} sudah lama tidak dipakai.",
]
EN_NEGATIVES = [
    "Your ticket number is {d5_en}.",
    "The reference is {d6}, please keep it.",
    "The bill is one hundred and fifty dollars.",
    "I was at home around eight.",
    "The payment is due on the fifth of December.",
    "It started in 2019, I think.",
    "It takes three to five working days.",
    "I'll take the one on the left.",
    "Sorry, I'm at the office at the moment.",
    "Your case number is {d8}, I'll send it by text.",
    "We're open from eight to five, Monday to Friday.",
    "Can you say that again, the first part?",
]


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    # --------------------------------------------------------------- values
    def digits(self, n: int, first: str = "123456789") -> str:
        return self.r.choice(first) + "".join(self.r.choice("0123456789") for _ in range(n - 1))

    def nik(self) -> str:
        day = self.r.randint(1, 28) + (40 if self.r.random() < 0.5 else 0)
        return (f"{self.r.choice(PROVINCES):02d}{self.r.randint(1, 79):02d}{self.r.randint(1, 40):02d}"
                f"{day:02d}{self.r.randint(1, 12):02d}{self.r.randint(0, 99):02d}{self.r.randint(1, 60):04d}")

    def npwp(self) -> str:
        return "0" + self.r.choice("123456789") + "".join(self.r.choice("0123456789") for _ in range(13))

    def phone(self) -> str:
        return "08" + self.r.choice("1235789") + "".join(self.r.choice("0123456789") for _ in range(self.r.randint(7, 10)))

    def card(self) -> str:
        body = self.r.choice("45") + "".join(self.r.choice("0123456789") for _ in range(14))
        total = 0
        for k, ch in enumerate(reversed(body + "0")):
            d = int(ch)
            if k % 2 == 1:
                d = d * 2 - 9 if d * 2 > 9 else d * 2
            total += d
        return body + str((10 - total % 10) % 10)

    def account(self) -> str:
        return self.digits(self.r.choice([10, 10, 13, 15]))

    # --------------------------------------------------------------- spoken forms
    def say_id(self, d: str, errors: bool = True) -> list[str]:
        return [w for unit in self.units_id(d, errors) for w in unit]

    def say_en(self, d: str, errors: bool = True) -> list[str]:
        return [w for unit in self.units_en(d, errors) for w in unit]

    def units_id(self, d: str, errors: bool = True) -> list[list[str]]:
        """Spoken Indonesian digits as units (one number each: "dua kali lima",
        "tiga puluh satu", "kosong"); a segment break falls between units only."""
        style = self.r.choice(["single", "single", "single", "pairs", "repeats", "mixed"])
        units: list[list[str]] = []
        i = 0
        zero = lambda: self.r.choice(["nol", "nol", "kosong"])  # noqa: E731
        while i < len(d):
            c = d[i]
            if style == "repeats" and i + 1 < len(d) and d[i + 1] == c:
                if i + 2 < len(d) and d[i + 2] == c:
                    units.append(["tiga", "kali", zero() if c == "0" else ID_DIG[int(c)]])
                    i += 3
                    continue
                # "lima dua kali" only closes a number: followed by a digit it would read
                # "lima (dua kali X)", the way the parser resolves that ambiguity
                if i + 2 < len(d) or self.r.random() < 0.3:
                    units.append(["dua", "kali", zero() if c == "0" else ID_DIG[int(c)]])
                else:
                    units.append([zero() if c == "0" else ID_DIG[int(c)], "dua", "kali"])
                i += 2
                continue
            if style == "pairs" and i + 1 < len(d) and c != "0":
                v = int(d[i : i + 2])
                if v == 10:
                    units.append(["sepuluh"])
                elif v == 11:
                    units.append(["sebelas"])
                elif v < 20:
                    units.append([ID_DIG[v - 10], "belas"])
                else:
                    units.append([ID_DIG[v // 10], "puluh"] + ([ID_DIG[v % 10]] if v % 10 else []))
                i += 2
                continue
            if style == "mixed" and i % 4 == 0 and self.r.random() < 0.5:
                units.append([d[i : i + 4]])
                i += 4
                continue
            units.append([zero() if c == "0" else ID_DIG[int(c)]])
            i += 1
        if errors and self.r.random() < 0.2:
            k = self.r.randrange(len(units))
            kind = self.r.choice(["misheard", "lapan", "filler"])
            if kind == "misheard" and len(units[k]) == 1 and units[k][0] in ID_DIG:
                units[k] = [self.r.choice(ID_DIG)]
            elif kind == "lapan" and ["delapan"] in units:
                units[units.index(["delapan"])] = ["lapan"]
            else:
                units.insert(max(1, k), [self.r.choice(["eh", "em"])])
        return units

    def units_en(self, d: str, errors: bool = True) -> list[list[str]]:
        units: list[list[str]] = []
        i = 0
        while i < len(d):
            c = d[i]
            name = lambda ch: self.r.choice(["oh", "oh", "zero"]) if ch == "0" else EN_DIG[int(ch)]  # noqa: E731
            if i + 2 < len(d) and d[i + 1] == c == d[i + 2] and self.r.random() < 0.7:
                units.append(["triple", name(c)])
                i += 3
                continue
            if i + 1 < len(d) and d[i + 1] == c and self.r.random() < 0.7:
                units.append(["double", name(c)])
                i += 2
                continue
            units.append([name(c)])
            i += 1
        if errors and self.r.random() < 0.15:
            k = self.r.randrange(len(units))
            if len(units[k]) == 1 and units[k][0] in EN_DIG:
                units[k] = [self.r.choice(EN_DIG)]
            else:
                units.insert(max(1, k), [self.r.choice(["uh", "um"])])
        return units

    def written(self, d: str, kind: str) -> list[str]:
        if kind == "npwp" and len(d) == 15 and self.r.random() < 0.6:
            return [f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"]
        if kind == "phone":
            return self.r.choice([[f"{d[:4]}-{d[4:8]}-{d[8:]}"], [d[:4], d[4:8], d[8:]], [d],
                                  ["+62", d[1:4], d[4:8], d[8:]]])
        if self.r.random() < 0.5:
            return [d[k : k + 4] for k in range(0, len(d), 4)]
        return [d]

    def render(self, d: str, kind: str, lang: str) -> list[list[str]]:
        """Units of the identifier as said or written (a written group is one unit)."""
        if self.r.random() < 0.35:
            return [[w] for w in self.written(d, kind)]
        return self.units_id(d) if lang == "id" else self.units_en(d)

    # --------------------------------------------------------------- dates, e-mail, address
    def dob(self, lang: str) -> list[str]:
        day, month, year = self.r.randint(1, 28), self.r.randint(1, 12), self.r.randint(1950, 2005)
        style = self.r.random()
        if style < 0.2:
            return [f"{day:02d}-{month:02d}-{year}"]
        if lang == "id":
            if style < 0.45:
                return [str(day), ID_MONTHS[month - 1], str(year)]
            return (self.id_number(day) + [ID_MONTHS[month - 1]] + self.id_year(year))
        if style < 0.45:
            return [EN_MONTHS[month - 1], f"{day},", str(year)]
        if style < 0.7:
            return ["the", EN_ORD[day] if day <= 20 else f"twenty-{EN_ORD[day - 20]}", "of", EN_MONTHS[month - 1]] + self.en_year(year)
        return [EN_MONTHS[month - 1], (EN_ORD[day] if day <= 20 else f"twenty-{EN_ORD[day - 20]}") + ","] + self.en_year(year)

    def id_number(self, v: int) -> list[str]:
        if v < 10:
            return [ID_DIG[v]]
        if v == 10:
            return ["sepuluh"]
        if v == 11:
            return ["sebelas"]
        if v < 20:
            return [ID_DIG[v - 10], "belas"]
        return [ID_DIG[v // 10], "puluh"] + ([ID_DIG[v % 10]] if v % 10 else [])

    def id_year(self, y: int) -> list[str]:
        if y >= 2000:
            return ["dua", "ribu"] + (self.id_number(y - 2000) if y > 2000 else [])
        return self.id_number(y // 100) + self.id_number(y % 100)

    def en_year(self, y: int) -> list[str]:
        if y >= 2000:
            return ["two", "thousand"] + ([EN_DIG[y - 2000]] if 0 < y - 2000 < 10 else [])
        v = y % 100
        tail = EN_TEENS[v - 10] if 10 <= v < 20 else (EN_TENS[v // 10] + (f"-{EN_DIG[v % 10]}" if v % 10 else "")) if v >= 20 else f"oh {EN_DIG[v]}"
        return ["nineteen"] + tail.split()

    def email(self, first: str, last: str, lang: str) -> list[str]:
        dom, tld = self.r.choice(DOMAINS)
        local = self.r.choice([[first.lower()], [first.lower(), "dot" if lang == "en" else "titik", last.lower()],
                               [first.lower()] + (self.say_id(str(self.r.randint(10, 99)), False) if lang == "id" else
                                                  [EN_DIG[self.r.randint(1, 9)], EN_DIG[self.r.randint(0, 9)]])])
        if self.r.random() < 0.3:
            sep = "." if len(local) == 3 and local[1] in ("dot", "titik") else ""
            text = (local[0] + sep + local[-1]) if sep else local[0]
            return [f"{text}@{dom}.{'.'.join(tld)}"]
        at = "at" if lang == "en" else self.r.choice(["et", "at"])
        dot = "dot" if lang == "en" else self.r.choice(["titik", "dot"])
        out = local + [at, dom]
        for t in tld:
            out += [dot, t]
        return out

    def address(self, lang: str) -> list[str]:
        if lang == "en" and self.r.random() < 0.5:
            return [str(self.r.randint(2, 120))] + f"{self.r.choice(EN_STREETS)} {self.r.choice(['Street', 'Road', 'Lane'])},".split() + self.r.choice(CITIES).split()
        kind = self.r.random()
        street = self.r.choice(STREETS).split()
        if kind < 0.4:
            return (["Jalan"] + street + ["No.", f"{self.r.randint(1, 200)},", "RT", f"{self.r.randint(1, 15):02d}", "RW",
                    f"{self.r.randint(1, 12):02d},"] + self.r.choice(CITIES).split())
        if kind < 0.6:
            return ["Jl."] + street + ["nomor"] + self.id_number(self.r.randint(1, 99)) + self.r.choice(CITIES).split()
        if kind < 0.8:
            return ["Komplek", "Griya", self.r.choice(["Asri", "Indah", "Permai"]), "Blok", self.r.choice("ABCDE"),
                    "nomor", str(self.r.randint(1, 40))]
        return ["Gang"] + street + ["nomor", str(self.r.randint(1, 60)), "RT", str(self.r.randint(1, 9)), "RW",
                                    str(self.r.randint(1, 9))]


def mark(kind: str, words: list[str], ident: str | None = None) -> str:
    tag = f"{kind}#{ident}" if ident else kind
    return "{" + tag + ":" + " ".join(words) + "}"


def make_call(g: Gen, n: int, lang: str) -> dict:
    r = g.r
    first, last = (r.choice(FIRST), r.choice(LAST)) if lang == "id" else (r.choice(EN_FIRST), r.choice(EN_LAST))
    hon = r.choice(["Bapak", "Ibu"]) if lang == "id" else r.choice(["Mr.", "Ms."])
    short = "Pak" if hon == "Bapak" else "Bu"
    stereo = r.random() < 0.6
    A, C = ("ch1", "ch0") if stereo else ("spk0", "spk1")
    utts: list[tuple[str, str]] = []
    say = lambda who, text: utts.append((who, text))  # noqa: E731

    def callername(full: bool = False) -> str:
        return mark("name", [first, last] if full else [first])

    if lang == "id":
        say("agent", "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan Sari, ada yang bisa dibantu?")
        say("customer", "Selamat pagi, Mbak, saya mau tanya soal akun pajak saya.")
        say("agent", f"Baik, dengan {hon} siapa saya berbicara?")
        say("customer", f"Saya {callername(True)}.")
    else:
        say("agent", "Good morning, thank you for calling the tax service, my name is Emma, how can I help you?")
        say("customer", "Hi, I have a question about my tax account.")
        say("agent", "Sure, may I have your name please?")
        say("customer", f"Yes, it is {callername(True)}.")

    kinds = r.sample(["nik", "npwp", "phone", "email", "account", "card", "dob", "address"], k=r.randint(3, 5))
    negatives = ID_NEGATIVES if lang == "id" else EN_NEGATIVES
    split_id = 0
    for kind in kinds:
        if r.random() < 0.4:
            neg = r.choice(negatives).format(
                d5=" ".join(g.digits(5)), d15=g.digits(15), amount=f"{r.randint(1, 9)}.{r.randint(100, 999)}.000",
                d3=g.digits(3), d16=g.digits(16), d10=g.digits(10), d6=g.digits(6), d8=g.digits(8),
                d5_en=" ".join(EN_DIG[int(c)] for c in g.digits(5)))
            say(r.choice(["agent", "customer"]), neg)
        if lang == "id":
            ask = {
                "nik": [f"Untuk verifikasi, boleh disebutkan NIK {hon}?", f"Mohon sebutkan nomor KTP {hon}."],
                "npwp": [f"Nomor NPWP {hon} berapa?", "Boleh saya minta NPWP-nya?"],
                "phone": [f"Nomor handphone {hon} yang bisa dihubungi?", "Boleh minta nomor HP-nya?"],
                "email": [f"Alamat email {hon} apa?", "Email yang terdaftar apa, Pak?"],
                "account": [f"Nomor rekening {hon} berapa?", "Rekening yang dipakai nomornya berapa?"],
                "card": [f"Boleh disebutkan nomor kartu kredit {hon}?", "Nomor kartu debitnya berapa?"],
                "dob": [f"Tanggal lahir {hon}?", "Boleh disebutkan tanggal lahirnya?"],
                "address": [f"Alamat rumah {hon} di mana?", f"Alamat {hon} sesuai KTP?"],
            }[kind]
        else:
            ask = {
                "nik": ["Could you read me your NIK, the sixteen digit ID number?", "What is your national ID number?"],
                "npwp": ["What's your tax ID, the NPWP?", "Could I have your tax number?"],
                "phone": ["May I have a phone number to reach you?", "What's your mobile number?"],
                "email": ["What's your email address?", "Which email do you use with us?"],
                "account": ["What's your bank account number?", "Could you give me the account number?"],
                "card": ["May I have the card number?", "What's your credit card number?"],
                "dob": ["And your date of birth?", "Could you confirm your date of birth?"],
                "address": ["What's your home address?", "Where do you live, the full address please?"],
            }[kind]
        value = {"nik": g.nik, "npwp": g.npwp, "phone": g.phone, "account": g.account, "card": g.card}.get(kind)
        volunteered = kind in ("nik", "npwp", "phone") and r.random() < 0.2
        if not volunteered:
            say("agent", r.choice(ask))
        if value is not None:
            d = value()
            units = g.render(d, kind, lang)
            words = [w for unit in units for w in unit]
            if volunteered:
                cue = {"nik": "NIK saya" if lang == "id" else "my ID number is",
                       "npwp": "NPWP saya" if lang == "id" else "my tax ID is",
                       "phone": "nomor HP saya" if lang == "id" else "my mobile is"}[kind]
                tail = ", kok belum bisa login?" if lang == "id" else ", and I can't log in."
                say("customer", f"{cue.capitalize()} {mark(kind, words)}{tail}")
            elif len(units) >= 4 and r.random() < 0.4:
                split_id += 1
                cut_unit = r.randint(2, len(units) - 2)
                cut = sum(len(u) for u in units[:cut_unit])
                ident = f"s{split_id}"
                say("customer", mark(kind, words[:cut], ident))
                if r.random() < 0.6:
                    say("agent", r.choice(["iya", "ya", "oke", "baik"] if lang == "id" else ["okay", "yes", "mm"]))
                say("customer", mark(kind, words[cut:], ident) + ".")
            else:
                lead = r.choice(["", "Iya, ", "Nomornya " if lang == "id" else "It's "])
                say("customer", f"{lead}{mark(kind, words)}.")
            if kind in ("nik", "npwp") and r.random() < 0.25:
                back = g.written(d, kind) if r.random() < 0.5 else (g.say_id(d, False) if lang == "id" else g.say_en(d, False))
                say("agent", (f"Saya ulangi, {mark(kind, back)}, betul?" if lang == "id" else
                              f"Let me repeat, {mark(kind, back)}, correct?"))
                say("customer", "Betul." if lang == "id" else "Correct.")
        elif kind == "email":
            say("customer", f"{'Emailnya ' if lang == 'id' else 'It is '}{mark('email', g.email(first, last, lang))}.")
        elif kind == "dob":
            say("customer", f"{'Saya lahir ' if r.random() < 0.3 and lang == 'id' else ''}{mark('dob', g.dob(lang))}.")
        elif kind == "address":
            lead = r.choice(["Di ", "", "Saya tinggal di "]) if lang == "id" else r.choice(["I live at ", "It's ", ""])
            say("customer", f"{lead}{mark('address', g.address(lang))}.")
        say("agent", (f"Terima kasih, {short} {callername()}." if lang == "id" else f"Thank you, {hon} {mark('name', [last])}."))
    if lang == "id":
        say("agent", f"Apakah ada lagi yang bisa dibantu, {short} {callername()}?")
        say("customer", "Tidak ada, terima kasih.")
        say("agent", "Terima kasih telah menghubungi Kring Pajak, selamat pagi.")
    else:
        say("agent", "Is there anything else I can help you with?")
        say("customer", "No, that's all, thanks.")
        say("agent", "Thank you for calling, have a nice day.")

    out, t = [], 0.0
    for who, text in utts:
        dur = max(0.6, 0.32 * len(text.split()))
        gap = 0.2 if len(text.split()) <= 1 else r.uniform(0.3, 1.2)
        out.append({"start": round(t, 2), "end": round(t + dur, 2), "speaker": A if who == "agent" else C,
                    "role": who, "text": text})
        t += dur + gap
    return {"call_id": f"pii_{lang}_{n:03d}", "language": lang, "caller_name": f"{first} {last}", "utterances": out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=120, help="calls per language (default 120)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for lang in ("id", "en"):
        g = Gen(random.Random(f"{args.seed}-{lang}"))
        lines = [json.dumps(make_call(g, n, lang), ensure_ascii=False) for n in range(args.calls)]
        path = HERE / f"synthetic_{lang}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path}: {len(lines)} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
