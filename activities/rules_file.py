"""The rules file: read from disk, and pinned for each lead by the load_rules activity.

A worker refuses to start on an invalid file (`check`). A file that turns invalid while the
worker runs never strands a lead: new leads keep the last valid version, recorded as such in
their decision (its version reads "... (last valid: ... invalid)"), and the ops channel and
every team lead are alerted once per broken edit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain import texts
from domain.lifecycle import Notification
from domain.rules import RoutingRules, RulesError
from domain.rules_check import load_rules_text

Alert = Callable[[Notification], Awaitable[object]]


def refuse_invalid_rules(path: Path) -> RoutingRules:
    """At start: the rules, or a `RuntimeError` that prints every problem of the file."""
    try:
        return load_rules_file(path)
    except RulesError as exc:
        raise RuntimeError(f"the rules file is invalid; fix it and start again:\n{exc}") from None


def load_rules_file(path: Path) -> RoutingRules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror}") from None
    return load_rules_text(text, source=str(path))


class RulesActivities:
    def __init__(self, rules_path: Path, alert: Alert | None = None) -> None:
        self.rules_path = rules_path
        self.alert = alert
        self._rules: tuple[float, RoutingRules] | None = None  # as of the file's mtime
        self._valid: RoutingRules | None = None  # the last valid version read

    def check(self) -> RoutingRules:
        """Read the file now (at start: `RuntimeError` listing its problems if invalid)."""
        self._valid = refuse_invalid_rules(self.rules_path)
        return self._valid

    @activity.defn
    async def load_rules(self) -> RoutingRules:
        """Pin the rules for this lead: the workflow keeps them for its whole life."""
        try:
            mtime = self.rules_path.stat().st_mtime
        except OSError:
            mtime = -1.0  # gone or unreadable: as invalid as a broken file
        if self._rules is not None and self._rules[0] == mtime:
            return self._rules[1]
        try:
            rules = self._valid = load_rules_file(self.rules_path)
        except RulesError as exc:
            if self._valid is None:
                # nothing valid to fall back on: a person fixes the file; keep retrying
                raise ApplicationError(f"the rules file is invalid:\n{exc}") from None
            rules = self._valid.model_copy(
                update={"version": texts.last_valid_version(self._valid.version, self.rules_path)}
            )
            await self._alert(str(exc), self._valid)
        self._rules = (mtime, rules)
        return rules

    async def _alert(self, problems: str, valid: RoutingRules) -> None:
        if self.alert is None:
            return
        lead_id = activity.info().workflow_id  # the first lead routed on the fallback
        text = texts.rules_invalid_alert(self.rules_path, problems, valid.version)
        leads = sorted({team.lead for team in valid.teams if team.lead})
        for step, recipient in enumerate([None, *leads]):
            await self.alert(Notification(
                lead_id=lead_id, step=step, kind="rules_invalid", recipient=recipient, text=text
            ))  # fmt: skip
