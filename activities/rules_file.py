"""The rules file: read from disk, and pinned for each lead by the load_rules activity."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.rules import RoutingRules, RulesError
from domain.rules_check import load_rules_text


def load_rules_file(path: Path) -> RoutingRules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror}") from None
    return load_rules_text(text, source=str(path))


class RulesActivities:
    def __init__(self, rules_path: Path) -> None:
        self.rules_path = rules_path
        self._rules: tuple[float, RoutingRules] | None = None

    @activity.defn
    async def load_rules(self) -> RoutingRules:
        """Pin the rules for this lead: the workflow keeps them for its whole life."""
        try:
            mtime = self.rules_path.stat().st_mtime
            if self._rules is None or self._rules[0] != mtime:
                self._rules = (mtime, load_rules_file(self.rules_path))
            return self._rules[1]
        except OSError as exc:
            raise ApplicationError(
                f"{self.rules_path}: cannot read the rules file: {exc}"
            ) from None
        except RulesError as exc:
            # a broken rules file is fixed by a person; keep retrying until it is
            raise ApplicationError(f"the rules file is invalid:\n{exc}") from None
