"""Turn a raw form submission (a JSON object) into a normalized `Lead`.

Only the email is required. A bad optional value never loses the lead: it is
dropped and reported in `Lead.warnings`, naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from domain.geo import country_code, us_state_code
from domain.identity import DEFAULT_ID_KEY, lead_id_for
from domain.matchers import parse_number
from domain.models import Lead, LeadType

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_BAND = re.compile(r"^(\d[\d,]*)\s*(?:-\s*(\d[\d,]*)|\+)$")
_MAX_TEXT = 2000

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "industry",
    "job_title",
    "product_interest",
    "page_url",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "message",
    "honeypot",
    "form_id",
    "language",
)


class InvalidSubmission(ValueError):
    """A submission that cannot become a lead; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def load_submission_json(text: str) -> Any:
    """Parse one submission's JSON; anything unparseable is an `InvalidSubmission`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSubmission(
            "submission", f"not valid JSON: {exc.msg} at column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # huge integers, absurd nesting
        raise InvalidSubmission("submission", f"not usable JSON: {exc}") from None


def clean_text(text: str) -> str:
    """Valid UTF-8 only: a lone surrogate (legal in JSON, not in UTF-8) becomes U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def normalize_email(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidSubmission("email", "is required")
    if not isinstance(value, str):
        raise InvalidSubmission("email", f"must be a string, got {type(value).__name__}")
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidSubmission("email", f"{value.strip()!r} is not a valid email address")
    return email


def parse_company_size(value: object) -> int:
    """An employee count: an integer, or a band such as "201-500" or "5000+" (its lower bound)."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a band like '201-500'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.replace(",", "").isdigit() and not text.startswith(","):
            return int(text.replace(",", ""))
        band = _BAND.match(text)
        if band:
            low = int(band.group(1).replace(",", ""))
            high = band.group(2)
            if high is not None and int(high.replace(",", "")) < low:
                raise ValueError(f"band {text!r} ends below where it starts")
            return low
    raise ValueError(f"{value!r} is not a number or a band like '201-500' or '5000+'")


def parse_annual_revenue(value: object) -> int:
    """Yearly revenue in the form's currency: 2500000, "2.5M", "$10m-50m" (its lower bound)."""
    if isinstance(value, bool):
        raise ValueError("must be an amount like 2500000 or '2.5M'")
    if isinstance(value, int | float) and 0 <= value < 1e15:
        return int(value)
    if isinstance(value, str):
        try:
            amount = parse_number(value.split("-")[0].rstrip("+"))
        except ValueError:
            amount = -1.0
        if 0 <= amount < 1e15:  # also refuses nan and inf
            return int(amount)
    raise ValueError(f"{value!r} is not an amount like 2500000, '2.5M' or '10M-50M'")


def _text(value: object) -> str:
    if type(value) is str:  # the common case, first: ASCII needs no cleaning
        text = value.strip()
        if not text.isascii():
            text = clean_text(text)
    elif isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"must be text, got {type(value).__name__}")
    else:
        text = clean_text(str(value).strip())
    if len(text) > _MAX_TEXT:
        raise ValueError(f"is longer than {_MAX_TEXT} characters")
    return text


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_submission(
    data: Mapping[str, Any], *, source: str = "api", id_key: str = DEFAULT_ID_KEY
) -> Lead:
    """Validate and normalize one submission. Raises `InvalidSubmission` for a bad email."""
    if not isinstance(data, Mapping):
        raise InvalidSubmission("submission", "must be a JSON object")
    email = normalize_email(data.get("email"))
    fields: dict[str, Any] = {}
    warnings: list[str] = []
    unknown: list[str] = []
    for name, raw in data.items():
        parse = _PARSERS.get(name)
        if parse is None:
            if name not in _READ_APART:
                unknown.append(clean_text(str(name))[:80])
            continue
        if raw is None or raw == "":
            continue
        try:
            value = parse(raw)
        except ValueError as exc:
            warnings.append(f"{name}: {exc}; treated as unknown")
            continue
        if value is not None and value != "":
            fields[name] = value
    lead_type = data.get("lead_type")
    if lead_type not in (None, ""):
        known = _LEAD_TYPES.get(str(lead_type).strip().lower())
        if known is not None:
            fields["lead_type"] = known
        else:
            allowed = ", ".join(t.value for t in LeadType)
            shown = clean_text(repr(lead_type))[:80]
            warnings.append(f"lead_type: {shown} is not one of {allowed}; treated as contact_sales")
    if unknown:
        warnings.append(f"ignored unknown fields: {', '.join(sorted(unknown))}")
    return Lead(
        lead_id=lead_id_for(email, id_key),
        email=email,
        email_domain=email.rsplit("@", 1)[1],
        source=source,
        warnings=warnings,
        **fields,
    )


def _country(value: object) -> str:
    code = country_code(_text(value))
    if code is None:
        raise ValueError(f"{value!r} is not a known country name or ISO code")
    return code


def _state(value: object) -> str:
    code = us_state_code(_text(value))
    if code is None:
        raise ValueError(f"{value!r} is not a US state code")
    return code


_PARSERS: dict[str, Callable[[object], object]] = {
    **dict.fromkeys(TEXT_FIELDS, _text),
    "company_size": parse_company_size,
    "annual_revenue": parse_annual_revenue,
    "country": _country,
    "state": _state,
    "submitted_at": _parse_time,
}
# read on their own: a bad email rejects the lead, a bad type defaults with a warning
_READ_APART = frozenset({"email", "lead_type"})
_LEAD_TYPES = {t.value: t for t in LeadType}  # a dict lookup, not the enum's call, per lead


def resolve_lead_id(email_or_id: str, id_key: str) -> str:
    """A lead id from an email (hashed the same way as at intake) or an id as given."""
    text = email_or_id.strip()
    if not text:
        raise ValueError("empty: give the lead's email or its id (lead-...)")
    if "@" not in text:
        return text
    try:
        return lead_id_for(normalize_email(text), id_key)
    except InvalidSubmission as exc:
        raise ValueError(str(exc)) from None
