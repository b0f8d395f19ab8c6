"""The one composition after listening (call_qa/compose.py): every entry point goes
through it, personal data is found before scoring, redaction is last."""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path

from call_qa.compose import conclude, score_transcript
from call_qa.config import PipelineSettings
from call_qa.domain import Heard, Layout, Role, RoleAssignment, Verdict
from call_qa.rubric import rescore
from call_qa.rubric.setup import phone_rubric
from call_qa.rubric.transcript import activity_from_utterances

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))

from test_web_swap import NIK, call_utterances  # noqa: E402  (the hand-built Kring Pajak call)

# Each stage function after listening, and the one module allowed to call it.
STAGES = {
    "assign_roles": "call_qa/compose.py",
    "apply_roles": "call_qa/compose.py",
    "analyse_timing": "call_qa/compose.py",
    "caller_names": "call_qa/compose.py",
    "detect_personal_data": "call_qa/compose.py",
    "disclosure_flags": "call_qa/compose.py",
    "score_phone_call": "call_qa/compose.py",
    "score_email": "call_qa/compose.py",
    "redact_result": "call_qa/compose.py",
    "conclude": None,  # its callers are the entry points, checked below
}


def _calls(name: str) -> list[str]:
    """'file:line' of every call of ``name`` in the library and the flows."""
    found = []
    for path in sorted([*ROOT.glob("call_qa/**/*.py"), *ROOT.glob("flows/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if called == name:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_each_stage_after_listening_has_one_call_site():
    for name, where in STAGES.items():
        if where is None:
            continue
        sites = _calls(name)
        assert len(sites) == 1 and sites[0].startswith(where), f"{name} is called from {sites}, expected once in {where}"


def test_every_entry_point_goes_through_conclude():
    sites = {s.split(":")[0] for s in _calls("conclude")}
    # short and long recordings (pipeline), transcripts and emails (compose), the swap (corrections)
    assert sites == {"call_qa/pipeline.py", "call_qa/compose.py", "call_qa/corrections.py"}, sites


def _with_roles(utts, roles):
    return tuple(dataclasses.replace(u, role=roles[u.speaker]) for u in utts)


def test_a_transcript_and_the_same_call_heard_are_scored_alike():
    settings = PipelineSettings()
    roles = {"ch1": Role.AGENT, "ch0": Role.CUSTOMER}
    utts = _with_roles(call_utterances(), roles)
    document = {"call_id": "t1", "language": "id", "duration_s": 62.0,
                "utterances": [{"start": u.start, "end": u.end, "speaker": u.speaker, "role": u.role.value,
                                "text": u.text} for u in utts]}
    from_transcript = score_transcript(None, settings, document=document)
    heard = Heard(source="<transcript>", content_hash="", duration=62.0, layout=None, original_channels=0,
                  activity=activity_from_utterances(utts), utterances=utts, language="id",
                  assignment=RoleAssignment(roles, {"ch0": 1.0, "ch1": 1.0}, "transcript"))
    from_heard = conclude(heard, settings, "t1")
    assert [(i.id, i.verdict) for i in from_heard.scorecard.items] == \
        [(i.id, i.verdict) for i in from_transcript.scorecard.items]
    assert from_heard.scorecard.score == from_transcript.scorecard.score
    assert from_heard.metrics == from_transcript.metrics
    assert from_transcript.settings["input"] == "transcript"


def _heard(utts) -> Heard:
    return Heard(source="x.wav", content_hash="h", duration=62.0, layout=Layout.STEREO, original_channels=2,
                 activity=activity_from_utterances(utts), utterances=utts, language="id")


def test_personal_data_is_found_before_scoring_and_redacted_last(monkeypatch):
    from call_qa.crypto import format_keyring, new_keyring

    # originals are kept only sealed with a site key (the shipped default keeps none)
    monkeypatch.setenv("CALL_QA_TEST_COMPOSE_KEY", format_keyring(new_keyring()))
    base = PipelineSettings()
    kept = base.privacy.model_copy(update={"keep_originals": True, "key_env": "CALL_QA_TEST_COMPOSE_KEY"})
    result = conclude(_heard(call_utterances()), base.model_copy(update={"privacy": kept}), "c1")
    # the rubric read the caller's real name; what is stored shows the placeholder
    ident = result.scorecard.item("customer_identification")
    assert ident.verdict is Verdict.PASS
    quotes = " ".join(e.quote + " " + e.reason for it in result.scorecard.items for e in it.evidence)
    assert "Budi" not in quotes and "Santoso" not in quotes
    assert "Budi Santoso" in " ".join(u.text for u in result.originals)
    assert {f.type.value for f in result.personal_data} >= {"name", "nik"}
    assert result.heard is not None and result.heard.assignment.roles == {"ch1": Role.AGENT, "ch0": Role.CUSTOMER}


def test_a_critical_exposure_fails_its_item_inside_scoring():
    base = PipelineSettings()
    strict = base.model_copy(update={"privacy": base.privacy.model_copy(update={"critical_flags": ("readback",)})})
    lenient = conclude(_heard(call_utterances(readback=True)), base, "c2")
    zeroed = conclude(_heard(call_utterances(readback=True)), strict, "c2")
    assert [f.kind for f in lenient.privacy_flags] == ["readback"] and not lenient.privacy_flags[0].critical
    assert lenient.scorecard.score > 0
    item = zeroed.scorecard.item("procedure_compliance")
    assert zeroed.scorecard.score == 0.0 and item.verdict is Verdict.FAIL and item.critical
    assert NIK not in item.reason and "[NIK]" in item.evidence[0].quote
    # the rest of the scorecard is the lenient one: only the critical item changed
    assert [(i.id, i.verdict) for i in zeroed.scorecard.items if i.id != "procedure_compliance"] == \
        [(i.id, i.verdict) for i in lenient.scorecard.items if i.id != "procedure_compliance"]
    # an officer deciding another item keeps the zero: the item stays critical
    assert rescore(zeroed.scorecard, phone_rubric(strict), {"closing_greeting": Verdict.FAIL}).score == 0.0
    # ... and overriding the critical item itself lifts it
    assert rescore(zeroed.scorecard, phone_rubric(strict), {"procedure_compliance": Verdict.PASS}).score > 0
