"""Knowledge base, procedures and the semantic matcher: file validation, matching, and the
judges they drive, on hand-written calls in both languages."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from call_qa.domain import Role, Utterance, Verdict
from call_qa.rubric import RubricConfigError, RubricOptions, load_cues, load_rubric, score_phone_call
from call_qa.rubric.knowledge import load_knowledge_base
from call_qa.rubric.procedures import load_procedures
from call_qa.rubric.resources import RubricResources
from call_qa.rubric.semantic import SemanticExamples, SemanticMatcher, SentenceEncoder, load_semantic_examples
from rubric_testkit import A, C, CUES_EN_PATH, CUES_ID_PATH, REPO, RUBRIC_PATH, call, timing

KB_PATH = REPO / "configs" / "knowledge" / "kring_pajak.yaml"
PROC_PATH = REPO / "configs" / "rubrics" / "procedures.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)
ID, EN = load_cues(CUES_ID_PATH), load_cues(CUES_EN_PATH)

# A forgotten-EFIN call that follows the approved answer and the procedure.
EFIN = call(
    (0.5, 5.0, A, "Selamat pagi, terima kasih telah menghubungi Kring Pajak, dengan Lestari, ada yang bisa dibantu?"),
    (5.5, 9.5, C, "Pagi, Bu. Saya lupa nomor EFIN saya, jadi tidak bisa masuk ke DJP Online."),
    (10.0, 12.0, A, "Baik, dengan Bapak siapa saya berbicara?"),
    (12.5, 13.5, C, "Saya Yusuf Hidayat."),
    (14.0, 19.0, A, "Terima kasih, Pak Yusuf. Untuk verifikasi, boleh disebutkan NPWP dan alamat email yang terdaftar?"),
    (19.5, 25.0, C, "NPWP 0 8 1 2 3 4 5 6 7 8 9 0 1 2 3, email yusuf di gmail titik com."),
    (25.5, 35.0, A, "Baik, data sudah sesuai. Pertama, EFIN sudah saya kirim ulang ke email Bapak. Kedua, masuk ke "
                    "DJP Online dengan NPWP dan EFIN tersebut."),
    (35.5, 36.5, C, "Baik, terima kasih."),
)


def resources(kb=True, procs=True, lang="id"):
    return RubricResources(lang, load_knowledge_base(KB_PATH) if kb else None,
                           load_procedures(PROC_PATH) if procs else None)


def score(utts, res, lang="id"):
    return score_phone_call(utts, timing(utts), lang, RUBRIC, ID if lang == "id" else EN, RubricOptions(),
                            judges=res.judges())


def replace(utts, i, text):
    out = list(utts)
    out[i] = Utterance(out[i].start, out[i].end, out[i].speaker, out[i].role, text)
    return tuple(out)


# --------------------------------------------------------------------------- knowledge base


def test_kb_entry_matched_and_all_key_points_said():
    card = score(EFIN, resources())
    acc, comp = card.item("solution_accuracy"), card.item("solution_completeness")
    assert comp.verdict == Verdict.PASS and "3 of 3 key points of 'lupa_efin'" in comp.reason
    assert acc.verdict == Verdict.PASS and any("lupa_efin" in e.reason for e in acc.evidence)
    assert all(e.quote or e.reason for e in comp.evidence)


def test_kb_missing_points_and_contradictions():
    # Only the e-mail step: 1 of 3 key points (below the 0.5 share) → completeness fails.
    short = replace(EFIN, 6, "Baik. EFIN akan dikirim ke email Bapak yang terdaftar, ditunggu saja ya Pak.")
    short = replace(short, 4, "Terima kasih, Pak Yusuf.")
    card = score(short, resources())
    assert card.item("solution_completeness").verdict == Verdict.FAIL
    # Telling the caller he must come to the office contradicts the approved answer.
    wrong = replace(EFIN, 6, "Baik. Untuk EFIN, Bapak harus datang ke kantor pajak dengan membawa KTP dan NPWP.")
    acc = score(wrong, resources()).item("solution_accuracy")
    assert acc.verdict == Verdict.FAIL and "harus datang ke kantor pajak" in acc.reason


def test_kb_absent_or_no_entry_matched_is_needs_review_with_that_reason():
    item = score(EFIN, resources(kb=False)).item("solution_accuracy")
    assert item.verdict == Verdict.NEEDS_REVIEW and "no knowledge base configured" in item.reason
    other = replace(EFIN, 1, "Pagi, Bu. Saya mau tanya cara membuat kartu keluarga baru.")
    item = score(other, resources()).item("solution_completeness")
    assert item.verdict == Verdict.NEEDS_REVIEW and "no entry of knowledge base 'kring_pajak_faq'" in item.reason


def test_kb_english_entry():
    utts = call(
        (0.0, 4.0, A, "Good morning, thank you for calling the Tax Help Line, how can I help you?"),
        (4.5, 12.0, C, "I got a late payment penalty, but I paid before the deadline and I have the bank receipt."),
        (12.5, 25.0, A, "First, find the payment reference on your bank receipt. Then, send it through the online "
                        "objection form. We review it and cancel the penalty if you paid on time."),
    )
    comp = score(utts, resources(lang="en"), "en").item("solution_completeness")
    assert comp.verdict == Verdict.PARTIAL and "3 of 4 key points of 'late_payment_penalty'" in comp.reason


def test_kb_file_errors_name_file_entry_and_field(tmp_path):
    data = yaml.safe_load(KB_PATH.read_text(encoding="utf-8"))
    data["entries"][0]["key_points"][0]["cues"] = []
    p = tmp_path / "kb.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RubricConfigError, match=r"kb.yaml: entry 'lupa_efin', field 'entries.0.key_points.0.cues'"):
        load_knowledge_base(p)
    data = yaml.safe_load(KB_PATH.read_text(encoding="utf-8"))
    data["entries"][1]["id"] = "lupa_efin"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RubricConfigError, match="entry 'lupa_efin', field 'id': duplicate entry id"):
        load_knowledge_base(p)


# --------------------------------------------------------------------------- procedures


def test_configured_procedure_followed_in_order_passes():
    item = score(EFIN, resources(kb=False)).item("procedure_compliance")
    assert item.verdict == Verdict.PASS and "procedure 'efin_reset': 2 of 2" in item.reason


def test_configured_procedure_missing_and_out_of_order_steps():
    # EFIN sent without any verification: built-in check passes (nothing account-specific by
    # phrase), but the procedure misses its first step → partial (1 of 2 missing).
    no_verify = replace(EFIN, 4, "Terima kasih, Pak Yusuf.")
    no_verify = replace(no_verify, 6, "Baik. EFIN sudah saya kirim ulang ke email Bapak, silakan dicek.")
    item = score(no_verify, resources(kb=False)).item("procedure_compliance")
    assert item.verdict == Verdict.PARTIAL and "missing: Verifikasi identitas" in item.reason
    # Sent first, verified after → out of order → partial.
    swapped = call(*[(u.start, u.end, u.role, u.text) for u in EFIN[:4]],
                   (14.0, 19.0, A, "Baik Pak Yusuf, EFIN sudah saya kirim ulang ke email Bapak."),
                   (19.5, 20.5, C, "Oh, baik."),
                   (21.0, 25.0, A, "Untuk verifikasi, boleh disebutkan NPWP dan tanggal lahir Bapak?"),
                   (25.5, 30.0, C, "NPWP 0 8 1 2 3 4 5 6 7 8 9 0 1 2 3, lahir lima Mei."))
    item = score(swapped, resources(kb=False)).item("procedure_compliance")
    assert item.verdict == Verdict.PARTIAL and "out of order" in item.reason


def test_procedure_file_errors(tmp_path):
    data = yaml.safe_load(PROC_PATH.read_text(encoding="utf-8"))
    data["procedures"][0]["steps"][1]["id"] = "verify_identity"
    p = tmp_path / "procedures.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RubricConfigError, match="procedure 'efin_reset', field 'steps.id': duplicate step id"):
        load_procedures(p)
    data["procedures"][0]["channel"] = "fax"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RubricConfigError, match=r"procedure 'efin_reset', field 'procedures.0.channel'"):
        load_procedures(p)


# --------------------------------------------------------------------------- semantic matcher


class BagOfWords:
    """A deterministic stand-in encoder for the matcher's own logic (threshold, sentence
    positions); the real MiniLM is exercised by the slow test below."""

    name = "bag-of-words"

    def similarity(self, a, b):
        vocab = sorted({w for t in list(a) + list(b) for w in t.lower().replace(",", "").replace(".", "").split()})

        def vec(t):
            words = t.lower().replace(",", "").replace(".", "").split()
            v = np.array([words.count(w) for w in vocab], dtype=float)
            return v / (np.linalg.norm(v) or 1.0)

        return np.stack([vec(t) for t in a]) @ np.stack([vec(t) for t in b]).T


def test_semantic_matcher_threshold_and_position():
    ex = SemanticExamples("en", "bag-of-words", {"empathy_phrases": ("i am so sorry about the trouble",)},
                          {"empathy_phrases": 0.6}, "1")
    m = SemanticMatcher(BagOfWords(), ex)  # type: ignore[arg-type]
    u = Utterance(0, 5, "a", Role.AGENT, "Thank you for waiting. I am so sorry about all the trouble.")
    hits = m.find(u, "empathy_phrases")
    assert len(hits) == 1 and hits[0].matcher == "semantic" and hits[0].position == 4 and hits[0].score >= 0.6
    assert m.find(Utterance(0, 5, "a", Role.AGENT, "Your parcel arrives on Friday."), "empathy_phrases") == ()
    assert m.find(u, "greetings") == ()  # lists without examples are left to the phrase matcher


class CountingModel:
    """Stands in for a SentenceTransformer: records what it was asked to encode."""

    def __init__(self):
        self.calls = []

    def encode(self, texts, **kwargs):
        self.calls.append((list(texts), kwargs))
        return np.array([[float(len(t)), 1.0] for t in texts]) / np.sqrt(2.0)


def test_sentence_encoder_asks_the_model_for_normalised_vectors_once_per_text():
    model = CountingModel()
    enc = SentenceEncoder("stand-in", model)
    first = enc.encode(["a", "bb", "a"])
    assert first.shape == (3, 2) and first.dtype == np.float32
    assert model.calls[0][0] == ["a", "bb"]  # duplicates encoded once
    assert model.calls[0][1]["normalize_embeddings"] is True
    enc.encode(["bb", "ccc"])
    assert model.calls[1][0] == ["ccc"]  # cached texts are not encoded again
    assert enc.encode([]).shape[0] == 0


def test_semantic_examples_file_errors(tmp_path):
    p = tmp_path / "semantic.yaml"
    p.write_text(yaml.safe_dump({"version": "1", "languages": {"en": {"lists": {"empathy_phrases": {
        "threshold": 1.5, "examples": ["x"]}}}}}), encoding="utf-8")
    with pytest.raises(RubricConfigError, match=r"cue list 'empathy_phrases', field 'languages.en.lists.empathy_phrases.threshold'"):
        load_semantic_examples(p, "en")
    shipped = load_semantic_examples(REPO / "configs" / "rubrics" / "semantic.yaml", "en")
    assert shipped is not None and shipped.encoder == "bundled:all-minilm-l6-v2"
    assert load_semantic_examples(REPO / "configs" / "rubrics" / "semantic.yaml", "id") is None


@pytest.mark.slow
def test_minilm_matches_an_empathy_paraphrase_the_phrase_list_lacks():
    shipped = load_semantic_examples(REPO / "configs" / "rubrics" / "semantic.yaml", "en")
    m = SemanticMatcher(SentenceEncoder.load(shipped.encoder), shipped)
    para = Utterance(0, 5, "a", Role.AGENT, "Oh no, that sounds really stressful for you, I am sorry it happened.")
    plain = Utterance(0, 5, "a", Role.AGENT, "Your new card will be posted to your home address on Monday.")
    assert m.find(para, "empathy_phrases"), m.best(para.text, "empathy_phrases")
    assert not m.find(plain, "empathy_phrases"), m.best(plain.text, "empathy_phrases")
    check = Utterance(0, 2, "a", Role.AGENT, "Have I explained that clearly enough for you?")
    assert m.find(check, "acceptance_checks"), m.best(check.text, "acceptance_checks")


@pytest.mark.slow
def test_minilm_through_sentence_transformers_with_its_own_length_and_pooling():
    import json

    from call_qa.models import load_sentence_encoder, resolve_sentence_encoder

    folder = resolve_sentence_encoder("bundled:all-minilm-l6-v2")
    model = load_sentence_encoder("bundled:all-minilm-l6-v2")
    with open(f"{folder}/sentence_bert_config.json", encoding="utf-8") as fh:
        assert model.max_seq_length == json.load(fh)["max_seq_length"] == 256  # not the old 128
    with open(f"{folder}/1_Pooling/config.json", encoding="utf-8") as fh:
        assert json.load(fh)["pooling_mode_mean_tokens"] is True
    enc = SentenceEncoder("bundled:all-minilm-l6-v2", model)
    # one sentence of about 200 word pieces: the part after token 128 changes the vector
    head = " ".join(["the caller asked about the form"] * 25)
    tokenizer = model.tokenizer
    assert 128 < len(tokenizer(head + " and then thanked everyone warmly")["input_ids"]) <= 256
    a, b = enc.encode([head + " and then thanked everyone warmly", head + " but the line went dead at once"])
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
    assert float(a @ b) < 0.9999
