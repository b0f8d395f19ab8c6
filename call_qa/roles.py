"""Who is the agent: from a pinned channel map, or from what each party says.

Recorders differ in which channel carries the agent, so the default is automatic:
the agent is the party whose words sound like an agent's (greeting, offer of help,
hold and transfer phrases) and who usually speaks first on an inbound call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from call_qa.config import RoleSettings
from call_qa.domain import Role, RoleAssignment, Utterance
from call_qa.errors import ConfigError
from call_qa.text import count_phrases


@dataclass(frozen=True)
class RoleCues:
    agent: tuple[str, ...]
    customer: tuple[str, ...]


def load_role_cues(path: Path, language: str) -> RoleCues:
    """Role phrases for one language from ``configs/cues/roles.yaml``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data[language]
        return RoleCues(tuple(section["agent"]), tuple(section["customer"]))
    except FileNotFoundError:
        raise ConfigError(f"{path}: role cue file not found") from None
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: needs '{language}: {{agent: [...], customer: [...]}}' (missing {exc})") from None


def assign_roles(
    utterances: Sequence[Utterance],
    labels: Sequence[str],
    cues: RoleCues,
    channel_map: Mapping[str, str] | None = None,
    first_speaker: str | None = None,
    *,
    options: RoleSettings = RoleSettings(),
) -> RoleAssignment:
    """Agent, customer (and other) for each speaker label, with a confidence.

    ``first_speaker`` is who speaks first by voice activity (it does not depend on the
    words, so it holds when the transcript is poor); without it the first utterance's
    speaker is taken. It scores ``options.first_speaker_bonus`` (the ``roles:`` settings;
    the default is the shipped one)."""
    if channel_map and all(label in channel_map for label in labels):
        roles = {label: Role(channel_map[label]) for label in labels}
        return RoleAssignment(roles, {label: 1.0 for label in labels}, method="channel_map")

    talk = {label: 0.0 for label in labels}
    score = {label: 0.0 for label in labels}
    for u in utterances:
        if u.speaker in score:
            talk[u.speaker] += u.end - u.start
            score[u.speaker] += count_phrases(u.text, cues.agent) - count_phrases(u.text, cues.customer)
    first = first_speaker or (min(utterances, key=lambda u: u.start).speaker if utterances else None)
    if first in score:
        score[first] += options.first_speaker_bonus

    # The two parties who talk most are agent and customer; anyone else is a third party.
    parties = sorted(labels, key=lambda lab: -talk[lab])[:2]
    roles = {label: Role.OTHER for label in labels}
    confidence = {label: 0.5 for label in labels}
    if not parties:
        return RoleAssignment(roles, confidence, method="cues")
    agent = max(parties, key=lambda lab: (score[lab], -labels.index(lab)))
    roles[agent] = Role.AGENT
    others = [lab for lab in parties if lab != agent]
    margin = score[agent] - (score[others[0]] if others else 0.0)
    conf = round(1 - 0.5 * math.exp(-max(margin, 0.0)), 3)
    confidence[agent] = conf
    if others:
        roles[others[0]] = Role.CUSTOMER
        confidence[others[0]] = conf
    return RoleAssignment(roles, confidence, method="cues")


def apply_roles(utterances: Sequence[Utterance], assignment: RoleAssignment) -> tuple[Utterance, ...]:
    """The same utterances with their speaker's role."""
    return tuple(replace(u, role=assignment.roles.get(u.speaker, Role.OTHER)) for u in utterances)
