"""The rules the corpus recorded (frozen with it), as a dict to change and write out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from starter.replay.history import RecordedLead, recorded_leads

CORPUS = Path(__file__).parents[2] / "histories"
# the policy most of the corpus was recorded with (the suppressed lead recorded 2026.12.0)
RECORDED_VERSION = "2026.11.1"
RulesFile = Callable[..., Path]


@cache
def corpus_leads() -> tuple[RecordedLead, ...]:
    leads, problems = asyncio.run(recorded_leads(sorted(CORPUS.glob("*.json.gz"))))
    assert problems == []
    return tuple(leads)


def corpus_of(version: str) -> list[Path]:
    """The corpus's histories whose lead started with rules `version`."""
    return [lead.path for lead in corpus_leads() if lead.rules and lead.rules.version == version]


def recorded_rules(version: str = RECORDED_VERSION) -> dict[str, Any]:
    lead = next(lead for lead in corpus_leads() if lead.rules and lead.rules.version == version)
    assert lead.rules is not None
    return lead.rules.model_dump(mode="json")


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)  # type: ignore[no-any-return]


@pytest.fixture
def rules_file(tmp_path: Path) -> RulesFile:
    """Write the rules the corpus recorded (`version`), changed by `change`, to a YAML file."""

    def write(
        name: str,
        change: Callable[[dict[str, Any]], None] | None = None,
        version: str = RECORDED_VERSION,
    ) -> Path:
        data = recorded_rules(version)
        if change is not None:
            change(data)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write
