"""Recorded leads as the backtest reads them: the input and the first plan they got."""

from __future__ import annotations

from collections.abc import Iterable

from domain.rule_diff import PastLead
from starter.replay.history import RecordedLead


def past_leads(recorded: Iterable[RecordedLead]) -> tuple[list[PastLead], list[str]]:
    """The leads with a routing decision, and a line for each without one yet."""
    past: list[PastLead] = []
    problems: list[str] = []
    for lead in recorded:
        if lead.plan is None:
            problems.append(f"{lead.path}: no routing decision recorded yet")
            continue
        arrived = lead.submission.lead.submitted_at or lead.submission.received_at
        past.append(
            PastLead(
                str(lead.path), lead.submission.lead, lead.enrichment, lead.plan, arrived,
                lead.rules,
            )
        )  # fmt: skip
    return past, problems
