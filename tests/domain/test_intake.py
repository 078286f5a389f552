"""Intake: a raw submission becomes a `Lead`; only a bad email (or no object) loses it."""

from __future__ import annotations

from typing import Any

import pytest

from domain.intake import InvalidSubmission, parse_company_size, parse_submission
from domain.models import LeadType
from tests.helpers import RouteFn


def warnings_about(field: str, warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith(f"{field}:")]


@pytest.mark.parametrize(
    ("value", "employees"),
    [
        (250, 250),
        (250.0, 250),
        ("250", 250),
        (" 250 ", 250),
        ("201-500", 201),
        ("201 - 500", 201),
        ("5000+", 5000),
        ("1,000-5,000", 1000),
        ("10,001+", 10001),
        ("0", 0),
    ],
)
def test_company_size_numbers_and_bands(value: object, employees: int) -> None:
    assert parse_company_size(value) == employees
    lead = parse_submission({"email": "a@acme.com", "company_size": value})
    assert lead.company_size == employees
    assert lead.warnings == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("lots", "band"),
        ("about 200", "band"),
        ("200-", "band"),
        ("-5", "band"),
        (-5, "negative"),
        (12.5, "band"),
        (True, "band"),
        ([200], "band"),
        ("500-201", "ends below"),
        ("5,000-1,000", "ends below"),
    ],
)
def test_a_bad_or_reversed_band_is_a_warning_not_an_error(value: object, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        parse_company_size(value)
    lead = parse_submission({"email": "a@acme.com", "company_size": value})
    assert lead.company_size is None
    [warning] = warnings_about("company_size", lead.warnings)
    assert hint in warning
    assert "treated as unknown" in warning


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("United States", "US"),
        ("united states", "US"),
        ("United States of America", "US"),
        ("United Kingdom", "GB"),
        ("united kingdom", "GB"),
        ("UK", "GB"),
        ("uk", "GB"),
        ("GB", "GB"),
        ("Germany", "DE"),
        ("germany", "DE"),
        ("Deutschland", "DE"),
        ("DE", "DE"),
        ("de", "DE"),
        ("  France ", "FR"),
        ("Canada", "CA"),
        ("Norway", "NO"),
    ],
)
def test_country_names_and_codes(typed: str, code: str) -> None:
    lead = parse_submission({"email": "a@acme.com", "country": typed})
    assert lead.country == code
    assert lead.warnings == []


@pytest.mark.parametrize("typed", ["Narnia", "Atlantis", "XX", "12"])
def test_an_unknown_country_is_a_warning(typed: str) -> None:
    lead = parse_submission({"email": "a@acme.com", "country": typed})
    assert lead.country is None
    [warning] = warnings_about("country", lead.warnings)
    assert typed in warning


@pytest.mark.parametrize(
    ("typed", "code"), [("CA", "CA"), ("ca", "CA"), ("California", "CA"), ("new york", "NY")]
)
def test_us_states(typed: str, code: str) -> None:
    lead = parse_submission({"email": "a@acme.com", "country": "US", "state": typed})
    assert lead.state == code
    assert lead.warnings == []


def test_an_unknown_state_is_a_warning() -> None:
    lead = parse_submission({"email": "a@acme.com", "country": "US", "state": "Gondor"})
    assert lead.state is None
    assert len(warnings_about("state", lead.warnings)) == 1


@pytest.mark.parametrize(
    "submission",
    [{}, {"email": None}, {"email": ""}, {"email": "   "}, {"first_name": "Ana"}],
    ids=["empty", "null", "empty string", "blank", "no email key"],
)
def test_a_missing_email_is_an_error(submission: dict[str, Any]) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(submission)
    assert caught.value.field == "email"
    assert "required" in str(caught.value)


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "ana@", "@acme.com", "ana@acme", "ana@@acme.com", "an a@acme.com",
     "ana@acme..com", "ana@-acme.com", 42, ["ana@acme.com"], {"email": "ana@acme.com"}],
)  # fmt: skip
def test_an_invalid_email_is_an_error(email: object) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission({"email": email})
    assert caught.value.field == "email"


@pytest.mark.parametrize("data", [None, [], ["email", "a@acme.com"], "a@acme.com", 42, 1.5])
def test_a_submission_that_is_not_an_object_is_an_error(data: Any) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data)
    assert caught.value.field == "submission"


def test_the_email_is_normalized_and_gives_a_stable_id() -> None:
    lead = parse_submission({"email": "  Ana.Lopez@ACME.com "})
    assert lead.email == "ana.lopez@acme.com"
    assert lead.email_domain == "acme.com"
    assert lead.lead_id == parse_submission({"email": "ana.lopez@acme.com"}).lead_id
    assert lead.lead_id != parse_submission({"email": "bob@acme.com"}).lead_id
    assert "ana" not in lead.lead_id


WRONG_TYPES: dict[str, object] = {
    "first_name": ["Ana"],
    "last_name": {"family": "Lopez"},
    "company": True,
    "company_size": {"min": 10},
    "industry": ["Software"],
    "country": 12,
    "state": ["CA"],
    "job_title": {"title": "CTO"},
    "product_interest": ["security"],
    "page_url": False,
    "message": ["hello"],
    "submitted_at": 1700000000,
}


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES.items(), ids=WRONG_TYPES.keys())
def test_a_wrong_type_for_an_optional_field_is_a_warning(
    field: str, value: object, route: RouteFn
) -> None:
    submission = {"email": "ana@acme.com", "lead_type": "demo_request", field: value}
    lead = parse_submission(submission)
    assert getattr(lead, field) is None
    assert len(warnings_about(field, lead.warnings)) == 1
    decision = route(submission)
    assert decision.team is not None
    assert warnings_about(field, decision.warnings)


def test_all_wrong_types_at_once_still_make_a_lead() -> None:
    lead = parse_submission({"email": "ana@acme.com", **WRONG_TYPES})
    assert lead.email == "ana@acme.com"
    for field in WRONG_TYPES:
        assert len(warnings_about(field, lead.warnings)) == 1, field


def test_a_text_field_that_is_too_long_is_a_warning() -> None:
    lead = parse_submission({"email": "ana@acme.com", "message": "x" * 5000})
    assert lead.message is None
    assert warnings_about("message", lead.warnings)


def test_a_bad_timestamp_is_a_warning_and_a_good_one_is_kept() -> None:
    bad = parse_submission({"email": "ana@acme.com", "submitted_at": "yesterday"})
    assert bad.submitted_at is None
    assert warnings_about("submitted_at", bad.warnings)
    good = parse_submission({"email": "ana@acme.com", "submitted_at": "2026-11-24T15:00:00Z"})
    assert good.submitted_at is not None
    assert good.submitted_at.utcoffset() is not None
    assert good.submitted_at.isoformat() == "2026-11-24T15:00:00+00:00"


@pytest.mark.parametrize("lead_type", ["demo", "DEMO-REQUEST", "sales", 7, ["pricing"]])
def test_an_unknown_lead_type_is_contact_sales_with_a_warning(
    lead_type: object, route: RouteFn
) -> None:
    submission = {"email": "ana@acme.com", "lead_type": lead_type}
    lead = parse_submission(submission)
    assert lead.lead_type is LeadType.contact_sales
    [warning] = warnings_about("lead_type", lead.warnings)
    assert "contact_sales" in warning
    decision = route(submission)
    assert decision.lead_type is LeadType.contact_sales
    assert decision.intent == "high"


@pytest.mark.parametrize(
    ("typed", "lead_type"),
    [("Demo_Request", LeadType.demo_request), (" pricing ", LeadType.pricing)],
)
def test_lead_type_ignores_case_and_spaces(typed: str, lead_type: LeadType) -> None:
    lead = parse_submission({"email": "ana@acme.com", "lead_type": typed})
    assert lead.lead_type is lead_type
    assert lead.warnings == []


def test_no_lead_type_means_contact_sales_without_a_warning() -> None:
    lead = parse_submission({"email": "ana@acme.com"})
    assert lead.lead_type is LeadType.contact_sales
    assert lead.warnings == []


def test_unknown_fields_are_named_in_one_warning() -> None:
    lead = parse_submission({"email": "ana@acme.com", "zeta": 1, "alpha": "x"})
    assert lead.warnings == ["ignored unknown fields: alpha, zeta"]


def test_null_and_empty_optional_fields_are_simply_absent() -> None:
    lead = parse_submission(
        {"email": "ana@acme.com", "company": None, "country": "", "company_size": None}
    )
    assert (lead.company, lead.country, lead.company_size) == (None, None, None)
    assert lead.warnings == []


@pytest.mark.parametrize(("raw", "size"), [("1,000", 1000), ("12,500", 12500), (" 250 ", 250)])
def test_a_plain_number_with_thousands_separators_is_a_size(raw: str, size: int) -> None:
    from domain.intake import parse_company_size

    assert parse_company_size(raw) == size
