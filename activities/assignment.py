"""Assignment: choose and record a lead's owner, record a person's choice, release a
step's owner; each once per lead and step (the roster's ledger)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database.roster import Roster
from domain.lifecycle import AssignRequest, ManualAssignment, ReleaseRequest
from domain.models import Assignment
from domain.rules import RoutingRules


class AssignmentActivities:
    def __init__(self, roster: Roster) -> None:
        self.roster = roster

    @activity.defn
    async def assign_owner(
        self, request: AssignRequest, rules: RoutingRules | None = None
    ) -> Assignment:
        """Choose and record the owner. `rules` are the lead's pinned rules (a task
        scheduled before they became an argument of their own carries them inside)."""
        pinned = rules or request.rules
        if pinned is None:
            raise ApplicationError("assign_owner needs the lead's rules", non_retryable=True)
        return await self.roster.assign(
            request.lead_id,
            request.step,
            request.plan,
            pinned,
            exclude=request.exclude,
            teams=request.teams,
        )

    @activity.defn
    async def record_manual_assignment(self, request: ManualAssignment) -> Assignment:
        return await self.roster.record_manual(request.lead_id, request.step, request.assignment)

    @activity.defn
    async def release_assignment(self, request: ReleaseRequest) -> bool:
        return await self.roster.release(request.lead_id, request.step)
