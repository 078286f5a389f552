"""A rules file's preview before anyone ships it: its problems, the `simulate` diff over
the leads received in the last days, and the `backtest` over those leads' recorded
histories, both by the rule that decides each lead today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError

from activities.catalog import CatalogError, load_companies
from activities.database import Database
from domain.models import Lead
from domain.rule_diff import DiffReport, Directory, backtest, simulate_leads
from domain.rules import RoutingRules, RulesError
from domain.rules_check import load_rules_text, policy_warnings
from starter.replay.history import HistoryFileError, fetch_history, recorded_lead
from starter.replay.past import past_leads
from starter.runtime.lead_codec import converter_for

BACKTEST_LIMIT = 100  # histories fetched from Temporal for one preview


@dataclass
class Preview:
    candidate: RoutingRules | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    simulated: DiffReport | None = None
    backtested: DiffReport | None = None
    leads_note: str = ""


def parse_candidate(text: str) -> Preview:
    """The pasted rules, or every problem with its line and key."""
    if not text.strip():
        return Preview(problems=["rules: paste or choose a rules file first"])
    try:
        rules = load_rules_text(text, source="the new rules")
    except RulesError as exc:
        return Preview(problems=str(exc).splitlines())
    return Preview(candidate=rules, warnings=policy_warnings(rules, datetime.now(UTC)))


async def recent_leads(database: Database, days: int) -> list[tuple[str, Lead]]:
    """Each lead received in the last `days` once (its latest delivery)."""
    rows = await database.deliveries.received_since(datetime.now(UTC) - timedelta(days=days))
    seen: dict[str, tuple[str, Lead]] = {}
    for row in rows:
        if row.lead_id not in seen:
            seen[row.lead_id] = (row.lead_id, Lead.model_validate_json(row.lead_json))
    return list(seen.values())


async def preview(
    text: str,
    days: int,
    baseline: RoutingRules,
    database: Database,
    client: Client | None,
    companies_path: Path,
) -> Preview:
    result = parse_candidate(text)
    if result.candidate is None:
        return result
    leads = await recent_leads(database, days)
    result.leads_note = f"{len(leads)} lead(s) received in the last {days} day(s)"
    try:
        companies, _ = load_companies(companies_path)
    except CatalogError as exc:
        result.problems.append(f"{companies_path}: {exc}")
        return result
    directory = Directory(companies=companies, accounts=await database.accounts.all())
    result.simulated = simulate_leads(leads, baseline, result.candidate, directory)
    if not leads:
        result.leads_note += ": nothing to compare yet; widen the range"
    if client is not None and leads:
        ids = [i for i, _ in leads]
        result.backtested = await _backtest(client, database, ids, result.candidate)
    return result


async def _backtest(
    client: Client, database: Database, lead_ids: list[str], candidate: RoutingRules
) -> DiffReport:
    converter = converter_for(database.lead_keys)  # each lead's payloads open with its key
    recorded, problems = [], []
    for lead_id in lead_ids[:BACKTEST_LIMIT]:
        try:
            history = await fetch_history(client, lead_id)
            recorded.append(await recorded_lead(Path(lead_id), history, converter))
        except (RPCError, HistoryFileError) as exc:
            problems.append(f"{lead_id}: {getattr(exc, 'message', exc)}")
    past, unrouted = past_leads(recorded)
    report = backtest(past, candidate)
    report.skipped += problems + unrouted
    if len(lead_ids) > BACKTEST_LIMIT:
        report.skipped.append(
            f"only the latest {BACKTEST_LIMIT} of {len(lead_ids)} leads backtested"
        )
    return report
