"""A lead's life driven the way the workflow drives it, with the real round-robin on an
in-memory roster standing in for the assignment activities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from activities.catalog import load_companies
from domain import assign, lead_life
from domain.enrich import company_domain_of, enrich
from domain.intake import parse_submission
from domain.lifecycle import LeadLife, OwnerUnavailable, ReassignRequest
from domain.models import Assignment
from domain.ownership import AssignAsk, NotifyAsk, release
from domain.rules import RoutingRules
from starter.runtime.settings import SAMPLE_COMPANIES

MONDAY_9AM_NY = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
COMPANIES, _ = load_companies(SAMPLE_COMPANIES)


def new_life(**form: Any) -> LeadLife:
    fields = {"email": "buyer@northwind.io", "lead_type": "demo_request", "country": "US",
              "state": "NY", **form}  # fmt: skip
    return LeadLife(lead=parse_submission(fields))


class Driver:
    """Runs each event's phases in the workflow's order; records every notification."""

    def __init__(self, rules: RoutingRules, life: LeadLife) -> None:
        self.rules, self.life = rules, life
        self.roster = assign.RosterState()
        self.notices: list[NotifyAsk] = []

    def _assign(self, ask: AssignAsk) -> Assignment:
        request = ask.request
        return assign.assign(
            request.plan, self.rules, self.roster, exclude=request.exclude, teams=request.teams
        )

    def _release(self) -> None:
        if release(self.life) is not None:
            assign.release(self.roster, self.life.owner)

    def route(self, now: datetime) -> None:
        lead = self.life.lead
        enrichment = enrich(lead, COMPANIES.get(company_domain_of(lead) or ""), None)
        first = lead_life.route(self.life, self.rules, enrichment)
        self.notices.append(lead_life.first_assigned(self.life, self._assign(first), now))

    def escalate(self, now: datetime) -> None:
        missed_by = lead_life.miss_deadline(self.life)
        self._release()
        while (attempt := lead_life.next_escalation(self.life, missed_by)) is not None:
            assignment = self._assign(attempt.ask)
            if assignment.owner is None:
                continue
            assigned, alert = lead_life.escalated(self.life, attempt, assignment, missed_by, now)
            self.notices += [assigned] if alert is None else [assigned, alert]
            return
        self.notices.append(lead_life.exhausted(self.life, missed_by, now))

    def reassign(self, request: ReassignRequest, now: datetime) -> None:
        self._release()
        ask = lead_life.reassign_manually(self.life, request)
        self.notices.append(
            lead_life.manually_assigned(self.life, ask, ask.request.assignment, now)
        )

    def away(self, away: OwnerUnavailable, now: datetime) -> None:
        if not lead_life.owner_away(self.life, away):
            return
        self._release()
        assignment = self._assign(lead_life.reassign_away(self.life, away))
        self.notices.append(lead_life.away_assigned(self.life, away, assignment, now))

    def activate_trial(self, now: datetime) -> None:
        lead_life.activate_trial(self.life)
        self._release()
        assignment = self._assign(lead_life.route_trial(self.life))
        self.notices.append(lead_life.trial_assigned(self.life, assignment, now))
