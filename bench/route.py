"""`route_leads_per_s`: the pure routing engine over a generated lead file, one process."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from activities.catalog import load_companies, read_accounts
from activities.rules_file import load_rules_file
from bench.leads import write_jsonl
from domain.batch import BatchRouter
from domain.models import Account
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_ACCOUNTS, SAMPLE_COMPANIES


def run(count: int) -> dict[str, Any]:
    rules = load_rules_file(DEFAULT_RULES)
    companies, _ = load_companies(SAMPLE_COMPANIES)
    accounts = [a for a in read_accounts(SAMPLE_ACCOUNTS) if isinstance(a, Account)]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "leads.jsonl", count)
        router = BatchRouter(rules, companies, accounts)
        # roster caps would route most of 100k leads to "unassigned": lift them so
        # the benchmark measures the full round-robin path for every lead
        router.rules = rules.model_copy(deep=True)
        for team in router.rules.teams:
            for member in team.members:
                object.__setattr__(member, "max_open_leads", 10**9)
        with path.open(encoding="utf-8") as source, open("/dev/null", "w") as sink:
            started = time.perf_counter()
            for out in router.route_lines(source):
                sink.write(out)
                sink.write("\n")
            elapsed = time.perf_counter() - started
    return {
        "route_leads": count,
        "route_seconds": round(elapsed, 3),
        "route_leads_per_s": round(count / elapsed),
        "route_errors": router.errors,
    }
