"""Write the web app's gettext catalogues from the extracted template and the
translations below (run after `pybabel extract`, see docs/webapp.md "Languages").

    pybabel extract -F call_qa/web/babel.cfg -k N_ -k msg --no-location --omit-header \
        -o call_qa/web/locale/messages.pot call_qa/web
    python scripts/web_catalogues.py

Indonesian: every msgid must have a translation here (tests/web/test_web_i18n.py
fails otherwise). English: the msgids are English; the catalogue adds the English
names of the rubric's (Indonesian, seed-worded) item and section names.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "call_qa" / "web" / "locale"

ID = {
    "Log in first.": "Masuk terlebih dahulu.",
    "%(role)s %(start)s–%(end)s": "%(role)s %(start)s–%(end)s",
    "overtalk %(start)s–%(end)s (%(s)s s)": "bicara bersamaan %(start)s–%(end)s (%(s)s dtk)",
    "interruption by %(by)s of %(of)s at %(t)s (overlap %(s)s s)": "interupsi oleh %(by)s terhadap %(of)s pada %(t)s (tumpang tindih %(s)s dtk)",
    "transfer to %(target)s at %(t)s": "transfer ke %(target)s pada %(t)s",
    "hold %(start)s–%(end)s (%(flags)s)": "hold %(start)s–%(end)s (%(flags)s)",
    "dead air %(start)s–%(end)s": "hening %(start)s–%(end)s",
    "%(kind)s %(start)s–%(end)s": "%(kind)s %(start)s–%(end)s",
    "pass": "lulus", "partial": "sebagian", "fail": "gagal", "not applicable": "tidak berlaku",
    "needs review": "perlu ditinjau", "agent": "agen", "customer": "pelanggan", "other": "lainnya",
    "events": "kejadian", "unknown": "tidak diketahui", "QA officer": "petugas QA", "supervisor": "supervisor",
    "admin": "admin",
    "Your role (%(role)s) may not use this page; it needs %(roles)s.": "Peran Anda (%(role)s) tidak boleh membuka halaman ini; diperlukan %(roles)s.",
    "No call %(call)r in the database.": "Panggilan %(call)r tidak ada di basis data.",
    "Missing or wrong CSRF token: reload the page and try again.": "Token CSRF tidak ada atau salah: muat ulang halaman dan coba lagi.",
    "%(item)s: hand-built verdict": "%(item)s: verdikt buatan tangan",
    "%(n)s of 4 opening components": "%(n)s dari 4 komponen pembuka",
    "%(n)s of 3 closing components": "%(n)s dari 3 komponen penutup",
    "missing: %(names)s": "tidak ada: %(names)s",
    "first agent words at %(t)s s": "kata pertama agen pada detik %(t)s",
    "greeting": "salam", "institution": "nama instansi", "agent_name": "nama agen", "offer_help": "tawaran bantuan",
    "further_help": "tawaran bantuan lain", "thanks": "terima kasih", "farewell": "salam penutup",
    "caller's problem statement": "pernyataan masalah penelepon",
    "solution-like turn": "giliran bicara berisi solusi", "first solution-like turn": "giliran pertama berisi solusi",
    "agent question": "pertanyaan agen", "asked as a question": "diajukan sebagai pertanyaan",
    "no agent speech": "agen tidak berbicara",
    "the agent never cut the caller off": "agen tidak pernah memotong pembicaraan penelepon",
    "%(n)s agent interruption(s)": "%(n)s interupsi oleh agen",
    "partial up to %(limit)s, fail above": "sebagian sampai %(limit)s, gagal di atasnya",
    "talked over the caller for %(s)s s (fail from %(limit)s s)": "berbicara bersamaan dengan penelepon selama %(s)s dtk (gagal mulai %(limit)s dtk)",
    "agent interrupted the caller at %(t)s s (%(kind)s, overlap %(s)s s)": "agen memotong penelepon pada detik %(t)s (%(kind)s, tumpang tindih %(s)s dtk)",
    "caller's utterance interrupted at %(t)s s": "ucapan penelepon dipotong pada detik %(t)s",
    "no knowledge base configured": "basis pengetahuan belum dikonfigurasi",
    "no answer located": "jawaban tidak ditemukan",
    "no knowledge base configured: %(what)s of the answer needs a QA officer": "basis pengetahuan belum dikonfigurasi: %(what)s jawaban perlu dinilai petugas QA",
    "the agent's answer, to be checked for %(what)s": "jawaban agen, perlu diperiksa %(what)s-nya",
    "accuracy": "ketepatan", "completeness": "kelengkapan",
    "%(n)s agent question(s) %(where)s": "%(n)s pertanyaan agen %(where)s",
    "%(n)s acknowledgement(s)": "%(n)s tanggapan",
    "%(n)s dead-air stretches": "%(n)s jeda hening",
    "%(n)s dead-air stretches (limit %(limit)s)": "%(n)s jeda hening (batas %(limit)s)",
    "%(n)s dead-air event(s) (limit %(limit)s)": "%(n)s kejadian hening (batas %(limit)s)",
    "dead air %(s)s s": "hening %(s)s dtk",
    "%(n)s request(s) to repeat (limit %(limit)s)": "%(n)s permintaan mengulang (batas %(limit)s)",
    "%(n)s complaint(s) not acknowledged": "%(n)s keluhan tidak ditanggapi",
    "%(a)s of %(n)s complaint(s) answered with empathy": "%(a)s dari %(n)s keluhan dijawab dengan empati",
    "%(a)s of %(n)s hold/transfer event(s) handled fully": "%(a)s dari %(n)s hold/transfer ditangani lengkap",
    "transfer at %(t)s s not announced": "transfer pada detik %(t)s tidak diberitahukan",
    "hold at %(t)s s": "hold pada detik %(t)s",
    "over the limit": "melewati batas", "not announced": "tidak diberitahukan", "no target said": "tujuan tidak disebut",
    "caller's name '%(name)s' learned at %(t)s s": "nama penelepon '%(name)s' diketahui pada detik %(t)s",
    "the agent never used it": "agen tidak pernah menyebutnya",
    "addressed by name %(n)s time(s)": "disapa dengan nama %(n)s kali",
    "no caller name was learned (%(why)s), so its use cannot be checked": "nama penelepon tidak diketahui (%(why)s), jadi penggunaannya tidak dapat diperiksa",
    "honorific + name '%(name)s'": "sapaan + nama '%(name)s'",
    "agent name '%(name)s'": "nama agen '%(name)s'",
    "institution name '%(name)s'": "nama instansi '%(name)s'",
    "restatement %(what)s": "penegasan ulang %(what)s",
    "restatement %(what)s without a check": "penegasan ulang %(what)s tanpa konfirmasi",
    "check %(what)s": "konfirmasi %(what)s",
    "empathy %(what)s": "empati %(what)s",
    "complaint cue %(what)s": "tanda keluhan %(what)s",
    "agent pace %(wpm)s wpm (band %(low)s-%(high)s)": "kecepatan bicara agen %(wpm)s kata/menit (rentang %(low)s-%(high)s)",
    "longest agent monologue %(s)s s (limit %(limit)s s)": "monolog agen terpanjang %(s)s dtk (batas %(limit)s dtk)",
    "answer of %(n)s sentence(s) in %(turns)s turn(s)": "jawaban %(n)s kalimat dalam %(turns)s giliran",
    "out of order: %(what)s": "urutan salah: %(what)s",
    "stage %(name)s at %(t)s s": "tahap %(name)s pada detik %(t)s",
    "mean response latency %(s)s s (timing metric; limit %(limit)s s)": "rata-rata waktu tanggap %(s)s dtk (metrik waktu; batas %(limit)s dtk)",
    "agent_interruptions = %(n)s (timing metric, no event list)": "interupsi agen = %(n)s (metrik waktu, tanpa daftar kejadian)",
    "caller's acceptance %(what)s": "penerimaan penelepon %(what)s",
    "account-specific information %(what)s": "informasi khusus akun %(what)s",
    "identifier request %(what)s": "permintaan data identitas %(what)s",
    "identification question %(what)s": "pertanyaan identifikasi %(what)s",
    "the caller had to prompt the agent %(n)s time(s)": "penelepon harus mengingatkan agen %(n)s kali",
    "the caller drove the call: %(why)s": "penelepon yang mengarahkan percakapan: %(why)s",
    "%(name)s must be a date like 2026-11-27, from 1900-01-01 to 2999-12-31, not %(value)s": "%(name)s harus berupa tanggal seperti 2026-11-27, dari 1900-01-01 sampai 2999-12-31, bukan %(value)s",
    "%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s": "%(name)s harus bilangan bulat dari %(low)s sampai %(high)s, bukan %(value)s",
    "%(name)s must be a number from %(low)s to %(high)s, not %(value)s": "%(name)s harus angka dari %(low)s sampai %(high)s, bukan %(value)s",
    "%(name)s must be %(choices)s, not %(value)s": "%(name)s harus %(choices)s, bukan %(value)s",
    "%(name)s must be text without NUL characters": "%(name)s harus teks tanpa karakter NUL",
    "start (%(start)s) is after end (%(end)s)": "awal (%(start)s) setelah akhir (%(end)s)",
    "Missing or wrong CSRF token: reload the login page.": "Token CSRF tidak ada atau salah: muat ulang halaman masuk.",
    "The username must not contain NUL characters.": "Nama pengguna tidak boleh berisi karakter NUL.",
    "Too many failed logins for this username or from this address. Logging in is refused for %(minutes)s more minutes; try again later or ask an administrator.": "Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini atau dari alamat ini. Masuk ditolak selama %(minutes)s menit lagi; coba lagi nanti atau hubungi administrator.",
    "Too many failed logins for this username or from this address. Logging in is refused for 1 more minute; try again later or ask an administrator.": "Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini atau dari alamat ini. Masuk ditolak selama 1 menit lagi; coba lagi nanti atau hubungi administrator.",
    "Wrong username or password (or the account is disabled).": "Nama pengguna atau kata sandi salah (atau akun dinonaktifkan).",
    "language must be one of %(languages)s": "bahasa harus salah satu dari %(languages)s",
    "interruptions": "interupsi", "long holds": "hold lama", "transfers": "transfer", "failed": "gagal",
    "The recording of %(call)r is no longer at its stored path.": "Rekaman %(call)r tidak lagi ada di lokasi tersimpannya.",
    "%(what)s must be a number of seconds.": "%(what)s harus berupa jumlah detik.",
    "event must be start or stop.": "event harus start atau stop.",
    "verdict must be one of %(verdicts)s": "verdikt harus salah satu dari %(verdicts)s",
    "A reason is required for every override.": "Setiap perubahan verdikt wajib disertai alasan.",
    "The reason is longer than %(n)s characters.": "Alasan lebih panjang dari %(n)s karakter.",
    "The item and the reason must not contain NUL characters.": "Item dan alasan tidak boleh berisi karakter NUL.",
    "This call has no scorecard to accept.": "Panggilan ini tidak memiliki kartu nilai untuk diterima.",
    "Machine verdict accepted": "Verdikt mesin diterima",
    "%(n)s item(s) still await a decision: decide them before signing the call off.": "%(n)s item masih menunggu keputusan: putuskan dulu sebelum menandai panggilan selesai ditinjau.",
    "Reviewed by %(user)s on %(when)s": "Ditinjau oleh %(user)s pada %(when)s",
    "Claimed by %(user)s until %(when)s.": "Diambil oleh %(user)s sampai %(when)s.",
    "Claimed by %(user)s until %(when)s": "Diambil oleh %(user)s sampai %(when)s",
    "The comment must not contain NUL characters.": "Komentar tidak boleh berisi karakter NUL.",
    "Confirm the swap: it scores the call again (send confirm=yes).": "Konfirmasi penukaran: panggilan akan dinilai ulang (kirim confirm=yes).",
    "Roles not swapped: %(why)s": "Peran tidak ditukar: %(why)s",
    "Your role may not see original (unredacted) transcripts.": "Peran Anda tidak boleh melihat transkrip asli (belum disamarkan).",
    "This installation keeps no original transcripts.": "Instalasi ini tidak menyimpan transkrip asli.",
    "no data": "tidak ada data", "Access log": "Log akses", "Call": "Panggilan", "Filter": "Saring",
    "%(total)s entries · page %(page)s of %(pages)s": "%(total)s entri · halaman %(page)s dari %(pages)s",
    "When": "Waktu", "User": "Pengguna", "Role": "Peran", "Action": "Tindakan", "Details": "Rincian",
    "previous": "sebelumnya", "next": "berikutnya", "Calls": "Panggilan", "Review queue": "Antrean tinjauan",
    "Calibration": "Kalibrasi", "Dashboard": "Dasbor", "Coaching": "Pembinaan",
    "Knowledge-base gaps": "Celah basis pengetahuan", "Users": "Pengguna", "Language": "Bahasa", "Change": "Ubah",
    "Log out": "Keluar", "Calibration: automatic verdicts vs. QA decisions": "Kalibrasi: verdikt otomatis vs. keputusan QA",
    "From": "Dari", "To": "Sampai", "Show": "Tampilkan",
    "Decisions made %(start)s – %(end)s (latest decision per call and item, against the call's current automatic verdict).": "Keputusan %(start)s – %(end)s (keputusan terakhir per panggilan dan item, dibandingkan dengan verdikt otomatis panggilan saat ini).",
    "Overall agreement": "Kesesuaian keseluruhan",
    "over %(judged)s decided items with a machine verdict; %(abstained)s more were computed as needs review.": "dari %(judged)s item yang diputuskan dengan verdikt mesin; %(abstained)s lainnya dihitung sebagai perlu ditinjau.",
    "Item": "Item", "Decided": "Diputuskan", "Machine abstained": "Mesin abstain", "Agreed": "Sesuai",
    "Agreement": "Kesesuaian", "Changes (auto→QA)": "Perubahan (otomatis→QA)",
    "No decisions in this period.": "Tidak ada keputusan pada periode ini.",
    "Email %(call)s": "Email %(call)s", "Call %(call)s": "Panggilan %(call)s",
    "Swap agent and customer and score the call again? The change is recorded in the access log.": "Tukar agen dan pelanggan lalu nilai ulang panggilan? Perubahan dicatat di log akses.",
    "Saved.": "Tersimpan.", "Not saved:": "Tidak tersimpan:", "Status": "Status", "ok": "berhasil",
    "Agent": "Agen", "Team": "Tim", "Recorded": "Direkam", "Processed": "Diproses", "Subject": "Perihal",
    "Length": "Durasi", "Channel": "Kanal", "email": "email", "phone": "telepon",
    "Processing failed:": "Pemrosesan gagal:", "Automatic score": "Nilai otomatis", "reviewed score": "nilai tinjauan",
    "items awaiting review": "item menunggu tinjauan", "Not signed off yet": "Belum ditandai selesai ditinjau",
    "The recording is not at its stored path (%(path)s).": "Rekaman tidak ada di lokasi tersimpannya (%(path)s).",
    "Call timeline": "Lini waktu panggilan", "sound": "suara", "overtalk": "bicara bersamaan",
    "interruption": "interupsi", "hold": "hold", "dead air": "hening", "transfer": "transfer",
    "Shortcut: %(key)s": "Pintasan: %(key)s", "Accept remaining verdicts": "Terima verdikt yang tersisa",
    "Call reviewed": "Panggilan selesai ditinjau", "Email reviewed": "Email selesai ditinjau",
    "Comment on the email": "Komentar tentang email ini", "Claim for review": "Ambil untuk ditinjau",
    "Swap agent/customer and re-score": "Tukar agen/pelanggan dan nilai ulang",
    "Keyboard shortcuts": "Pintasan papan ketik",
    "Show original (unredacted) transcript — this view is logged": "Tampilkan transkrip asli (belum disamarkan) — tampilan ini dicatat",
    "Email thread": "Utas email", "Customer's message": "Pesan pelanggan", "Agent's reply": "Balasan agen",
    "No text.": "Tidak ada teks.", "Transcript": "Transkrip", "No transcript.": "Tidak ada transkrip.",
    "Scorecard": "Kartu nilai", "auto": "otomatis", "reviewed": "tinjauan", "critical": "kritis",
    "confidence": "keyakinan", "sentence %(n)s": "kalimat %(n)s", "Verdict": "Verdikt",
    "reason (required)": "alasan (wajib)", "Reason": "Alasan", "Override": "Ubah verdikt", "Comments": "Komentar",
    "No comments yet.": "Belum ada komentar.",
    "Comment at the current moment of the audio": "Komentar pada posisi audio saat ini", "Comment": "Komentar",
    "Add comment": "Tambah komentar", "Audit trail": "Jejak audit", "Who": "Oleh",
    "play / pause": "putar / jeda", "back / forward 5 seconds": "mundur / maju 5 detik",
    "next / previous item": "item berikutnya / sebelumnya",
    "verdict pass / partial / fail / not applicable (then type the reason, Enter saves)": "verdikt lulus / sebagian / gagal / tidak berlaku (lalu ketik alasan, Enter menyimpan)",
    "escalate: needs review (stays in the queue until decided)": "eskalasi: perlu ditinjau (tetap di antrean sampai diputuskan)",
    "accept the machine's verdict on this item": "terima verdikt mesin untuk item ini",
    "accept all remaining verdicts": "terima semua verdikt yang tersisa",
    "comment at the current moment": "komentar pada posisi saat ini",
    "sign the call off as reviewed": "tandai panggilan selesai ditinjau",
    "show / hide this help": "tampilkan / sembunyikan bantuan ini",
    "any": "semua", "Score": "Nilai", "Transcript contains": "Transkrip memuat", "reset": "atur ulang",
    'More than <span id="total">%(n)s</span> calls': 'Lebih dari <span id="total">%(n)s</span> panggilan',
    '<span id="total">%(n)s</span> calls': '<span id="total">%(n)s</span> panggilan',
    "page %(page)s": "halaman %(page)s", "of %(pages)s": "dari %(pages)s", "Review": "Tinjauan",
    "Int.": "Interupsi", "Holds": "Hold", "Over limit": "Melewati batas", "Transfers": "Transfer",
    "Dead air": "Hening", "%(n)s QA decision(s)": "%(n)s keputusan QA", "No calls match.": "Tidak ada panggilan yang cocok.",
    "Coaching list": "Daftar pembinaan", "Standard": "Standar", "Export CSV": "Ekspor CSV",
    "Agents whose mean automatic score %(start)s – %(end)s is under %(standard)s, weakest first. Item rates use the verdicts in force (QA decisions included).": "Agen dengan rata-rata nilai otomatis %(start)s – %(end)s di bawah %(standard)s, yang terlemah lebih dulu. Tingkat item memakai verdikt yang berlaku (termasuk keputusan QA).",
    "Mean score": "Nilai rata-rata", "Weakest items (pass rate)": "Item terlemah (tingkat lulus)",
    "Example calls": "Contoh panggilan", "%(rate)s %% of %(n)s": "%(rate)s %% dari %(n)s",
    "Every agent meets the standard in this period.": "Semua agen memenuhi standar pada periode ini.",
    "Failed": "Gagal", "Agent int.": "Interupsi agen", "Cust. int.": "Interupsi pelanggan", "Overtalk": "Bicara bersamaan",
    "Hold total": "Total hold", "Longest": "Terlama", "Unannounced": "Tanpa pemberitahuan", "all": "semua",
    "Table per": "Tabel per", "team": "tim", "Trends per day": "Tren per hari", "Trends per week": "Tren per minggu",
    "Per agent": "Per agen", "Per team": "Per tim", "(unknown)": "(tidak diketahui)",
    "No calls in this period.": "Tidak ada panggilan pada periode ini.", "Per day": "Per hari", "Day": "Hari",
    "Per week": "Per minggu", "Week": "Minggu", "Agent int. per call": "Interupsi agen per panggilan",
    "Holds per call": "Hold per panggilan", "Transfers per call": "Transfer per panggilan",
    "Dead air per call": "Hening per panggilan", "per call": "per panggilan", "Error %(status)s": "Galat %(status)s", "Back": "Kembali",
    "%(total)s calls %(start)s – %(end)s with a failed solution item, grouped by the main word of the caller's problem statement.": "%(total)s panggilan %(start)s – %(end)s dengan item solusi yang gagal, dikelompokkan menurut kata utama pernyataan masalah penelepon.",
    "Topic": "Topik", "Failed items": "Item gagal", "Examples": "Contoh",
    "No failed solution items in this period.": "Tidak ada item solusi yang gagal pada periode ini.",
    "Log in": "Masuk", "Username": "Nama pengguna", "Password": "Kata sandi",
    "Original transcript %(call)s": "Transkrip asli %(call)s", "Original transcript of": "Transkrip asli dari",
    "Unredacted personal data. Your viewing has been recorded in the access log.": "Data pribadi belum disamarkan. Tampilan Anda telah dicatat di log akses.",
    "No original transcript is kept for this call.": "Tidak ada transkrip asli yang disimpan untuk panggilan ini.",
    "More than": "Lebih dari",
    '<span id="total">%(total)s</span> calls have items awaiting a decision (computed or escalated as <em>needs review</em>)': '<span id="total">%(total)s</span> panggilan memiliki item yang menunggu keputusan (dihitung atau dieskalasi sebagai <em>perlu ditinjau</em>)',
    "page %(page)s (50 calls a page)": "halaman %(page)s (50 panggilan per halaman)",
    "Calls another officer has claimed are not shown until the claim expires.": "Panggilan yang diambil petugas lain tidak ditampilkan sampai waktu pengambilannya habis.",
    "Section": "Bagian", "Confidence": "Keyakinan", "Why": "Alasan", "escalated": "dieskalasi",
    "claimed by you": "diambil oleh Anda", "Nothing awaits review.": "Tidak ada yang menunggu tinjauan.",
    "Active": "Aktif", "Created": "Dibuat", "yes": "ya", "no": "tidak", "Disable": "Nonaktifkan",
    "Enable": "Aktifkan", "Add a user": "Tambah pengguna", "Add": "Tambah",
    "announced": "diberitahukan", "thanked": "diberi terima kasih", "over_limit": "melewati batas",
    "unannounced": "tanpa pemberitahuan", "Saved: %(n)s verdicts accepted.": "Tersimpan: %(n)s verdikt diterima.",
}

# The rubrics' own names are Indonesian (configs/rubrics/*.yaml, the seed's wording);
# these are their English renderings (docs/rubric.md) for the English UI.
EN_NAMES = {
    "Tatakrama": "Courtesy", "Sikap layanan responsif": "Responsiveness", "Kendali interaksi": "Interaction control",
    "Solusi": "Solution", "Salam pembuka": "Opening greeting", "Identifikasi pelanggan": "Customer identification",
    "Verifikasi data pelanggan": "Customer data verification", "Salam penutup": "Closing greeting",
    "Sapa nama pelanggan": "Address the customer by name", "Tidak menginterupsi": "No interruption",
    "Konfirmasi permasalahan": "Problem confirmation", "Penuh perhatian": "Attentiveness",
    "Kepekaan (simpati/empati)": "Empathy (sympathy/empathy)", "Identifikasi permasalahan (probing)": "Probing",
    "Mengontrol percakapan": "Conversation control", "Menggunakan bahasa lisan formal": "Formal spoken language",
    "Teknik hold/transfer": "Hold/transfer technique",
    "Penyampaian solusi jelas dan terstruktur": "Clear, structured solution",
    "Solusi/informasi tepat": "Accurate solution/information", "Solusi/informasi lengkap": "Complete solution/information",
    "Kesesuaian prosedur": "Procedure compliance",
    "Konfirmasi penerimaan solusi / tindak lanjut": "Solution acceptance / follow-up",
    "Kalimat pembuka": "Opening sentence", "Referensi kontak sebelumnya": "Previous contact reference",
    "Kalimat penutup": "Closing sentence", "Interpretasi isi": "Content interpretation",
    "Pemilihan kata dan struktur kalimat": "Word choice and sentence structure",
    "Tanda baca, ejaan, huruf": "Punctuation, spelling, capitalisation", "Konsistensi bahasa": "Language consistency",
}


def main() -> None:
    """Write locale/id and locale/en messages.po from locale/messages.pot."""
    with (LOCALE / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    missing = [m.id for m in template if m.id and m.id not in ID]
    for lang in ("id", "en"):
        catalog = Catalog(locale=lang, domain="messages", project="call-qa", fuzzy=False)
        for m in template:
            if not m.id:
                continue
            catalog.add(m.id, ID.get(m.id, "") if lang == "id" else "", flags=m.flags)
        for word in ("announced", "thanked", "over_limit", "unannounced"):
            catalog.add(word, ID[word] if lang == "id" else "")
        if lang == "en":
            for name, english in EN_NAMES.items():
                catalog.add(name, english)
        out = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, no_location=True, width=100)
    if missing:
        raise SystemExit("no Indonesian translation for: " + " | ".join(missing))


if __name__ == "__main__":
    main()
