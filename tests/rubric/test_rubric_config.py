"""Rubric and cue files: the shipped ones are complete, malformed ones fail with a clear message."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from call_qa.rubric import (
    PHONE_INBOUND_SECTIONS,
    RubricConfigError,
    check_cues,
    load_cues,
    load_rubric,
)
from rubric_testkit import CUES_EN_PATH, CUES_ID_PATH, REPO, RUBRIC_PATH

# The 18 phone item ids of docs/rubric.md, by section (transcribed; fixed ids).
RUBRIC_MD_PHONE = {
    "courtesy": ["opening_greeting", "customer_identification", "data_verification", "closing_greeting"],
    "responsiveness": ["address_by_name", "no_interruption", "problem_confirmation", "attentiveness", "empathy"],
    "interaction_control": ["probing", "conversation_control", "formal_language", "hold_transfer_technique"],
    "solution": ["solution_clarity", "solution_accuracy", "solution_completeness", "procedure_compliance",
                 "solution_acceptance"],
}
SECTION_WEIGHTS = {"courtesy": 15, "responsiveness": 20, "interaction_control": 25, "solution": 40}


def _rubric_md() -> Path | None:
    for candidate in (REPO / "docs" / "rubric.md", REPO / "shared" / "docs" / "rubric.md",
                      REPO.parent / "shared" / "docs" / "rubric.md"):
        if candidate.exists():
            return candidate
    return None


def test_shipped_rubric_has_exactly_the_18_items_of_rubric_md():
    rubric = load_rubric(RUBRIC_PATH)
    assert rubric.id == "phone_inbound" and rubric.version == "1"
    assert [s.id for s in rubric.sections] == list(RUBRIC_MD_PHONE)
    assert {s.id: list(s.items) for s in rubric.sections} == RUBRIC_MD_PHONE
    assert {s.id: s.weight for s in rubric.sections} == SECTION_WEIGHTS
    assert len(rubric.items) == 18
    assert {k: list(v) for k, v in PHONE_INBOUND_SECTIONS.items()} == RUBRIC_MD_PHONE
    # Equal shares by default: courtesy 15 / 4 items = 3.75 (the interfaces.md example).
    assert rubric.max_points("opening_greeting") == pytest.approx(3.75)
    assert sum(rubric.max_points(i.id) for i in rubric.items) == pytest.approx(100.0)


def test_rubric_md_table_matches_when_the_doc_is_at_hand():
    path = _rubric_md()
    if path is None:
        pytest.skip("docs/rubric.md not found next to the repository")
    text = path.read_text(encoding="utf-8")
    phone = text.split("## Phone", 1)[1].split("## Email", 1)[0]
    ids = re.findall(r"^\|[^|]*\| `([a-z_]+)` \|", phone, flags=re.M)
    assert ids == [i for items in RUBRIC_MD_PHONE.values() for i in items]


@pytest.mark.parametrize("path", [CUES_ID_PATH, CUES_EN_PATH])
def test_shipped_cue_lexicons_cover_every_list_the_rubric_names(path):
    rubric = load_rubric(RUBRIC_PATH)
    cues = load_cues(path)
    check_cues(rubric, cues)  # raises when a list is missing
    for name, phrases in cues.lists.items():
        assert phrases, f"{path.name}: list {name} is empty"


def test_both_lexicons_have_the_same_list_names():
    assert set(load_cues(CUES_ID_PATH).lists) == set(load_cues(CUES_EN_PATH).lists)


def test_cue_phrases_are_normalised_when_loaded():
    cues = load_cues(CUES_ID_PATH)
    assert ("terima", "kasih") in cues.phrases("closing_thanks")
    assert ("terimakasih",) in cues.phrases("closing_thanks")  # the ASR spelling is kept as a variant
    assert "nggak" in cues.words("informal_words")


# --------------------------------------------------------------------------- malformed files


def _write(tmp_path: Path, data: object, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture()
def rubric_data() -> dict:
    return yaml.safe_load(RUBRIC_PATH.read_text(encoding="utf-8"))


def _item(data: dict, item_id: str) -> dict:
    for sec in data["sections"]:
        for it in sec["items"]:
            if it["id"] == item_id:
                return it
    raise KeyError(item_id)


def _assert_names(exc: pytest.ExceptionInfo, path: Path, *parts: str) -> None:
    message = str(exc.value)
    assert str(path) in message, message
    for part in parts:
        assert part in message, message


def test_unknown_field_names_file_item_and_field(tmp_path, rubric_data):
    _item(rubric_data, "empathy")["wieght"] = 2
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'empathy'", "field 'wieght'")


def test_missing_item_names_it(tmp_path, rubric_data):
    sec = rubric_data["sections"][1]
    sec["items"] = [it for it in sec["items"] if it["id"] != "attentiveness"]
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'attentiveness'", "field 'items'", "missing")


def test_wrong_item_id_names_it(tmp_path, rubric_data):
    _item(rubric_data, "probing")["id"] = "probeing"
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'probeing'", "field 'id'")


def test_item_in_the_wrong_section(tmp_path, rubric_data):
    moved = _item(rubric_data, "empathy")
    rubric_data["sections"][1]["items"].remove(moved)
    rubric_data["sections"][0]["items"].append(moved)
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'empathy'", "field 'section'", "responsiveness")


def test_duplicate_item(tmp_path, rubric_data):
    rubric_data["sections"][0]["items"].append(copy.deepcopy(_item(rubric_data, "opening_greeting")))
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'opening_greeting'", "field 'id'", "duplicate")


def test_bad_weight_type_names_item_and_field(tmp_path, rubric_data):
    _item(rubric_data, "formal_language")["weight"] = "heavy"
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'formal_language'", "field 'weight'")


def test_negative_section_weight(tmp_path, rubric_data):
    rubric_data["sections"][3]["weight"] = -40
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "section 'solution'", "field 'weight'")


def test_missing_required_field(tmp_path, rubric_data):
    del _item(rubric_data, "closing_greeting")["name"]
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'closing_greeting'", "field 'name'")


def test_unknown_cue_role(tmp_path, rubric_data):
    _item(rubric_data, "empathy")["cues"]["sympathy"] = "empathy_phrases"
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'empathy'", "field 'cues.sympathy'")


def test_param_not_allowed_for_item(tmp_path, rubric_data):
    _item(rubric_data, "empathy")["params"] = {"informal_per_100_partial": 3}
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'empathy'", "field 'params.informal_per_100_partial'")


def test_param_of_wrong_type(tmp_path, rubric_data):
    _item(rubric_data, "no_interruption")["params"] = {"interruption_partial_max": "two"}
    path = _write(tmp_path, rubric_data)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(path)
    _assert_names(exc, path, "item 'no_interruption'", "field 'params.interruption_partial_max'")


def test_params_are_typed_and_kept(tmp_path, rubric_data):
    _item(rubric_data, "formal_language")["params"] = {"informal_per_100_partial": 3}
    rubric = load_rubric(_write(tmp_path, rubric_data))
    assert rubric.item("formal_language").params == {"informal_per_100_partial": 3.0}


def test_not_yaml_and_not_a_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(bad)
    assert str(bad) in str(exc.value)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(RubricConfigError):
        load_rubric(listy)
    with pytest.raises(RubricConfigError) as exc:
        load_rubric(tmp_path / "absent.yaml")
    assert "absent.yaml" in str(exc.value)


def test_other_rubric_ids_are_not_held_to_the_phone_item_set(tmp_path):
    data = {"id": "tiny", "version": 2, "sections": [
        {"id": "s", "name": "S", "weight": 10, "items": [{"id": "anything", "name": "Anything"}]}]}
    rubric = load_rubric(_write(tmp_path, data))
    assert rubric.version == "2"
    assert rubric.max_points("anything") == pytest.approx(10.0)


def test_malformed_cue_file(tmp_path):
    data = yaml.safe_load(CUES_ID_PATH.read_text(encoding="utf-8"))
    data["lists"]["greetings"].append(True)  # what an unquoted `yes` becomes
    path = _write(tmp_path, data, "id.yaml")
    with pytest.raises(RubricConfigError) as exc:
        load_cues(path)
    _assert_names(exc, path, "cue list 'greetings'", "field 'lists.greetings.", "quote")

    data = yaml.safe_load(CUES_ID_PATH.read_text(encoding="utf-8"))
    data["languages"] = "id"
    path = _write(tmp_path, data, "id2.yaml")
    with pytest.raises(RubricConfigError) as exc:
        load_cues(path)
    _assert_names(exc, path, "field 'languages'")

    data = yaml.safe_load(CUES_ID_PATH.read_text(encoding="utf-8"))
    data["lists"]["greetings"].append("  ?! ")
    path = _write(tmp_path, data, "id3.yaml")
    with pytest.raises(RubricConfigError) as exc:
        load_cues(path)
    _assert_names(exc, path, "cue list 'greetings'", "empty")

    data = yaml.safe_load(CUES_ID_PATH.read_text(encoding="utf-8"))
    del data["lists"]["honorifics"]
    path = _write(tmp_path, data, "id4.yaml")
    with pytest.raises(RubricConfigError) as exc:
        load_cues(path)
    _assert_names(exc, path, "cue list 'honorifics'", "missing")


def test_rubric_naming_an_absent_cue_list(tmp_path, rubric_data):
    _item(rubric_data, "empathy")["cues"]["empathy"] = "empati_kami"
    rubric = load_rubric(_write(tmp_path, rubric_data))
    with pytest.raises(RubricConfigError) as exc:
        check_cues(rubric, load_cues(CUES_ID_PATH))
    _assert_names(exc, CUES_ID_PATH, "item 'empathy'", "field 'cues.empathy'", "empati_kami")


def test_options_from_settings_mapping():
    from call_qa.rubric import RubricOptions, options_from_mapping

    opts = options_from_mapping({"interruption_partial_max": 1, "pace_wpm_max": 200})
    assert opts == RubricOptions(interruption_partial_max=1, pace_wpm_max=200.0)
    assert isinstance(opts.pace_wpm_max, float)
    with pytest.raises(RubricConfigError) as exc:
        options_from_mapping({"max_agent_interruptions_partial": 1}, "configs/pipeline.yaml")
    assert "configs/pipeline.yaml" in str(exc.value) and "max_agent_interruptions_partial" in str(exc.value)
    with pytest.raises(RubricConfigError, match="verification_required"):
        options_from_mapping({"verification_required": "yes"})
