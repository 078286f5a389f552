"""The rules the corpus recorded (frozen with it), as a dict to change and write out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from starter.replay.history import read_history, recorded_lead

CORPUS = Path(__file__).parents[2] / "histories"
RulesFile = Callable[..., Path]


def recorded_rules() -> dict[str, Any]:
    path = CORPUS / "first-action-in-time.json.gz"
    lead = asyncio.run(recorded_lead(path, read_history(path)))
    assert lead.rules is not None
    return lead.rules.model_dump(mode="json")


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)  # type: ignore[no-any-return]


@pytest.fixture
def rules_file(tmp_path: Path) -> RulesFile:
    """Write the recorded rules, changed by `change`, to a YAML file."""

    def write(name: str, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
        data = recorded_rules()
        if change is not None:
            change(data)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write
