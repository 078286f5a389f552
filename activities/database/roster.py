"""The roster: each owner's open-lead count and availability, the round-robin
positions, and the assignment ledger that makes every assignment idempotent (one row
per lead and step: a retry gets the recorded answer, never a second owner)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, or_, text
from sqlmodel import col, select, update

from activities.database.analytics import write_facts
from activities.database.engine import Transactions
from activities.database.tables import AssignmentRow, OwnerRow, RoundRobinRow, now
from domain.analytics.facts import LeadFacts
from domain.assign import OwnerState, RosterState, away_at
from domain.assign import assign as choose_owner
from domain.models import Assignment, RoutingPlan
from domain.rules import RoutingRules

# assignment's statements, built once (values bound at execution)
_OWNERS = select(OwnerRow)
_ROUND_ROBIN = select(RoundRobinRow)
_INSERT_OWNER = OwnerRow.__table__.insert()  # type: ignore[attr-defined]
_UPDATE_OWNER = update(OwnerRow).where(col(OwnerRow.owner_id) == bindparam("b_owner"))
_INSERT_RR = RoundRobinRow.__table__.insert()  # type: ignore[attr-defined]
_UPDATE_RR = update(RoundRobinRow).where(
    col(RoundRobinRow.team_id) == bindparam("b_team"),
    col(RoundRobinRow.owner_id) == bindparam("b_owner"),
)
_LEDGER_ROW = select(AssignmentRow).where(
    col(AssignmentRow.lead_id) == bindparam("b_lead"),
    col(AssignmentRow.step) == bindparam("b_step"),
)
_INSERT_ASSIGNMENT = AssignmentRow.__table__.insert()  # type: ignore[attr-defined]
_LATEST_OF_COMPANY = (
    select(AssignmentRow.lead_id, AssignmentRow.owner_id)
    .where(
        col(AssignmentRow.company_domain) == bindparam("b_domain"),
        col(AssignmentRow.lead_id) != bindparam("b_lead"),
        col(AssignmentRow.owner_id).is_not(None),
        or_(
            col(AssignmentRow.released).is_(False),
            col(AssignmentRow.created_at) >= bindparam("b_since"),
        ),
    )
    .order_by(col(AssignmentRow.id).desc())
    .limit(1)
)


class Roster:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def load_state(self) -> RosterState:
        return await self._tx.read(_load_state)

    async def set_away(
        self,
        owner_id: str,
        away: bool,
        *,
        start: datetime | None = None,
        until: datetime | None = None,
        by: str | None = None,
    ) -> None:
        """Mark the owner away (between `start` and `until` when given) or back; back
        clears any window."""

        def work(conn: Connection) -> None:
            _lock_roster(conn)
            _ensure_owners(conn, [owner_id])
            conn.execute(
                update(OwnerRow)
                .where(col(OwnerRow.owner_id) == owner_id)
                .values(
                    away=away,
                    away_from=start if away else None,
                    away_until=until if away else None,
                    away_set_by=by,
                    updated_at=now(),
                )
            )

        await self._tx.write(work)

    async def assign(
        self,
        lead_id: str,
        step: int,
        plan: RoutingPlan,
        rules: RoutingRules,
        *,
        exclude: Collection[str] = (),
        teams: Iterable[str] | None = None,
    ) -> Assignment:
        """Assign once per (lead, step): a repeat returns the recorded answer unchanged."""

        def work(conn: Connection) -> Assignment:
            _lock_roster(conn)
            existing = _recorded(conn, lead_id, step)
            if existing is not None:
                return existing
            state = _load_state(conn)
            if plan.owner_method == "domain_owner" and plan.company_domain:
                _load_company(conn, state, plan.company_domain, lead_id, rules)
            before = {k: (v.open_leads, v.away) for k, v in state.owners.items()}
            rr_before = {t: dict(m) for t, m in state.rr.items()}
            result = choose_owner(plan, rules, state, exclude=exclude, teams=teams, lead_id=lead_id)
            _save_state(conn, state, before, rr_before)
            _record_assignment(conn, lead_id, step, result, plan.company_domain)
            return result

        return await self._tx.write(work)

    async def record_manual(
        self, lead_id: str, step: int, assignment: Assignment, company_domain: str | None = None
    ) -> Assignment:
        """Record an assignment chosen by a person (manual reassign), once per step; the
        company domain is kept with it, so `owner: domain_owner` follows the new owner."""

        def work(conn: Connection) -> Assignment:
            _lock_roster(conn)
            existing = _recorded(conn, lead_id, step)
            if existing is not None:
                return existing
            if assignment.owner:
                _ensure_owners(conn, [assignment.owner])
                conn.execute(
                    update(OwnerRow)
                    .where(col(OwnerRow.owner_id) == assignment.owner)
                    .values(open_leads=OwnerRow.open_leads + 1, updated_at=now())
                )
            _record_assignment(conn, lead_id, step, assignment, company_domain)
            return assignment

        return await self._tx.write(work)

    async def release(self, lead_id: str, step: int, facts: LeadFacts | None = None) -> bool:
        """Drop the owner's open-lead count for this step, once. True if it changed now.
        The lead's final analytics facts, if given, are written in the same transaction."""

        def work(conn: Connection) -> bool:
            _lock_roster(conn)
            write_facts(conn, facts)
            row = conn.execute(_LEDGER_ROW, {"b_lead": lead_id, "b_step": step}).first()
            if row is None or row.released or row.owner_id is None:
                return False
            conn.execute(
                update(AssignmentRow).where(col(AssignmentRow.id) == row.id).values(released=True)
            )
            conn.execute(
                update(OwnerRow)
                .where(col(OwnerRow.owner_id) == row.owner_id, col(OwnerRow.open_leads) > 0)
                .values(open_leads=OwnerRow.open_leads - 1, updated_at=now())
            )
            return True

        return await self._tx.write(work)

    async def assignments_for(self, lead_id: str) -> list[AssignmentRow]:
        return await self._tx.rows_of_lead(AssignmentRow, lead_id, col(AssignmentRow.step))


def _lock_roster(conn: Connection) -> None:
    """One roster writer at a time. SQLite: BEGIN IMMEDIATE already holds the write
    lock. PostgreSQL: a transaction-scoped advisory lock (every worker, every host)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7411)"))


def _recorded(conn: Connection, lead_id: str, step: int) -> Assignment | None:
    row = conn.execute(_LEDGER_ROW, {"b_lead": lead_id, "b_step": step}).first()
    return Assignment.model_validate(json.loads(row.decision_json)) if row else None


def _load_company(
    conn: Connection, state: RosterState, domain: str, lead_id: str, rules: RoutingRules
) -> None:
    """The company's latest other lead still open, or assigned within the rules' days.
    Read under the roster's write lock: two leads of one company arriving together
    are assigned one after the other, and the second sees the first."""
    since = now() - timedelta(days=rules.account_routing.domain_owner_days)
    row = conn.execute(
        _LATEST_OF_COMPANY, {"b_domain": domain, "b_lead": lead_id, "b_since": since}
    ).first()
    if row is not None:
        state.domains[domain] = (row.lead_id, row.owner_id)


def _record_assignment(
    conn: Connection,
    lead_id: str,
    step: int,
    assignment: Assignment,
    company_domain: str | None = None,
) -> None:
    """The ledger row for (lead, step); a lead with no owner holds nothing to release."""
    conn.execute(
        _INSERT_ASSIGNMENT,
        {
            "lead_id": lead_id,
            "step": step,
            "owner_id": assignment.owner,
            "team": assignment.team,
            "method": assignment.method,
            "decision_json": assignment.model_dump_json(),
            "released": assignment.owner is None,
            "created_at": now(),
            "company_domain": company_domain,
        },
    )


def _ensure_owners(conn: Connection, owner_ids: Iterable[str]) -> None:
    ids = list(owner_ids)
    known = set(
        (conn.execute(select(OwnerRow.owner_id).where(col(OwnerRow.owner_id).in_(ids)))).scalars()
    )
    missing = [
        {"owner_id": i, "away": False, "open_leads": 0, "updated_at": now()}
        for i in ids
        if i not in known
    ]
    if missing:
        conn.execute(_INSERT_OWNER, missing)


def _load_state(conn: Connection) -> RosterState:
    state = RosterState()
    moment = now()  # a scheduled window starts and ends by itself
    for row in conn.execute(_OWNERS).all():
        away = away_at(row.away, row.away_from, row.away_until, moment)
        state.owners[row.owner_id] = OwnerState(open_leads=row.open_leads, away=away)
    for rr in conn.execute(_ROUND_ROBIN).all():
        state.rr.setdefault(rr.team_id, {})[rr.owner_id] = rr.current
    return state


def _save_state(
    conn: Connection,
    state: RosterState,
    before: dict[str, tuple[int, bool]],
    rr_before: dict[str, dict[str, int]],
) -> None:
    """Write what the assignment changed, one statement per kind of change. `before`
    holds every owner row loaded, so an owner missing from it has no row yet."""
    moment = now()
    new_owners, owner_updates = [], []
    for owner_id, s in state.owners.items():
        if owner_id not in before:
            new_owners.append(
                {
                    "owner_id": owner_id,
                    "open_leads": s.open_leads,
                    "away": s.away,
                    "updated_at": moment,
                }
            )
        elif before[owner_id] != (s.open_leads, s.away):
            # never `away`: the state holds it as of now, the row keeps the window
            owner_updates.append(
                {"b_owner": owner_id, "open_leads": s.open_leads, "updated_at": moment}
            )
    new_rr, rr_updates = [], []
    for team_id, members in state.rr.items():
        old = rr_before.get(team_id, {})
        for owner_id, current in members.items():
            if owner_id not in old:
                new_rr.append({"team_id": team_id, "owner_id": owner_id, "current": current})
            elif old[owner_id] != current:
                rr_updates.append({"b_team": team_id, "b_owner": owner_id, "current": current})
    for statement, rows in (
        (_INSERT_OWNER, new_owners),
        (_UPDATE_OWNER, owner_updates),
        (_INSERT_RR, new_rr),
        (_UPDATE_RR, rr_updates),
    ):
        if rows:
            conn.execute(statement, rows)
