"""What about a lead is personal data, and what an erased lead keeps.

A lead's personal fields are the ones that say who the person is or what they wrote:
erasure on request destroys them. Everything else about the lead (its company's domain,
size, industry, country, the form, the routing facts: team, owner, times, outcome) says
how a company's enquiry was handled, not who asked, and is kept for analytics.

In Temporal every payload of a lead's workflow (its input, signals, activity arguments
and results, summaries) is sealed with the lead's own key (`starter/runtime/lead_codec.py`),
so the whole history, not only these fields, becomes unreadable once the key is
destroyed. This list says what the app database must drop or blank for the same lead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Lead fields (domain.models.Lead) that identify the person or carry their words.
PERSONAL_FIELDS: frozenset[str] = frozenset(
    {
        "email",  # the person's address
        "first_name",
        "last_name",
        "phone",  # not a Lead field today; a form mapping may add one
        "job_title",  # with the company, it names one person
        "message",  # free text: anything the person wrote
        "honeypot",  # free text a bot (or a person) typed
        "page_url",  # query strings carry emails and names (?email=...)
        "answers",  # free-text answers of a provider's form
    }
)

ERASED = "(erased)"


def redact(value: Any) -> Any:
    """`value` with every personal field, at any depth, replaced by ERASED (None stays
    None): a routing decision or a stored lead keeps its routing facts and loses the
    person."""
    if isinstance(value, Mapping):
        return {
            key: (ERASED if item is not None else None) if key in PERSONAL_FIELDS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
