"""The form's instant answer: a webhook asked to wait (`?wait=assignment` or
`Prefer: wait=N`) answers with the lead's tier, team, owner and the deciding rule's next
step once the lead is assigned, within a bound that is never exceeded. Past it, or
when Temporal does not answer, the webhook answers 202 as it always has: the lead was
taken before any waiting began, so waiting never risks it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from activities.rules_file import load_rules_file
from domain.lifecycle import LeadState
from domain.next_step import NextStep, next_step_for
from domain.rules import RoutingRules, RulesError
from workflows.client import routed_lead

_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def requested_wait(wait: str | None, prefer: str | None, bound: float) -> float | None:
    """How long the caller may be held: `?wait=assignment` the configured bound,
    `Prefer: wait=N` (RFC 7240) N seconds but never past the bound; None: no waiting."""
    asked: float | None = None
    if prefer and (match := _PREFER_WAIT.search(prefer)):
        asked = float(match.group(1))
    if wait is not None and wait.strip().lower() == "assignment":
        asked = bound if asked is None else asked
    if asked is None or asked <= 0 or bound <= 0:
        return None
    return min(asked, bound)


class AnswerOwner(BaseModel):
    id: str
    name: str | None


class InstantAnswer(BaseModel):
    """What the visitor's page needs once the lead is assigned."""

    status: str
    tier: str | None
    team: str | None
    owner: AnswerOwner | None
    next_step: NextStep


def assigned(state: LeadState) -> bool:
    return state.status.value == "suppressed" or (
        state.status.value != "routing" and bool(state.decisions)
    )


@dataclass
class RulesOnDisk:
    """The rules file, read again only when it changes: the hot path reads it per lead."""

    path: Path
    _seen: tuple[int, RoutingRules] | None = field(default=None, init=False)

    def current(self) -> RoutingRules | None:
        try:
            changed = self.path.stat().st_mtime_ns
            if self._seen is None or self._seen[0] != changed:
                self._seen = (changed, load_rules_file(self.path))
        except (OSError, RulesError):
            return None if self._seen is None else self._seen[1]
        return self._seen[1]


def answer_of(state: LeadState, rules: RoutingRules | None) -> InstantAnswer:
    owner = None
    if state.owner is not None:  # a suppressed lead, or one in review, has none
        member = rules.member(state.owner) if rules is not None else None
        owner = AnswerOwner(id=state.owner, name=member.name if member else None)
    return InstantAnswer(
        status=state.status.value,
        tier=state.tier,
        team=state.team,
        owner=owner,
        next_step=next_step_for(rules.rules if rules else [], state.rule_ids, state.tier),
    )


async def wait_for_assignment(
    client: Client, lead_id: str, seconds: float, rules: RulesOnDisk
) -> InstantAnswer | None:
    """The lead's answer once it is assigned, or None when `seconds` pass first or
    Temporal does not answer (the caller then gets the usual 202)."""
    try:
        state = await routed_lead(client, lead_id, seconds)
    except (TimeoutError, RPCError, ConnectionError, WorkflowUpdateFailedError,
            WorkflowUpdateRPCTimeoutOrCancelledError):  # fmt: skip
        return None
    return answer_of(state, rules.current()) if assigned(state) else None
