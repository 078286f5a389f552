"""Routing a JSON Lines file of submissions in memory (the `route` command)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from domain.assign import RosterState
from domain.engine import decide
from domain.enrich import enrich_from, index_accounts
from domain.intake import InvalidSubmission, load_submission_json, parse_submission
from domain.models import Account, Company
from domain.rules import RoutingRules


@dataclass
class BatchRouter:
    rules: RoutingRules
    companies: dict[str, Company]
    accounts: list[Account]
    state: RosterState = field(default_factory=RosterState)
    id_key: str | None = None
    errors: int = 0
    now: datetime | None = None  # when the leads arrive: time-boxed rules judge them then

    def __post_init__(self) -> None:
        self._by_domain, self._by_name = index_accounts(self.accounts)

    def route_line(self, number: int, line: str) -> str | None:
        """One output line for one input line (None for a blank line)."""
        if not line.strip():
            return None
        try:
            data = load_submission_json(line)
            lead = (
                parse_submission(data, id_key=self.id_key)
                if self.id_key
                else parse_submission(data)
            )
        except InvalidSubmission as exc:
            return self._error(number, str(exc))
        enrichment = enrich_from(lead, self.companies, self._by_domain, self._by_name)
        decision = decide(lead, enrichment, self.rules, self.state, self.now)
        return decision.model_dump_json()

    def route_lines(self, lines: Iterable[str]) -> Iterator[str]:
        for number, line in enumerate(lines, start=1):
            out = self.route_line(number, line)
            if out is not None:
                yield out

    def _error(self, number: int, message: str) -> str:
        self.errors += 1
        return json.dumps({"line": number, "error": message})
