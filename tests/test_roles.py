from pathlib import Path

from call_qa.domain import Role, Utterance
from call_qa.roles import apply_roles, assign_roles, load_role_cues
from call_qa.text import count_phrases

CUES_FILE = Path(__file__).resolve().parents[1] / "configs" / "cues" / "roles.yaml"


def u(speaker, start, text):
    return Utterance(start, start + 2, speaker, Role.OTHER, text)


def test_agent_found_from_phrases_whichever_channel_it_is_on():
    cues = load_role_cues(CUES_FILE, "id")
    for agent, customer in (("ch0", "ch1"), ("ch1", "ch0")):
        utts = [
            u(agent, 0, "Selamat pagi, terima kasih telah menghubungi Kring Pajak, ada yang bisa dibantu?"),
            u(customer, 3, "Saya mau tanya soal NPWP saya"),
            u(agent, 6, "Baik, dengan Bapak siapa saya berbicara?"),
        ]
        a = assign_roles(utts, ["ch0", "ch1"], cues)
        assert a.roles == {agent: Role.AGENT, customer: Role.CUSTOMER}
        assert a.confidence[agent] > 0.9
        assert [x.role for x in apply_roles(utts, a)] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]


def test_channel_map_wins_and_third_voice_is_other():
    cues = load_role_cues(CUES_FILE, "en")
    utts = [u("ch0", 0, "How can I help you?"), u("ch1", 3, "I would like to ask")]
    pinned = assign_roles(utts, ["ch0", "ch1"], cues, {"ch0": "customer", "ch1": "agent"})
    assert pinned.roles == {"ch0": Role.CUSTOMER, "ch1": Role.AGENT} and pinned.method == "channel_map"
    three = [u("spk0", 0, "Thank you for calling, how can I help?"), u("spk1", 3, "I want to pay my bill, I want to know"),
             u("spk1", 6, "more words from the caller here"), u("spk2", 20, "Billing")]
    a = assign_roles(three, ["spk0", "spk1", "spk2"], cues)
    assert a.roles == {"spk0": Role.AGENT, "spk1": Role.CUSTOMER, "spk2": Role.OTHER}


def _corpus_calls():
    import json

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.truth.json"))]


def test_roles_of_every_corpus_call_in_both_languages_from_what_is_said():
    """Each corpus call's truth utterances (Indonesian and English, stereo and mono, with
    transfers) with the labels swapped around so that label order cannot give the answer:
    the agent, the customer and the transferred-to party (`other`) come out as the
    truth's speakers say."""
    calls = _corpus_calls()
    assert {c["language"] for c in calls} == {"id", "en"}
    for call in calls:
        truth = {s["label"]: Role(s["role"]) for s in call["speakers"]}
        rename = {label: f"v{len(truth) - 1 - i}" for i, label in enumerate(sorted(truth))}  # reversed order
        utts = [Utterance(x["start"], x["end"], rename[x["speaker"]], Role.OTHER, x["text"]) for x in call["utterances"]]
        cues = load_role_cues(CUES_FILE, call["language"])
        a = assign_roles(utts, sorted(rename.values()), cues)
        assert a.roles == {rename[k]: v for k, v in truth.items()}, call["call_id"]
        agent = next(k for k, v in a.roles.items() if v is Role.AGENT)
        assert a.confidence[agent] > 0.8, call["call_id"]


def test_first_speaker_bonus_comes_from_the_roles_settings():
    from call_qa.config import RoleSettings

    cues = load_role_cues(CUES_FILE, "en")
    # ch0 speaks first and says nothing agent-like; ch1 says one agent cue (+1)
    utts = [u("ch0", 0, "hello"), u("ch1", 3, "How can I help you?"), u("ch0", 6, "hello again")]
    assert count_phrases("How can I help you?", cues.agent) == 1
    default = assign_roles(utts, ["ch0", "ch1"], cues)
    assert default.roles["ch1"] == Role.AGENT  # 1 cue beats the 0.5 first-speaker bonus
    strong = assign_roles(utts, ["ch0", "ch1"], cues, options=RoleSettings(first_speaker_bonus=2.0))
    assert strong.roles["ch0"] == Role.AGENT  # a bonus of 2 outweighs one cue
