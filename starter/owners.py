"""Owners going away and coming back: the one service the CLI (`owner away|back`), the
API (`POST /owners/{id}/away|back`) and the web console call.

Away marks the member in the roster first (round-robin skips them from then on, within
the window when one is given), then, with `reassign_open`, sends each lead they hold now
(found by the `LeadOwner` search attribute) through the workflow's owner-unavailable
path, the same reassignment a lead takes when its workflow hears of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from temporalio.client import Client
from temporalio.service import RPCError

from activities.database import Database
from domain.rules import RoutingRules
from workflows.client import mark_owner_unavailable

Progress = Callable[[int, int], None]  # (leads done, leads found)


class OwnerError(ValueError):
    """A request the service refuses; the message says what and what to do, `field`
    which input it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownOwner(OwnerError):
    def __init__(self, owner_id: str, where: str) -> None:
        super().__init__(f"no owner {owner_id!r} in the roster of {where}", "owner_id")


class LeadNotMoved(BaseModel):
    lead_id: str
    error: str


class AvailabilitySummary(BaseModel):
    """What `set_away` or `set_back` did, for a person to read."""

    owner_id: str
    away_now: bool = Field(description="away at the moment of the answer")
    away_from: datetime | None = None
    away_until: datetime | None = None
    set_by: str
    set_at: datetime
    open_leads: list[str] = Field(default_factory=list, description="leads held when it ran")
    reassigned: list[str] = Field(default_factory=list, description="sent to reassignment")
    not_moved: list[LeadNotMoved] = Field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as a person reads it in a terminal."""
        if not self.away_now and self.away_from is None:
            head = f"{self.owner_id} is now back (set by {self.set_by})"
        elif self.away_now:
            head = f"{self.owner_id} is now away" + _until(self.away_until)
        else:
            head = f"{self.owner_id} will be away from {_when(self.away_from)}" + _until(
                self.away_until
            )
        out = [head + ("" if head.endswith(")") else f" (set by {self.set_by})")]
        if self.open_leads or self.reassigned:
            out.append(
                f"open leads: {len(self.open_leads)}, sent to reassignment: {len(self.reassigned)}"
            )
        out.extend(f"  not moved: {n.lead_id}: {n.error}" for n in self.not_moved)
        return out


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _until(moment: datetime | None) -> str:
    return f" until {_when(moment)}, then back by itself" if moment else " until `owner back`"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_owner(rules: RoutingRules, owner_id: str, where: str) -> None:
    if rules.member(owner_id) is None:
        raise UnknownOwner(owner_id, where)


async def open_leads_of(client: Client, owner_id: str, task_queue: str) -> list[str]:
    """The running leads the owner holds now, by the `LeadOwner` search attribute."""
    quoted = owner_id.replace("\\", "\\\\").replace('"', '\\"')
    query = (
        f'WorkflowType = "LeadRoutingWorkflow" AND ExecutionStatus = "Running" '
        f'AND LeadOwner = "{quoted}" AND TaskQueue = "{task_queue}"'
    )
    return sorted({w.id async for w in client.list_workflows(query)})


async def set_away(
    database: Database,
    rules: RoutingRules,
    owner_id: str,
    *,
    by: str,
    rules_where: str,
    reassign_open: bool = False,
    start: datetime | None = None,
    until: datetime | None = None,
    client: Client | None = None,
    task_queue: str = "lead-router",
    progress: Progress | None = None,
    now: datetime | None = None,
) -> AvailabilitySummary:
    """Mark the owner away (now, or between `start` and `until`); with `reassign_open`,
    reassign every lead they hold now. Raises OwnerError on a request to refuse."""
    check_owner(rules, owner_id, rules_where)
    moment = now or datetime.now(UTC)
    start, until = _utc(start), _utc(until)
    if until is not None and until <= (start or moment):
        since = f"the start ({_when(start)})" if start else f"now ({_when(moment)})"
        raise OwnerError(f"until: {_when(until)} is not after {since}", "until")
    starts_later = start is not None and start > moment
    if reassign_open and starts_later:
        raise OwnerError(
            f"reassign_open: the window starts at {_when(start)}, later than now; leads "
            "are reassigned when the owner is away, so run it again when the window "
            "starts, or schedule the window without reassigning",
            "reassign_open",
        )
    if reassign_open and client is None:
        raise OwnerError("reassign_open: needs Temporal, and no client was given", "reassign_open")
    await database.roster.set_away(owner_id, True, start=start, until=until, by=by)
    summary = AvailabilitySummary(
        owner_id=owner_id,
        away_now=not starts_later,
        away_from=start,
        away_until=until,
        set_by=by,
        set_at=moment,
    )
    if reassign_open and client is not None:
        await _reassign_open(client, summary, task_queue, progress)
    return summary


async def _reassign_open(
    client: Client, summary: AvailabilitySummary, task_queue: str, progress: Progress | None
) -> None:
    owner_id = summary.owner_id
    summary.open_leads = await open_leads_of(client, owner_id, task_queue)
    total = len(summary.open_leads)
    reason = f"{owner_id} is away (marked by {summary.set_by})"
    for done, lead_id in enumerate(summary.open_leads, start=1):
        try:
            await mark_owner_unavailable(client, lead_id, owner_id, reason)
            summary.reassigned.append(lead_id)
        except RPCError as exc:  # ended meanwhile, or Temporal refused: say which
            summary.not_moved.append(LeadNotMoved(lead_id=lead_id, error=exc.message))
        if progress is not None:
            progress(done, total)


async def set_back(
    database: Database,
    rules: RoutingRules,
    owner_id: str,
    *,
    by: str,
    rules_where: str,
    now: datetime | None = None,
) -> AvailabilitySummary:
    """Mark the owner available again, ending any window."""
    check_owner(rules, owner_id, rules_where)
    await database.roster.set_away(owner_id, False, by=by)
    return AvailabilitySummary(
        owner_id=owner_id, away_now=False, set_by=by, set_at=now or datetime.now(UTC)
    )
