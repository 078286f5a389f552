"""Assignment: choose and record a lead's owner, record a person's choice, release a
step's owner; each once per lead and step (the roster's ledger)."""

from __future__ import annotations

from temporalio import activity

from activities.database.roster import Roster
from domain.lifecycle import AssignRequest, ManualAssignment, ReleaseRequest
from domain.models import Assignment
from domain.rules import RoutingRules


class AssignmentActivities:
    def __init__(self, roster: Roster) -> None:
        self.roster = roster

    @activity.defn
    async def assign_owner(self, request: AssignRequest, rules: RoutingRules) -> Assignment:
        """Choose and record the owner under the lead's pinned rules."""
        return await self.roster.assign(
            request.lead_id,
            request.step,
            request.plan,
            rules,
            exclude=request.exclude,
            teams=request.teams,
        )

    @activity.defn
    async def record_manual_assignment(self, request: ManualAssignment) -> Assignment:
        return await self.roster.record_manual(
            request.lead_id, request.step, request.assignment, request.company_domain
        )

    @activity.defn
    async def release_assignment(self, request: ReleaseRequest) -> bool:
        return await self.roster.release(request.lead_id, request.step, request.facts)
