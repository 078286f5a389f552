from domain.models import Lead, RoutingDecision
from domain.personal_data import ERASED, PERSONAL_FIELDS, redact


def test_every_personal_field_at_any_depth_is_erased_and_the_rest_kept() -> None:
    decision = {
        "lead_id": "lead-1",
        "email": "ada@acme.com",
        "team": "enterprise",
        "lead": {"first_name": "Ada", "last_name": None, "country": "GB"},
        "history": [{"message": "call me", "owner": "gita"}],
    }
    assert redact(decision) == {
        "lead_id": "lead-1",
        "email": ERASED,
        "team": "enterprise",
        "lead": {"first_name": ERASED, "last_name": None, "country": "GB"},
        "history": [{"message": ERASED, "owner": "gita"}],
    }


def test_the_list_names_real_fields_of_a_lead_and_a_decision() -> None:
    known = set(Lead.model_fields) | set(RoutingDecision.model_fields) | {"phone", "answers"}
    assert known >= PERSONAL_FIELDS
    assert {"email", "first_name", "last_name", "message"} <= PERSONAL_FIELDS
    assert not {"lead_id", "email_domain", "company_size", "country", "team"} & PERSONAL_FIELDS
