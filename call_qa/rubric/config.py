"""Rubric and cue-lexicon files: YAML in, frozen typed values out.

Pydantic validates at the edge only (``extra="forbid"``, so a misspelt key is an
error, not a silently ignored setting); the rest of the engine sees the frozen
dataclasses below. Every problem is raised as :class:`RubricConfigError` naming the
file, the item (or cue list) and the field, so whoever edits the YAML can fix it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from call_qa.errors import ConfigError
from call_qa.rubric.catalog import DEFAULT_CUES, FIXED_ITEM_SETS, ITEM_PARAMS, SHARED_CUE_LISTS
from call_qa.rubric.options import OPTION_TYPES, RubricOptions
from call_qa.text import normalize

log = logging.getLogger("call_qa")


class RubricConfigError(ConfigError, ValueError):
    """A rubric or cue file is malformed; the message names the file, item and field."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class RubricItem:
    """One rubric item as configured: ``weight`` is relative within its section."""

    id: str
    section: str
    name: str
    weight: float
    critical: bool
    cues: Mapping[str, str]  # cue role -> cue-list name (defaults merged in)
    params: Mapping[str, object]  # RubricOptions overrides for this item
    description: str = ""

    def cue(self, role: str) -> str:
        """The cue-list name this item uses for ``role``."""
        return self.cues.get(role) or DEFAULT_CUES.get(self.id, {}).get(role, role)


@dataclass(frozen=True)
class RubricSection:
    id: str
    name: str
    weight: float
    items: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    """A validated rubric: sections with weights, items with weight shares and flags."""

    id: str
    version: str
    name: str
    sections: tuple[RubricSection, ...]
    items: tuple[RubricItem, ...]
    source: str = ""

    def item(self, item_id: str) -> RubricItem:
        """The item with this id (KeyError when the rubric has none)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def has_item(self, item_id: str) -> bool:
        """Whether the rubric has an item with this id."""
        return any(it.id == item_id for it in self.items)

    def section(self, section_id: str) -> RubricSection:
        """The section with this id (KeyError when the rubric has none)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def max_points(self, item_id: str) -> float:
        """Section weight × the item's share of its section's item weights."""
        item = self.item(item_id)
        section = self.section(item.section)
        total = sum(self.item(i).weight for i in section.items)
        return section.weight * item.weight / total if total > 0 else 0.0


@dataclass(frozen=True)
class CueLexicon:
    """Named phrase lists of one language, normalised and tokenised for matching."""

    language: str
    lists: Mapping[str, tuple[tuple[str, ...], ...]]  # name -> phrases as token tuples
    raw: Mapping[str, tuple[str, ...]]  # name -> phrases as written (for display, encoders)
    source: str = ""

    def phrases(self, name: str) -> tuple[tuple[str, ...], ...]:
        """Tokenised phrases of list ``name`` (KeyError when the lexicon has no such list)."""
        return self.lists[name]

    def words(self, name: str) -> frozenset[str]:
        """Single-token entries of list ``name`` as a set (for word-class lookups)."""
        return frozenset(p[0] for p in self.lists.get(name, ()) if len(p) == 1)


# --------------------------------------------------------------------------- file models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ItemModel(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, ge=0)
    critical: bool = False
    description: str = ""
    cues: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)


class _SectionModel(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    weight: float = Field(gt=0)
    items: list[_ItemModel] = Field(min_length=1)


class _RubricModel(_Strict):
    id: str = Field(min_length=1)
    version: str
    name: str = ""
    description: str = ""
    sections: list[_SectionModel] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, v: object) -> object:
        # `version: 1` in YAML is an int; the rubric version is a label.
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


class _CueModel(_Strict):
    language: str = Field(min_length=2)
    description: str = ""
    lists: dict[str, list[str]]


# --------------------------------------------------------------------------- loading


def read_yaml(path: Path) -> object:
    """A YAML config file's data; unreadable or malformed files raise RubricConfigError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricConfigError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RubricConfigError(f"{path}: not valid YAML ({exc})") from exc


def phrase_tokens(values: Any) -> tuple[tuple[str, ...], ...]:
    """Configured phrases as normalised token tuples (empty ones dropped)."""
    return tuple(t for t in (tuple(normalize(v).split()) for v in values) if t)


def validate_entries(model: type[BaseModel], path: Path, list_key: str, noun: str, whole: str) -> Any:
    """Read a YAML file of ``list_key`` entries (knowledge base, procedures) into the
    pydantic ``model``. A numeric ``version`` is read as text; an error names the file,
    the entry by its ``id`` (else its position; ``whole`` for the file itself) and the field."""
    data = read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("version"), (int, float)):
        data["version"] = str(data["version"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        context = whole
        if len(loc) > 1 and loc[0] == list_key and isinstance(loc[1], int):
            try:
                context = f"{noun} '{data[list_key][loc[1]]['id']}'"  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                context = f"{noun} #{loc[1] + 1}"
        raise RubricConfigError(f"{path}: {context}, field '{'.'.join(map(str, loc))}': {err['msg']}") from None


def _where(data: object, loc: tuple[Any, ...]) -> tuple[str, str]:
    """Turn a pydantic error location into ("item 'x'" / "section 'y'", field path)."""
    context, fields, node = "", [], data
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in ("sections", "items") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            try:
                node = node[key][index]  # type: ignore[index]
                ident = node.get("id") if isinstance(node, dict) else None
            except (KeyError, IndexError, TypeError):
                node, ident = None, None
            kind = "section" if key == "sections" else "item"
            context = f"{kind} '{ident}'" if ident else f"{kind} #{index + 1}"
            fields = []
            i += 2
            continue
        fields.append(str(key))
        try:
            node = node[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            node = None
        i += 1
    return context or "rubric", ".".join(fields) or "(whole entry)"


def _fail(path: Path, context: str, field: str, message: str) -> RubricConfigError:
    return RubricConfigError(f"{path}: {context}, field '{field}': {message}")


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a rubric YAML file (see configs/rubrics/phone_inbound.yaml).

    Raises RubricConfigError naming the file, the item and the field on any problem:
    unknown or missing keys, bad weights, unknown cue roles or parameters, and — for
    rubrics whose items rubric.md fixes (``phone_inbound``) — a missing, extra, misplaced
    or misspelt item id.
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RubricConfigError(f"{path}: rubric, field '(whole file)': expected a mapping with id, version, sections")
    try:
        model = _RubricModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        context, field = _where(data, tuple(err["loc"]))
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise _fail(path, context, field, f"{err['msg']}{more}") from None

    sections: list[RubricSection] = []
    items: list[RubricItem] = []
    seen: dict[str, str] = {}
    for sec in model.sections:
        if any(s.id == sec.id for s in sections):
            raise _fail(path, f"section '{sec.id}'", "id", "duplicate section id")
        for it in sec.items:
            if it.id in seen:
                raise _fail(path, f"item '{it.id}'", "id", f"duplicate item id (also in section '{seen[it.id]}')")
            seen[it.id] = sec.id
            items.append(_item_value(path, sec.id, it))
        if sum(it.weight for it in sec.items) <= 0:
            raise _fail(path, f"section '{sec.id}'", "items.weight", "the items' weights add up to 0")
        sections.append(RubricSection(sec.id, sec.name, sec.weight, tuple(it.id for it in sec.items)))

    fixed = FIXED_ITEM_SETS.get(model.id)
    if fixed is not None:
        _check_fixed_items(path, model.id, fixed, seen)

    rubric = Rubric(
        id=model.id,
        version=model.version,
        name=model.name,
        sections=tuple(sections),
        items=tuple(items),
        source=str(path),
    )
    log.debug("loaded rubric %s v%s from %s (%d items)", rubric.id, rubric.version, path, len(items))
    return rubric


def _item_value(path: Path, section_id: str, it: _ItemModel) -> RubricItem:
    known_roles = DEFAULT_CUES.get(it.id)
    cues = dict(known_roles or {})
    for role, list_name in it.cues.items():
        if known_roles is not None and role not in known_roles:
            raise _fail(
                path, f"item '{it.id}'", f"cues.{role}",
                f"unknown cue role; this item uses {sorted(known_roles) or 'no cue lists'}",
            )
        if not list_name.strip():
            raise _fail(path, f"item '{it.id}'", f"cues.{role}", "empty cue-list name")
        cues[role] = list_name
    allowed = ITEM_PARAMS.get(it.id)
    params: dict[str, object] = {}
    for key, value in it.params.items():
        if key not in OPTION_TYPES or (allowed is not None and key not in allowed):
            raise _fail(
                path, f"item '{it.id}'", f"params.{key}",
                f"unknown parameter for this item; allowed: {sorted(allowed) if allowed is not None else sorted(OPTION_TYPES)}",
            )
        params[key] = _coerce_param(path, it.id, key, value)
    return RubricItem(
        id=it.id,
        section=section_id,
        name=it.name,
        weight=it.weight,
        critical=it.critical,
        cues=MappingProxyType(cues),
        params=MappingProxyType(params),
        description=it.description,
    )


def options_from_mapping(values: Mapping[str, object], source: str = "rubric options") -> RubricOptions:
    """RubricOptions from a settings mapping (the pipeline's ``rubric.options`` block).

    Raises RubricConfigError naming ``source`` and the field for an unknown name or a
    value of the wrong type, so a typo in the settings is not silently ignored.
    """
    checked: dict[str, object] = {}
    for key, value in values.items():
        if key not in OPTION_TYPES:
            raise RubricConfigError(
                f"{source}: rubric options, field '{key}': unknown option; known: {', '.join(OPTION_TYPES)}"
            )
        checked[key] = _coerce_value(OPTION_TYPES[key], value, lambda msg, k=key: RubricConfigError(
            f"{source}: rubric options, field '{k}': {msg}"))
    return RubricOptions(**checked)  # type: ignore[arg-type]


def _coerce_param(path: Path, item_id: str, key: str, value: object) -> object:
    return _coerce_value(OPTION_TYPES[key], value,
                         lambda msg: _fail(path, f"item '{item_id}'", f"params.{key}", msg))


def _coerce_value(expected: type, value: object, error: Callable[[str], Exception]) -> object:
    """``value`` as the option type ``expected`` (ints accepted for floats), else raise ``error(msg)``."""
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)  # YAML `true` is not a count
    elif expected is str:
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok:
        raise error(f"expected {expected.__name__}, got {value!r}")
    return float(value) if expected is float else value  # type: ignore[arg-type]


def _check_fixed_items(path: Path, rubric_id: str, fixed: Mapping[str, tuple[str, ...]], seen: Mapping[str, str]) -> None:
    expected_section = {item: sec for sec, items in fixed.items() for item in items}
    for item_id, section_id in seen.items():
        if item_id not in expected_section:
            raise _fail(
                path, f"item '{item_id}'", "id",
                f"not an item of rubric '{rubric_id}' (rubric.md fixes the ids: {', '.join(expected_section)})",
            )
        if expected_section[item_id] != section_id:
            raise _fail(
                path, f"item '{item_id}'", "section",
                f"belongs in section '{expected_section[item_id]}', found in '{section_id}'",
            )
    for item_id, section_id in expected_section.items():
        if item_id not in seen:
            raise _fail(path, f"item '{item_id}'", "items", f"missing from section '{section_id}'")


def load_cues(path: str | Path) -> CueLexicon:
    """Read and validate a cue lexicon YAML file (see configs/cues/id.yaml).

    Phrases are normalised the way transcripts are (lowercase, no punctuation), so the
    file can be written naturally. Raises RubricConfigError naming the file, the cue
    list and the field for unknown keys, non-string or empty phrases, or a missing
    shared list.
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RubricConfigError(f"{path}: cue lexicon, field '(whole file)': expected a mapping with language, lists")
    try:
        model = _CueModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        context = f"cue list '{loc[1]}'" if len(loc) > 1 and loc[0] == "lists" else "cue lexicon"
        hint = ""
        if isinstance(err.get("input"), bool):
            hint = " (YAML reads unquoted yes/no/on/off as true/false: quote the phrase)"
        raise RubricConfigError(f"{path}: {context}, field '{'.'.join(map(str, loc))}': {err['msg']}{hint}") from None
    lists: dict[str, tuple[tuple[str, ...], ...]] = {}
    raw: dict[str, tuple[str, ...]] = {}
    for name, phrases in model.lists.items():
        tokenised: list[tuple[str, ...]] = []
        for i, phrase in enumerate(phrases):
            toks = tuple(normalize(phrase).split())
            if not toks:
                raise RubricConfigError(
                    f"{path}: cue list '{name}', field 'lists.{name}.{i}': phrase {phrase!r} is empty after normalisation"
                )
            if toks not in tokenised:  # duplicates after normalisation are harmless: drop
                tokenised.append(toks)
        lists[name] = tuple(tokenised)
        raw[name] = tuple(phrases)
    for name in SHARED_CUE_LISTS:
        if name not in lists:
            raise RubricConfigError(f"{path}: cue list '{name}', field 'lists.{name}': missing (every lexicon needs it)")
    lexicon = CueLexicon(model.language, MappingProxyType(lists), MappingProxyType(raw), str(path))
    log.debug("loaded %d cue lists (%s) from %s", len(lists), lexicon.language, path)
    return lexicon


def check_cues(rubric: Rubric, cues: CueLexicon) -> None:
    """Raise RubricConfigError when an item of ``rubric`` names a cue list ``cues`` lacks."""
    for item in rubric.items:
        for role, list_name in item.cues.items():
            if list_name not in cues.lists:
                raise RubricConfigError(
                    f"{cues.source or 'cue lexicon'}: item '{item.id}', field 'cues.{role}': "
                    f"cue list '{list_name}' (named in {rubric.source or rubric.id}) is not in the lexicon"
                )
