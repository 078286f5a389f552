"""What the form's visitor is shown once their lead is assigned: a rule's `next_step`,
one for every tier or a map by tier (the SOP's instant scheduler for enterprise and
mid-market, a tier's own thank-you page for the rest)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, model_validator

from domain.models import Tier


class NextStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["scheduler", "thank_you", "none"]
    url: str | None = None

    @model_validator(mode="after")
    def _url_when_needed(self) -> NextStep:
        if self.kind == "none" and self.url is not None:
            raise ValueError("kind none takes no url: leave it out, or pick scheduler/thank_you")
        if self.kind != "none" and not (self.url or "").startswith(("https://", "http://")):
            raise ValueError(f"kind {self.kind} needs a url starting with https:// (or http://)")
        return self


def _shape(value: object) -> str:
    """One step for every tier (it has a `kind`), or a map by tier: errors name only
    the shape the file meant."""
    one = isinstance(value, NextStep) or (isinstance(value, dict) and "kind" in value)
    return "for_every_tier" if one else "by_tier"


NextStepSpec = (
    Annotated[
        Annotated[NextStep, Tag("for_every_tier")]
        | Annotated[dict[Tier, NextStep], Tag("by_tier")],
        Discriminator(_shape),
    ]
    | None
)
NOTHING = NextStep(kind="none")


class _HasNextStep(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def next_step(self) -> NextStepSpec: ...


def next_step_for(
    rules: Iterable[_HasNextStep], rule_ids: Iterable[str], tier: str | None
) -> NextStep:
    """The next step of the first deciding rule that names one for the lead's tier."""
    by_id: Mapping[str, _HasNextStep] = {rule.id: rule for rule in rules}
    for rule_id in rule_ids:
        rule = by_id.get(rule_id)
        spec = rule.next_step if rule is not None else None
        if isinstance(spec, NextStep):
            return spec
        if isinstance(spec, dict) and tier in {t.value for t in spec}:
            return spec[Tier(tier)]
    return NOTHING
