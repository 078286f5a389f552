"""Who each roster member is in the CRM, and what a CRM write and its result look like.

A member's CRM identities live in the rules file (`hubspot_owner_id`, `salesforce_user_id`
and the others on `Member`); `check_identities` is what `rules check` says about them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from domain.rules import Member, RoutingRules

Crm = Literal["hubspot", "salesforce"]
CRMS: tuple[Crm, ...] = ("hubspot", "salesforce")

# field -> (pattern, what a valid value looks like)
IDENTITY_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    "slack_user_id": (re.compile(r"^[UW][A-Z0-9]{4,}$"), "a Slack member id such as U04ABCDE"),
    "hubspot_owner_id": (
        re.compile(r"^\d{1,20}$"),
        "digits: the id of the owners API (Settings > Users, or `lead-router crm owners`)",
    ),
    "hubspot_user_id": (re.compile(r"^\d{1,20}$"), "digits: HubSpot's user id"),
    "salesforce_user_id": (
        re.compile(r"^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$"),
        "a Salesforce User id: 15 or 18 characters starting with 005",
    ),
}
OWNER_FIELD: dict[Crm, str] = {"hubspot": "hubspot_owner_id", "salesforce": "salesforce_user_id"}
CRM_USER: dict[Crm, str] = {"hubspot": "owner", "salesforce": "user"}
USER_FIELD: dict[Crm, str] = {"hubspot": "hubspot_user_id", "salesforce": "salesforce_user_id"}


class CrmTask(BaseModel):
    """The to-do the owner finds in the CRM, due at the SLA deadline."""

    subject: str
    body: str
    due_at: datetime | None


class CrmWrite(BaseModel):
    """After a handover: put the lead's record in the CRM under its owner now."""

    crm: Crm
    lead_id: str
    step: int
    kind: str  # initial, escalation, manual, owner_unavailable, trial_activation
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    owner: str
    owner_crm_id: str | None
    task: CrmTask | None = None


class CrmSync(BaseModel):
    """Where the lead stands in the CRM: `status` shows it as `crm_sync`."""

    crm: Crm
    step: int
    status: Literal["writing", "written", "rejected"]
    record_id: str | None = None
    task_id: str | None = None
    owner_crm_id: str | None = None
    warning: str | None = None


def task_key(write: CrmWrite) -> str:
    """One token in the task's text naming the lead and step: a retry finds the task."""
    return f"lrtask{write.lead_id.removeprefix('lead-')}s{write.step}"


def owner_crm_id(member: Member | None, crm: Crm) -> str | None:
    return getattr(member, OWNER_FIELD[crm]) if member is not None else None


def id_key(field: str, value: str) -> str:
    """What two ids of `field` are compared by: a Salesforce id's 18-character form is
    its 15-character form plus a case checksum, and the API answers with the 18; an
    email ignores case."""
    if field.startswith("salesforce"):
        return value[:15]
    return value.lower() if field == "email" else value


def member_by(rules: RoutingRules, field: str, value: str | None) -> Member | None:
    """The roster member whose `field` (a CRM identity) is `value`."""
    if not value:
        return None
    for team in rules.teams:
        for member in team.members:
            mine = getattr(member, field)
            if mine is not None and id_key(field, mine) == id_key(field, value):
                return member
    return None


def check_identities(rules: RoutingRules) -> list[str]:
    """Each identity well formed, no two members sharing one, and an email for each
    member who chose to be notified by email."""
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for i, team in enumerate(rules.teams):
        for j, member in enumerate(team.members):
            for field, (pattern, looks_like) in IDENTITY_FORMATS.items():
                value = getattr(member, field)
                if value is None:
                    continue
                where = f"teams[{i}].members[{j}].{field}"
                if not pattern.match(value):
                    problems.append(f"{where}: {value!r} is not {looks_like}")
                key = (field, id_key(field, value))
                if key in seen and seen[key] != member.id:
                    problems.append(f"{where}: {value!r} is also {seen[key]}'s {field}")
                seen.setdefault(key, member.id)
            if member.notify_via != "slack" and member.email is None:
                problems.append(
                    f"teams[{i}].members[{j}].notify_via: {member.notify_via!r} needs the "
                    "member's email: add `email:` or choose `notify_via: slack`"
                )
    return problems


def roster_vs_crm(
    rules: RoutingRules, crm: Crm, users: list[dict[str, str]] | None
) -> list[dict[str, str]]:
    """Each roster member beside the CRM user their id names, with what is wrong; then
    the CRM's users no member names. `users` None: the CRM was not asked."""
    field = OWNER_FIELD[crm]
    by_id = {id_key(field, u["id"]): u for u in users or []}
    rows, named = [], set()
    for team in rules.teams:
        for member in team.members:
            crm_id = getattr(member, field)
            user = by_id.get(id_key(field, crm_id or ""))
            named.add(id_key(field, crm_id or ""))
            problem = ""
            if crm_id is None:
                problem = f"no {field}"
            elif users is not None and user is None:
                problem = f"{crm} has no active {CRM_USER[crm]} {crm_id}"
            rows.append({"member": member.id, "team": team.id, field: crm_id or "",
                         "crm_name": user["name"] if user else "",
                         "crm_email": user["email"] if user else "", "problem": problem})  # fmt: skip
    for user in users or []:
        if id_key(field, user["id"]) not in named:
            rows.append({"member": "", "team": "", field: user["id"], "crm_name": user["name"],
                         "crm_email": user["email"], "problem": "not in the roster"})  # fmt: skip
    return rows
