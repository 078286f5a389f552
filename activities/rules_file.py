"""Reading the rules file from disk."""

from __future__ import annotations

from pathlib import Path

from domain.rules import RoutingRules, RulesError
from domain.rules_check import load_rules_text


def load_rules_file(path: Path) -> RoutingRules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror}") from None
    return load_rules_text(text, source=str(path))
