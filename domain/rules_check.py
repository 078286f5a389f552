"""Reading a rules file's text (YAML or TOML) into `RoutingRules`, with every problem
reported with the key path that caused it, and the cross-checks pydantic cannot do.
No file I/O here: `activities/rules_file.py` reads the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError

from domain.conditions import CLOSED, Condition
from domain.crm import check_identities
from domain.geo import COUNTRY_CODES
from domain.matchers import NumberRange
from domain.models import Lead
from domain.rules import (
    TEMPLATE_FIELDS,
    RoutingRules,
    Rule,
    RulesError,
    SlaSpec,
    parse_duration,
)
from domain.rules_lines import KeyLines, TomlKeyLines
from domain.score import RANGE_FACTS, YES_OR_NO, PointsTable


def _loc(loc: tuple[int | str, ...], data: Any = None) -> str:
    """("rules", 7, "when") -> "rules[7] (low-fit).when": a rule named by its id, as the
    cross-checks name it."""
    out = ""
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            rules = data.get("rules") if isinstance(data, dict) and depth == 1 else None
            if loc[0] == "rules" and isinstance(rules, list) and part < len(rules):
                rule = rules[part]
                out += f" ({rule['id']})" if isinstance(rule, dict) and "id" in rule else ""
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def load_rules_text(text: str, *, source: str = "rules", fmt: str | None = None) -> RoutingRules:
    """Parse and validate rules from YAML or TOML text. `source` names the file in errors,
    each problem with its line and key path."""
    fmt = fmt or ("toml" if source.endswith(".toml") else "yaml")
    lines = KeyLines(text) if fmt == "yaml" else TomlKeyLines(text)
    try:
        data = tomllib.loads(text) if fmt == "toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{source}: not valid {fmt.upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{source}: the top level must be a mapping of keys")
    try:
        rules = RoutingRules.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            problems.append(lines.place(source, f"{_loc(err['loc'], data)}: {msg}"))
        raise RulesError("\n".join(problems)) from None
    # hours first: every other check reads the index, which merges hours
    problems = [lines.place(source, p) for p in _check_hours(rules) or check_references(rules)]
    if problems:
        raise RulesError("\n".join(problems))
    return rules


def check_references(rules: RoutingRules) -> list[str]:
    """Cross-checks pydantic cannot do: every team, member and duration named must exist."""
    problems: list[str] = []
    team_ids = [t.id for t in rules.teams]
    territory_ids = [t.id for t in rules.territories]
    for kind, ids in (
        ("teams", team_ids),
        ("territories", territory_ids),
        ("rules", [r.id for r in rules.rules]),
    ):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"{kind}: duplicate id {', '.join(dupes)}")
    seen: dict[str, str] = {}
    for i, team in enumerate(rules.teams):
        if team.fallback and not rules.has_team(team.fallback):
            problems.append(f"teams[{i}].fallback: no team {team.fallback!r}")
        if team.lead and team.lead not in {m.id for m in team.members}:
            problems.append(f"teams[{i}].lead: {team.lead!r} is not a member of {team.id}")
        for j, member in enumerate(team.members):
            if member.id in seen:
                problems.append(
                    f"teams[{i}].members[{j}].id: {member.id!r} is already in team {seen[member.id]}"
                )
            seen[member.id] = team.id
    for i, team in enumerate(rules.teams):
        if team.fallback and rules.has_team(team.fallback):
            walk, cur = [team.id], team.fallback
            while cur and rules.has_team(cur) and cur not in walk:
                walk.append(cur)
                cur = rules.team(cur).fallback or ""
            if cur in walk:
                problems.append(f"teams[{i}].fallback: cycle {' -> '.join([*walk, cur])}")
    problems += check_identities(rules)
    problems += _check_sla(rules, rules.escalation.review_sla, "escalation.review_sla")
    if not rules.has_team(rules.escalation.review_team):
        problems.append(f"escalation.review_team: no team {rules.escalation.review_team!r}")
    for i, rule in enumerate(rules.rules):
        where = f"rules[{i}] ({rule.id})"
        if rule.suppress is None:
            problems += _check_team_template(rules, rule.team, f"{where}.team", territory_ids, rule)
        if rule.team_without_territory and not rules.has_team(rule.team_without_territory):
            problems.append(
                f"{where}.team_without_territory: no team {rule.team_without_territory!r}"
            )
        problems += _check_sla(rules, rule.sla, f"{where}.sla")
        problems += _check_condition(rules, rule.when, f"{where}.when", territory_ids)
    last = rules.rules[-1] if rules.rules else None
    if last is not None and (last.when != Condition() or last.active_from or last.active_until):
        problems.append(
            f"rules[{len(rules.rules) - 1}] ({last.id}).when: the last rule must match "
            "every lead at any time (leave out when:, active_from and active_until), "
            "so no lead is left without a team"
        )
    problems += check_policy(rules)
    for i, override in enumerate(rules.overrides):
        if not rules.has_team(override.team):
            problems.append(f"overrides[{i}].team: no team {override.team!r}")
        problems += _check_condition(rules, override.when, f"overrides[{i}].when", territory_ids)
    return problems


def _check_hours(rules: RoutingRules) -> list[str]:
    """A team's and a member's hours are merged over the defaults: check the result."""
    problems = []
    for i, team in enumerate(rules.teams):
        try:
            team_hours = team.hours.over(rules.default_hours)
        except ValidationError as exc:
            problems += [f"teams[{i}].hours: {_message(e)}" for e in exc.errors()]
            continue
        for j, member in enumerate(team.members):
            try:
                member.hours.over(team_hours)
            except ValidationError as exc:
                where = f"teams[{i}].members[{j}].hours"
                problems += [f"{where}: {_message(e)}" for e in exc.errors()]
    return problems


def _message(error: Any) -> str:
    loc = _loc(error["loc"])
    msg = str(error["msg"]).removeprefix("Value error, ")
    return msg if loc == "(top level)" else f"{loc}: {msg}"


def _check_team_template(
    rules: RoutingRules, team: str, where: str, territories: list[str], rule: Rule
) -> list[str]:
    names = re.findall(r"{(\w*)}", team)
    bad = [n for n in names if n not in TEMPLATE_FIELDS]
    if bad:
        return [f"{where}: unknown placeholder {{{bad[0]}}} (use {{territory}} or {{owner_team}})"]
    if "owner_team" in names:
        if rule.owner == "domain_owner":
            return [f"{where}: {{owner_team}} cannot follow owner: domain_owner (name a team)"]
        return [] if rule.owner else [f"{where}: {{owner_team}} needs an owner: on the rule"]
    if "territory" in names:
        wanted = [team.format(territory=t) for t in territories]
        problems = [f"{where}: no team {t!r}" for t in wanted if not rules.has_team(t)]
        if not rule.team_without_territory:
            problems.append(f"{where}: {{territory}} needs team_without_territory on the rule")
        return problems
    return [] if rules.has_team(team) else [f"{where}: no team {team!r}"]


def _check_sla(rules: RoutingRules, spec: SlaSpec, where: str) -> list[str]:
    values = spec.items() if isinstance(spec, dict) else [("", spec)]
    problems = []
    for key, value in values:
        allowed = {"enterprise", "mid_market", "self_serve", "unknown", "default"}
        if key and key not in allowed:
            problems.append(f"{where}.{key}: not a tier (use {', '.join(sorted(allowed))})")
        try:
            parse_duration(value, rules.business_day_seconds)
        except ValueError as exc:
            problems.append(f"{where}{'.' + key if key else ''}: {exc}")
    return problems


def _check_condition(
    rules: RoutingRules, cond: Condition, where: str, territories: list[str]
) -> list[str]:
    """Values named in the file itself (territories, verticals) and country codes."""
    named = _named_values(rules, territories)
    problems = []
    for fact in ("territory", "vertical"):
        problems += _unknown(fact, getattr(cond, fact) or [], named[fact], f"{where}.{fact}")
    problems += _countries(cond.country or [], f"{where}.country")
    return problems


def _named_values(rules: RoutingRules, territories: list[str]) -> dict[str, list[str]]:
    return {"territory": [*territories, "unsupported"], "vertical": list(rules.verticals)}


def _unknown(fact: str, values: Iterable[Any], allowed: Iterable[Any], where: str) -> list[str]:
    allowed = list(allowed)
    known = {str(a).lower() for a in allowed}
    shown = ", ".join(str(a) for a in allowed) or f"none: the file names no {fact}"
    return [
        f"{where}: {v!r} is not a {fact.replace('_', ' ')} (use {shown})"
        for v in values
        if str(v).lower() not in known
    ]


def _countries(codes: Iterable[str], where: str) -> list[str]:
    return [
        f"{where}: {code!r} is not an ISO 3166 country code (two capital letters, as US, DE, GB)"
        for code in codes
        if code not in COUNTRY_CODES
    ]


def _check_points(rules: RoutingRules, section: str, table: PointsTable) -> list[str]:
    """Each value a score or fit gives points to must be one the fact can take."""
    named = _named_values(rules, [t.id for t in rules.territories])
    problems = []
    for fact, points in table.points.items():
        where = f"{section}.points.{fact}"
        if fact == "country":
            problems += _countries(points, where)
        elif fact in named or fact in CLOSED or fact in YES_OR_NO:
            allowed = named.get(fact) or CLOSED.get(fact) or ("true", "false")
            problems += _unknown(fact, points, allowed, where)
    return problems


_NOT_REQUIRABLE = {"lead_id", "email", "email_domain", "warnings", "lead_type", "source"}


def check_policy(rules: RoutingRules) -> list[str]:
    """The score, required fields and time-boxed rules: names that must exist, windows
    that must be in order."""
    problems = []
    fields = [f for f in Lead.model_fields if f not in _NOT_REQUIRABLE]
    for lead_type, names in rules.required_fields.items():
        for name in names:
            if name not in fields:
                problems.append(
                    f"required_fields.{lead_type.value}: {name!r} is not a lead field "
                    f"(use {', '.join(fields)})"
                )
    for i, territory in enumerate(rules.territories):
        problems += _countries(territory.countries, f"territories[{i}].countries")
    for section in ("score", "fit"):
        table = getattr(rules, section)
        problems += _check_points(rules, section, table) if table else []
    bands = {*rules.score.bands, rules.score.below_bands} if rules.score else set()
    for i, rule in enumerate(rules.rules):
        where = f"rules[{i}] ({rule.id})"
        problems += _check_score_use(rule.when, f"{where}.when", bands, rules)
        start, end = rule.window(rules.default_hours.timezone)
        if start and end and end <= start:
            problems.append(f"{where}.active_until: must be after active_from")
    for i, override in enumerate(rules.overrides):
        problems += _check_score_use(override.when, f"overrides[{i}].when", bands, rules)
    return problems


def _check_score_use(
    cond: Condition, where: str, bands: set[str], rules: RoutingRules
) -> list[str]:
    if rules.score is None and (cond.score is not None or cond.score_band is not None):
        key = "score" if cond.score is not None else "score_band"
        return [f"{where}.{key}: there is no score: section to compute it"]
    return _unknown("score band", cond.score_band or [], sorted(bands), f"{where}.score_band")


def policy_warnings(rules: RoutingRules, now: datetime) -> list[str]:
    """What is valid but likely not meant: time-boxed rules that are over or not yet on at
    `now`, and score or fit ranges that can never count."""
    return _window_warnings(rules, now) + _shadowed_ranges(rules)


def _shadowed_ranges(rules: RoutingRules) -> list[str]:
    """The first range of a fact that matches counts: a range after one that holds every
    value it does never counts (`{">=100": 15, ">=1000": 30}` gives 1,000+ only 15)."""
    warnings = []
    for section in ("score", "fit"):
        table = getattr(rules, section)
        for fact, points in (table.points if table else {}).items():
            ranges = [NumberRange(spec) for spec in points] if fact in RANGE_FACTS else []
            for n, later in enumerate(ranges):
                earlier = next((r for r in ranges[:n] if r.covers(later)), None)
                if earlier is not None:
                    warnings.append(
                        f"{section}.points.{fact}: {later.spec!r} never counts: {earlier.spec!r}"
                        " comes first and holds every value it does (the first range that"
                        " matches counts: put the narrower range first)"
                    )
    return warnings


def _window_warnings(rules: RoutingRules, now: datetime) -> list[str]:
    warnings = []
    for i, rule in enumerate(rules.rules):
        start, end = rule.window(rules.default_hours.timezone)
        if end is not None and now >= end:
            warnings.append(
                f"rules[{i}] ({rule.id}): expired at {end.isoformat()}; it matches no lead"
            )
        elif start is not None and now < start:
            warnings.append(f"rules[{i}] ({rule.id}): not active until {start.isoformat()}")
    return warnings
