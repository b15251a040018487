"""The case schema: a role-play case declared once, validated and documented from the same source.

Why frozen pydantic models with a description on every field: an instructor who writes a new
case gets an error naming the file and field, and ``cases/README.md`` is generated from the very
descriptions that validate (a test keeps it current), so the documentation cannot drift.

A case is a narrative, roles with private briefs, the scenario the world runs on, decisions that
map to policy parameters with allowed ranges and a weekly budget, rounds, scheduled and optional
events, a balanced scoring rule, debrief questions, a memo template, a role-play scene (角色模拟:
each team writes and performs the script of one management scene, other teams score it with the
scene's rubric) with its script template, and a teaching note for the instructor.

Every text a player or the instructor reads is a :class:`Text` holding English and Chinese (the
course is taught in Chinese, the code and the source of the texts are English). A case file that
lacks either language is refused when it is loaded, naming the file, the field and the language,
so a half-translated case never reaches a classroom; pages ask each text for their own language
with :meth:`Text.get`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulations.config import BUILTIN_DIR, EVENT_KINDS, Scenario, ScenarioError, load_scenario, with_overrides
from simulations.errors import UserError
from simulations.i18n import LANGUAGES, current_language, normalise_language, translator

#: Folder of the built-in cases (``cases/<name>/case.yaml``); the repository root's ``cases``.
CASES_DIR = Path(__file__).resolve().parents[2] / "cases"
_ID = r"^[a-z][a-z0-9_]*$"


class CaseError(UserError):
    """A case could not be read or is invalid; the message names the file and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: How a missing language is named in errors (case authors read them in English).
_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character (a translation, not copied English)."""
    return _CJK.search(text) is not None


class Text(_Frozen):
    """A text shown to users, in every language of the course: ``{en: ..., zh: ...}`` in ``case.yaml``.

    Why one object per text rather than a Chinese copy of the case: both languages are checked
    together when the case is read, so a case cannot lose its Chinese for one field unnoticed, and
    a page in either language reads the same case.
    """

    en: str = Field(description="English")
    zh: str = Field(description="Chinese (简体中文)")

    @model_validator(mode="before")
    @classmethod
    def _both_languages(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError("needs every language: a mapping {en: English text, zh: Chinese text}, not one string")
        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping {{en: ..., zh: ...}}, got {type(data).__name__}")
        missing = [f"the {_LANGUAGE_NAMES[lang]} text ({lang})" for lang in LANGUAGES
                   if not isinstance(data.get(lang), str) or not data[lang].strip()]
        if missing:
            raise ValueError("missing " + " and ".join(missing))
        if not has_chinese(data["zh"]):
            raise ValueError("the Chinese text (zh) contains no Chinese characters")
        return data

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` (default: the language in force, :func:`~simulations.i18n.current_language`)."""
        return getattr(self, normalise_language(lang) if lang is not None else current_language())

    @classmethod
    def empty(cls) -> Text:
        """No text in any language (the default of optional texts such as a decision's help)."""
        return cls.model_construct(en="", zh="")


def _at_least(chars: int) -> AfterValidator:
    """A minimum length for a text: ``chars`` in English, a quarter of it in Chinese.

    Why a quarter: a Chinese character carries about as much as a short English word, so the same
    content is roughly three to four times shorter in Chinese.
    """
    zh_chars = max(1, chars // 4)

    def check(text: Text) -> Text:
        if len(text.en.strip()) < chars:
            raise ValueError(f"the English text (en) needs at least {chars} characters")
        if len(text.zh.strip()) < zh_chars:
            raise ValueError(f"the Chinese text (zh) needs at least {zh_chars} characters")
        return text

    return AfterValidator(check)


class Role(_Frozen):
    """A role a team member plays; only the player of the role is meant to read its private brief."""

    id: str = Field(description="short identifier, lower case (e.g. marketing)", pattern=_ID)
    title: Text = Field(description="title shown on the team page (e.g. Marketing director / 市场总监)")
    public: Text = Field(description="one or two sentences every member of the team sees")
    private_brief: Annotated[Text, _at_least(20)] = Field(
        description="information only this role has (targets, hunches, constraints)")


class Decision(_Frozen):
    """One lever a team sets each round, mapped to one policy parameter of the scenario."""

    id: str = Field(description="short identifier, lower case, unique in the case", pattern=_ID)
    label: Text = Field(description="what the decision form shows")
    help: Text = Field(Text.empty(), description="one line under the field: unit and what it changes")
    owner: str = Field(description="id of the role that argues for this lever")
    policy: str = Field(description="dotted policy path set by this decision (e.g. service.capacity.phone)", min_length=3)
    kind: Literal["number", "integer", "switch", "choice"] = Field(
        "number", description="number, integer, switch (off/on) or choice (one of options)"
    )
    min: float = Field(0.0, description="smallest allowed value (number, integer)")
    max: float = Field(1.0, description="largest allowed value (number, integer)")
    step: float = Field(1.0, description="granularity of the form field (number, integer)", gt=0)
    default: float | bool | str = Field(description="the firm's current setting, used until a team changes it")
    options: tuple[str, ...] = Field((), description="allowed values of a choice")
    option_labels: dict[str, Text] = Field(
        {}, description="option -> the text the form shows for it (a choice needs one for every option)")
    cost_per_unit: float = Field(
        0.0, description="weekly budget used per unit of the value (switch: when on); 0 = free", ge=0
    )

    @model_validator(mode="after")
    def _check(self) -> Decision:
        if self.kind in ("number", "integer"):
            if self.min > self.max:
                raise ValueError(f"decision {self.id}: min {self.min} is above max {self.max}")
            if isinstance(self.default, bool) or not isinstance(self.default, int | float):
                raise ValueError(f"decision {self.id}: default must be a number, got {self.default!r}")
            if not self.min <= float(self.default) <= self.max:
                raise ValueError(f"decision {self.id}: default {self.default} outside [{self.min}, {self.max}]")
        elif self.kind == "switch" and not isinstance(self.default, bool):
            raise ValueError(f"decision {self.id}: a switch needs default true or false, got {self.default!r}")
        elif self.kind == "choice" and (not self.options or self.default not in self.options):
            raise ValueError(f"decision {self.id}: a choice needs options and a default among them")
        if self.kind == "choice":
            unlabelled = [o for o in self.options if o not in self.option_labels]
            unknown = sorted(set(self.option_labels) - set(self.options))
            if unlabelled or unknown:
                raise ValueError(f"decision {self.id}: option_labels needs exactly the options; "
                                 f"without a label: {', '.join(unlabelled) or '-'}; not an option: {', '.join(unknown) or '-'}")
        elif self.option_labels:
            raise ValueError(f"decision {self.id}: option_labels belong to a choice only")
        return self

    def choices(self, lang: str | None = None) -> list[tuple[str, str]]:
        """(label in ``lang``, value) of each option of a choice, as a drop-down wants them."""
        return [(self.option_labels[o].get(lang), o) for o in self.options]

    def coerce(self, value: Any, lang: str | None = None) -> float | bool | str:
        """Check one submitted value; raise :class:`CaseError` naming the decision (in ``lang``) if it is not allowed."""
        _ = translator(lang)  # messages shown on the team's page, in its language
        label = self.label.get(lang)
        if self.kind == "switch":
            if isinstance(value, bool):
                return value
            raise CaseError(_("{label}: expected on or off, got {value}").format(label=label, value=repr(value)))
        if self.kind == "choice":
            if value in self.options:
                return str(value)
            raise CaseError(_("{label}: expected one of {options}, got {value}").format(
                label=label, options=", ".join(self.options), value=repr(value)))
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise CaseError(_("{label}: expected a number, got {value}").format(label=label, value=repr(value)))
        if not self.min <= value <= self.max:
            raise CaseError(_("{label}: must be between {min} and {max}, got {value}").format(
                label=label, min=f"{self.min:g}", max=f"{self.max:g}", value=f"{value:g}"))
        if self.kind == "integer":
            if value != int(value):
                raise CaseError(_("{label}: must be a whole number, got {value}").format(label=label, value=f"{value:g}"))
            return int(value)
        return float(value)

    def cost(self, value: Any) -> float:
        """Weekly budget this value uses."""
        if self.kind == "switch":
            return self.cost_per_unit if value else 0.0
        if self.kind == "choice":
            return 0.0
        return self.cost_per_unit * float(value)


class Rounds(_Frozen):
    """How the game is paced."""

    count: int = Field(description="rounds that count for the score", ge=1, le=20)
    weeks: int = Field(description="simulated weeks per round", ge=1, le=52)
    practice: bool = Field(True, description="play a practice round first; it can be reset and does not count")
    warmup_weeks: int = Field(8, description="weeks simulated with the default decisions before the game starts", ge=0, le=520)


class EventSpec(_Frozen):
    """A shock: scheduled for a round by the case, or offered to the instructor to inject."""

    id: str = Field(description="short identifier, lower case", pattern=_ID)
    kind: Literal["service_outage", "price_war", "product_defect", "viral_campaign", "viral_complaint"] = Field(
        description=f"what happens: one of {', '.join(EVENT_KINDS)}"
    )
    headline: Text = Field(description="news line the teams read when it happens")
    intensity: float = Field(0.5, description="strength from 0 to 1", ge=0, le=1)
    duration: int = Field(1, description="weeks it lasts from the first week of its round", ge=1, le=52)
    round: int | None = Field(None, description="round it strikes (scheduled events only)", ge=1)


class Scoring(_Frozen):
    """A balanced score, so that squeezing customers for profit in the last round does not win.

    Each part is an index against the benchmark firm (same world, default decisions): 1.0 means as
    good as the benchmark. The score is 100 times the weighted mean of the indices.
    """

    profit: float = Field(0.4, description="weight of cumulative profit over the counted rounds", ge=0)
    equity: float = Field(0.4, description="weight of customer equity at the end (expected future margin of the base)", ge=0)
    satisfaction: float = Field(0.2, description="weight of surveyed satisfaction at the end", ge=0)
    equity_horizon_weeks: int = Field(156, description="weeks of future margin counted in customer equity", ge=4, le=1040)
    annual_discount: float = Field(0.1, description="yearly discount rate of future margin", ge=0, le=1)

    @model_validator(mode="after")
    def _weights(self) -> Scoring:
        if self.profit + self.equity + self.satisfaction <= 0:
            raise ValueError("scoring: at least one weight must be positive")
        return self


#: Scores of the peer-scoring scale; an anchor describes what a score means for one criterion.
SCORE_SCALE: tuple[int, ...] = (1, 2, 3, 4, 5)
#: Scores every criterion must describe: the two ends and the middle of the scale. Why not all
#: five: raters place a performance between two described neighbours reliably, and forcing texts
#: for 2 and 4 mostly produces filler; an author may still write them.
REQUIRED_ANCHORS: tuple[int, ...] = (1, 3, 5)


class SceneRole(_Frozen):
    """A character in the scene, played by a team member (not one of the case's team roles)."""

    id: str = Field(description="short identifier, lower case (e.g. caller)", pattern=_ID)
    title: Text = Field(description="who the character is (e.g. Regular customer / 老顾客)")
    brief: Annotated[Text, _at_least(20)] = Field(description="what the character knows, wants and fears in the scene")


class Criterion(_Frozen):
    """One criterion of the peer-scoring rubric: other teams score it from 1 to 5."""

    id: str = Field(description="short identifier, lower case, unique in the rubric", pattern=_ID)
    label: Text = Field(description="what is scored, as the scoring form shows it")
    weight: float = Field(description="share of the scene score (the weights of a rubric sum to 1)", gt=0, le=1)
    anchors: dict[int, Text] = Field(
        description="score -> what a performance with that score looks like; 1, 3 and 5 are required, 2 and 4 optional")

    @field_validator("anchors")
    @classmethod
    def _anchors(cls, anchors: dict[int, Text]) -> dict[int, Text]:
        outside = sorted(k for k in anchors if k not in SCORE_SCALE)
        if outside:
            raise ValueError(f"scores {outside} are outside the scale {SCORE_SCALE[0]}-{SCORE_SCALE[-1]}")
        missing = [k for k in REQUIRED_ANCHORS if k not in anchors]
        if missing:
            raise ValueError(f"missing the anchor(s) for score {', '.join(map(str, missing))} "
                             f"(every criterion describes scores {', '.join(map(str, REQUIRED_ANCHORS))})")
        return dict(sorted(anchors.items()))


class Scene(_Frozen):
    """The role-play scene (角色模拟) of a case: teams script it, perform it, and score each other.

    Why part of the case rather than free text in the teaching note: the scene phase pages and the
    peer-scoring form read the situation, the characters and the rubric from here, so a rubric
    whose weights do not add up, or a criterion without anchors, is refused before class.
    """

    title: Text = Field(description="name of the scene (e.g. The complaint call / 投诉电话)")
    situation: Annotated[Text, _at_least(100)] = Field(description="where and when the scene plays and what has just happened")
    minutes: int = Field(description="length of one performance in minutes", ge=2, le=20)
    roles: tuple[SceneRole, ...] = Field(description="characters in the scene", min_length=2)
    must_show: tuple[Text, ...] = Field(description="what the script must show (each point is checked by the rubric)",
                                        min_length=2)
    rubric: tuple[Criterion, ...] = Field(description="peer-scoring criteria with weights and anchors", min_length=2)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: tuple[SceneRole, ...]) -> tuple[SceneRole, ...]:
        _unique("scene roles", [r.id for r in roles])
        return roles

    @field_validator("rubric")
    @classmethod
    def _weights(cls, rubric: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        _unique("rubric criteria", [c.id for c in rubric])
        total = sum(c.weight for c in rubric)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the weights of the criteria sum to {total:g}, they must sum to 1 "
                             f"({', '.join(f'{c.id} {c.weight:g}' for c in rubric)})")
        return rubric

    def score(self, marks: dict[str, int], lang: str | None = None) -> float:
        """Weighted scene score (1 to 5) from one rater's marks, criterion id -> score.

        Why here: the peer-scoring page and the teaching note's rubric must weigh marks the same
        way. Errors (in ``lang``) name the criteria by their label, as the scoring form shows them.
        """
        _ = translator(lang)  # messages shown on the scoring team's page, in its language
        labels = {c.id: c.label.get(lang) for c in self.rubric}
        missing = [labels[c.id] for c in self.rubric if c.id not in marks]
        if missing:
            raise CaseError(_("score every criterion; not scored: {criteria}").format(criteria=", ".join(missing)))
        unknown = sorted(set(marks) - set(labels))
        if unknown:
            raise CaseError(_("unknown criterion(s): {ids}").format(ids=", ".join(unknown)))
        for cid, value in marks.items():
            if isinstance(value, bool) or value not in SCORE_SCALE:
                raise CaseError(_("{label}: the score must be a whole number from {low} to {high}, got {value}").format(
                    label=labels[cid], low=SCORE_SCALE[0], high=SCORE_SCALE[-1], value=repr(value)))
        return float(sum(c.weight * marks[c.id] for c in self.rubric))


class Case(_Frozen):
    """A role-play case exercise."""

    name: str = Field(description="folder name of the case (e.g. telecom-churn)", pattern=r"^[a-z][a-z0-9-]*$")
    title: Text = Field(description="title shown on every page")
    summary: Text = Field(description="one sentence for case lists")
    narrative: Annotated[Text, _at_least(100)] = Field(description="the case brief all roles read")
    scenario: str = Field(description="built-in scenario name, or a YAML file in the case folder")
    customers: int = Field(10_000, description="people in the world at the start", ge=100, le=200_000)
    seed: int = Field(0, description="seed of the world; every team plays the same (paired) world", ge=0)
    currency: str = Field("CNY", description="currency label for money figures")
    roles: tuple[Role, ...] = Field(description="roles within each team, each with a private brief", min_length=2)
    budget_per_week: float = Field(description="weekly budget the costed decisions may use together", gt=0)
    decisions: tuple[Decision, ...] = Field(description="levers a team sets each round", min_length=1)
    rounds: Rounds = Field(description="number and length of rounds, practice round, warm-up")
    scheduled_events: tuple[EventSpec, ...] = Field((), description="events that strike in a given round")
    optional_events: tuple[EventSpec, ...] = Field((), description="events the instructor may inject")
    scoring: Scoring = Field(Scoring(), description="weights of the balanced score")
    debrief: tuple[Text, ...] = Field(description="questions for the debrief after the last round", min_length=1)
    scene: Scene = Field(description="the role-play scene teams script, perform and score (see Scene)")

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        roles = {r.id for r in self.roles}
        _unique("roles", [r.id for r in self.roles])
        _unique("decisions", [d.id for d in self.decisions])
        _unique("decision policies", [d.policy for d in self.decisions])
        _unique("events", [e.id for e in (*self.scheduled_events, *self.optional_events)])
        for d in self.decisions:
            if d.owner not in roles:
                raise ValueError(f"decision {d.id}: owner {d.owner!r} is not a role ({', '.join(sorted(roles))})")
        for e in self.scheduled_events:
            if e.round is None or e.round > self.rounds.count:
                raise ValueError(f"scheduled event {e.id}: round must be 1..{self.rounds.count}, got {e.round}")
        for e in self.optional_events:
            if e.round is not None:
                raise ValueError(f"optional event {e.id}: has no round (the instructor chooses when)")
        used = self.budget_used(self.default_decisions())
        if used > self.budget_per_week + 1e-9:
            raise ValueError(f"default decisions use {used:g} of a weekly budget of {self.budget_per_week:g}")
        return self

    # ----------------------------------------------------------------------------- helpers
    def decision(self, decision_id: str) -> Decision:
        """The decision with this id."""
        for d in self.decisions:
            if d.id == decision_id:
                return d
        raise CaseError(f"case {self.name}: no decision {decision_id!r}")

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        for r in self.roles:
            if r.id == role_id:
                return r
        raise CaseError(f"case {self.name}: no role {role_id!r}")

    def event(self, event_id: str) -> EventSpec | None:
        """The scheduled or optional event with this id, if the case has one."""
        return next((e for e in (*self.scheduled_events, *self.optional_events) if e.id == event_id), None)

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every user-facing text of the case with its field path (``roles[service].private_brief``).

        Why: tests and tools that check the translations (every text has Chinese) walk the case
        through this one list instead of naming the fields again.
        """
        yield from _texts(self, "")

    def default_decisions(self) -> dict[str, Any]:
        """Decision id -> the firm's current setting."""
        return {d.id: d.default for d in self.decisions}

    def budget_used(self, decisions: dict[str, Any]) -> float:
        """Weekly budget used by a full set of decision values."""
        return float(sum(d.cost(decisions[d.id]) for d in self.decisions if d.id in decisions))

    def validate_decisions(self, values: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
        """Complete, check and coerce a team's decisions; errors (in ``lang``) name the decision and the limit."""
        _ = translator(lang)  # messages shown on the team's page, in its language
        unknown = sorted(set(values) - {d.id for d in self.decisions})
        if unknown:
            raise CaseError(_("unknown decision(s): {ids}").format(ids=", ".join(unknown)))
        full = {d.id: d.coerce(values.get(d.id, d.default), lang) for d in self.decisions}
        used = self.budget_used(full)
        if used > self.budget_per_week + 1e-9:
            raise CaseError(_("these decisions use {used} {currency} a week, over the budget of {budget}").format(
                used=f"{used:,.0f}", currency=self.currency, budget=f"{self.budget_per_week:,.0f}"))
        return full

    def policy_overrides(self, decisions: dict[str, Any]) -> dict[str, Any]:
        """Dotted policy path -> value, for ``CustomerLifecycleModel.set_policies``."""
        return {d.policy: decisions[d.id] for d in self.decisions}


def _texts(value: Any, path: str) -> Iterator[tuple[str, Text]]:
    """The :class:`Text` values inside a model, list or mapping, with their paths (see :meth:`Case.texts`)."""
    if isinstance(value, Text):
        if value.en or value.zh:  # an optional text left empty (a decision without help) is not shown
            yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{getattr(item, 'id', i)}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}[{key}]")


def _unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what}: {i!r} appears twice")
        seen.add(i)


# ------------------------------------------------------------------------------------ loading
def case_names() -> list[str]:
    """Names of the built-in cases (folders of ``cases/`` with a ``case.yaml``)."""
    return sorted(p.parent.name for p in CASES_DIR.glob("*/case.yaml"))


def case_folder(name_or_path: str | Path) -> Path:
    """Folder of a case given its name, its folder or its ``case.yaml``."""
    path = Path(name_or_path)
    if path.name == "case.yaml" and path.is_file():
        return path.parent
    if (path / "case.yaml").is_file():
        return path
    if (CASES_DIR / str(name_or_path) / "case.yaml").is_file():
        return CASES_DIR / str(name_or_path)
    raise CaseError(f"unknown case {str(name_or_path)!r}; built-in cases: {', '.join(case_names())} (or give a case folder)")


#: validated cases by folder, with the files' fingerprint they were read from (see :func:`load_case`)
_LOADED: dict[Path, tuple[tuple, Case]] = {}


def _fingerprint(folder: Path) -> tuple:
    """Name, size and modification time of every file a case reads (its folder and the built-in scenarios)."""
    files = [*folder.rglob("*"), *BUILTIN_DIR.glob("*.yaml")]
    return tuple(sorted((str(f), st.st_size, st.st_mtime_ns) for f in files if f.is_file() for st in [f.stat()]))


def load_case(name_or_path: str | Path) -> Case:
    """Read and validate a case; the scenario and every decision's policy path are checked too.

    Why cached: a round's advance reads its session's case, and parsing and validating the YAML
    took about 0.14 s of the 3 s an advance may take with 30 teams. A case is frozen, so the
    same object is handed out again while none of the files it was read from has changed.
    """
    folder = case_folder(name_or_path)
    key = folder.resolve()
    stamp = _fingerprint(key)
    cached = _LOADED.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    case = _read_case(folder)
    _LOADED[key] = (stamp, case)
    return case


def _read_case(folder: Path) -> Case:
    source = folder / "case.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CaseError(f"{source}: malformed YAML: {err}") from None
    if not isinstance(data, dict):
        raise CaseError(f"{source}: expected a mapping of case fields")
    try:
        case = Case.model_validate(data)
    except ValidationError as err:
        lines = [f"{source}: invalid case"]
        for e in err.errors():
            message = e["msg"].removeprefix("Value error, ")
            lines.append(f"  field {_field_path(data, e['loc'])}: {message}")
        raise CaseError("\n".join(lines)) from None
    if case.name != folder.name:
        raise CaseError(f"{source}: field name is {case.name!r} but the folder is {folder.name!r}")
    scenario = _raw_scenario(case, folder)
    for d in case.decisions:
        values = (d.min, d.max, d.default) if d.kind in ("number", "integer") else (d.default, *d.options)
        for v in values:
            v = int(v) if d.kind == "integer" else v
            try:
                with_overrides(scenario, {f"policies.{d.policy}": v})
            except ScenarioError as err:
                raise CaseError(f"{source}: decision {d.id}: policy {d.policy!r} does not accept {v!r}: {err}") from None
    for lang in LANGUAGES:  # every file a class uses exists in every language
        memo_template(case, lang, folder)
        scene_template(case, lang, folder)
        teaching_note(case, lang, folder)
    return case


def _field_path(data: Any, loc: tuple[Any, ...]) -> str:
    """Pydantic's error location as a readable path: ``roles[service].private_brief``, not ``roles.2.private_brief``.

    Why: an author looking for the field in a long YAML file finds a role, decision or event by
    its id; list items without an id keep their position, counted from 0.
    """
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else key
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label}]"]
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _raw_scenario(case: Case, folder: Path) -> Scenario:
    ref = case.scenario
    try:
        return load_scenario(folder / ref if ref.endswith((".yaml", ".yml")) else ref)
    except ScenarioError as err:
        raise CaseError(f"{folder / 'case.yaml'}: scenario {ref!r}: {err}") from None


def case_scenario(case: Case, folder: Path | None = None) -> Scenario:
    """The scenario a case runs on, with the case's default decisions applied."""
    folder = folder if folder is not None else case_folder(case.name)
    scenario = _raw_scenario(case, folder)
    overrides = {f"policies.{k}": v for k, v in case.policy_overrides(case.default_decisions()).items()}
    try:
        return with_overrides(scenario, overrides)
    except ScenarioError as err:
        raise CaseError(f"{folder / 'case.yaml'}: default decisions: {err}") from None


#: File of the memo template in each language, in the case folder.
MEMO_TEMPLATES: dict[str, str] = {"en": "memo_template.md", "zh": "memo_template.zh.md"}
#: File of the scene's script template in each language, in the case folder.
SCENE_TEMPLATES: dict[str, str] = {"en": "scene_template.md", "zh": "scene_template.zh.md"}
#: File of the instructor's teaching note in each language, in the case folder.
TEACHING_NOTES: dict[str, str] = {"en": "teaching_note.md", "zh": "teaching_note.zh.md"}


def _case_file(case: Case, files: dict[str, str], what: str, lang: str | None, folder: Path | None) -> str:
    """The text of one of a case's per-language files; missing, empty or Chinese-less is a :class:`CaseError`.

    Why one helper: memo template, scene template and teaching note follow the same rule (one file
    per language beside ``case.yaml``), so a case cannot ship one of them in English only.
    """
    lang = normalise_language(lang) if lang is not None else current_language()
    path = (folder if folder is not None else case_folder(case.name)) / files[lang]
    if not path.is_file():
        raise CaseError(f"{path}: missing {what} ({_LANGUAGE_NAMES[lang]})")
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise CaseError(f"{path}: the {what} is empty")
    if lang == "zh" and not has_chinese(text):
        raise CaseError(f"{path}: the Chinese {what} contains no Chinese characters")
    return text


def memo_template(case: Case, lang: str | None = None, folder: Path | None = None) -> str:
    """The team memo template of a case in ``lang`` (default: the language in force).

    ``memo_template.md`` is English and ``memo_template.zh.md`` Chinese; a missing or empty one,
    or a Chinese template without Chinese, is a :class:`CaseError` naming the file.
    """
    return _case_file(case, MEMO_TEMPLATES, "memo template", lang, folder)


def scene_template(case: Case, lang: str | None = None, folder: Path | None = None) -> str:
    """The script template of the case's scene in ``lang`` (``scene_template.md`` / ``scene_template.zh.md``)."""
    return _case_file(case, SCENE_TEMPLATES, "scene template", lang, folder)


def teaching_note(case: Case, lang: str | None = None, folder: Path | None = None) -> str:
    """The instructor's teaching note in ``lang`` (``teaching_note.md`` / ``teaching_note.zh.md``).

    It holds the learning objectives tied to the course chapters, the 90-minute plan, the debrief
    questions with model answers and the grading rubric of memo and script.
    """
    return _case_file(case, TEACHING_NOTES, "teaching note", lang, folder)


# ------------------------------------------------------------------------------ documentation
def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return re.sub(r"typing\.|simulations\.classroom\.case\.", "", text)


def schema_markdown() -> str:
    """``cases/README.md``: the case schema documented from its own descriptions, and the case list."""
    out = [
        "# Cases",
        "",
        "<!-- generated by `crm-sandbox classroom docs` from simulations/classroom/case.py; do not edit -->",
        "",
        "Role-play case exercises for the live classroom (`crm-sandbox classroom start CASE --teams N`).",
        "Each folder holds `case.yaml` (validated by the schema below), `memo_template.md` and its Chinese",
        "`memo_template.zh.md` (a team memo whose numeric claims are checked against the simulated",
        "results; the checker reads claims in either language), `scene_template.md` and",
        "`scene_template.zh.md` (the script of the role-play scene, 角色模拟, that each team writes,",
        "performs and has scored by the other teams with the scene's rubric), and `teaching_note.md` and",
        "`teaching_note.zh.md` for the instructor (learning objectives tied to the course chapters, a",
        "90-minute plan, debrief questions with model answers, the grading rubric of memo and script).",
        "`app/` holds the Voila pages.",
        "",
        "Every text a player or the instructor reads is a `Text`: a mapping with the English (`en`) and",
        "the Chinese (`zh`) version, for example",
        "",
        "```yaml",
        "title:",
        "  en: \"Holding the line: a telecom operator losing subscribers\"",
        "  zh: \"守住用户：一家不断流失用户的电信运营商\"",
        "```",
        "",
        "A case missing either language in any text, or any of these files in either language, is",
        "refused when it is loaded, with the file, the field path (`roles[service].private_brief`,",
        "`scene.rubric[offer].anchors[3]`) and the missing language. A scene whose rubric weights do not",
        "sum to 1, or a criterion without the anchors for scores 1, 3 and 5, is refused the same way.",
        "Pages and `crm-sandbox classroom` show the texts in the language chosen by `--lang`/`CRM_LANG`",
        "(see [docs/TRANSLATION.md](../docs/TRANSLATION.md)).",
        "",
        "The scene's rubric is what the other teams score a performance with: each criterion has a",
        "weight (the weights sum to 1) and anchors saying what a score means, for example",
        "",
        "```yaml",
        "rubric:",
        "  - id: listening",
        "    label: {en: Listening and acknowledgement, zh: 倾听与承认}",
        "    weight: 0.25",
        "    anchors:",
        "      1: {en: The staff member argues or blames the driver., zh: 店员争辩，或者把责任推给送餐员。}",
        "      3: {en: A polite apology but the offer comes too soon., zh: 礼貌地道歉，但过早提出补偿。}",
        "      5: {en: The customer is heard out and the failure owned., zh: 让顾客把话说完，坦然承认失误。}",
        "```",
        "",
        "A performance's scene score is the weighted mean of a rater's marks (`Scene.score`), from 1 to 5.",
        "",
        "In class, the scene phase runs on the pages: each team writes its script in the editor of its team",
        "page, starting from the script template in the page's language, and every save is a version with",
        "the role that saved it. The instructor opens the scene phase: scripts freeze, the teams perform,",
        "and each team scores every other team once with the rubric (whole marks 1-5, revisable until the",
        "instructor closes scoring; a team's own performance cannot be scored). The instructor page shows",
        "the mean and spread per team and criterion and flags a scoring team far from the others; the",
        "export holds `scripts/` and `peer_scores/`.",
        "",
        "## Built-in cases",
        "",
        "| case | title | scenario | rounds x weeks | summary |",
        "|---|---|---|---|---|",
    ]
    for name in case_names():
        c = load_case(name)
        out.append(f"| `{name}` | {c.title.en}<br>{c.title.zh} | `{c.scenario}` | {c.rounds.count} x {c.rounds.weeks} "
                   f"| {c.summary.en}<br>{c.summary.zh} |")
    out += ["", "## The schema of `case.yaml`", ""]
    for model in (Case, Role, Decision, Rounds, EventSpec, Scoring, Scene, SceneRole, Criterion, Text):
        doc = " ".join((model.__doc__ or "").split())
        out += [f"### {model.__name__}", "", doc, "", "| field | type | default | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            default = "required" if info.is_required() else f"`{info.default!r}`"
            if isinstance(info.default, Text):
                default = "empty"
            elif isinstance(info.default, BaseModel):
                default = f"{type(info.default).__name__}()"
            out.append(f"| `{name}` | `{_type_name(info.annotation)}` | {default} | {info.description or ''} |")
        out.append("")
    return "\n".join(out)
