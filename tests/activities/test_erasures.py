"""Erasure in the app database, on SQLite and PostgreSQL: the lead's key and personal data
go, its routing facts and every other lead's rows stay, the erasure is recorded."""

from __future__ import annotations

import json

from sqlalchemy import Connection, insert, text

from activities.database import Database
from activities.database.tables import (
    AssignmentRow,
    CrmRecordRow,
    DeadLetterRow,
    DeliveryRow,
    NotificationRow,
)
from domain.personal_data import ERASED

GONE, KEPT = "lead-gone", "lead-kept"
EMAIL = "Ada.Lovelace@Acme.com"


def _rows_of(lead_id: str, email: str) -> list[tuple[type, dict[str, object]]]:
    decision = {"lead_id": lead_id, "email": email.lower(), "team": "enterprise", "owner": "gita"}
    return [
        (DeliveryRow, {"key": f"k-{lead_id}", "source": "forms", "lead_id": lead_id,
                       "submission_id": "s", "lead_json": json.dumps({"email": email})}),
        (DeadLetterRow, {"source": "forms", "reason": "bad size", "raw_body": f'{{"email": "{email}"}}'}),
        (NotificationRow, {"lead_id": lead_id, "step": 0, "kind": "assigned", "recipient": "gita",
                           "text": f"New lead {email}"}),
        (AssignmentRow, {"lead_id": lead_id, "step": 0, "owner_id": "gita", "team": "enterprise",
                         "method": "round_robin", "decision_json": json.dumps(decision)}),
        (CrmRecordRow, {"lead_id": lead_id, "crm": "hubspot", "record_id": f"c-{lead_id}"}),
    ]  # fmt: skip


async def test_erasure_drops_the_person_and_keeps_the_routing_facts(database: Database) -> None:
    await database.lead_keys.ensure(GONE)
    await database.lead_keys.ensure(KEPT)

    def fill(conn: Connection) -> None:
        for lead_id, email in ((GONE, EMAIL), (KEPT, "bo@other.io")):
            for model, values in _rows_of(lead_id, email):
                row = model(**values)
                conn.execute(insert(model).values(**row.model_dump(exclude={"id"})))

    await database.transactions.write(fill)
    erased = await database.erasures.erase(GONE, "cli:dpo", "terminated", EMAIL.lower())
    assert erased.rows == (
        "lead_keys 1, deliveries 1, dead_letters 1, notifications 1, assignments 1, "
        "crm_records 1, crm_writes 0"
    )

    async with database.engine.connect() as conn:
        cells = []
        for table in ("deliveries", "dead_letters", "notifications", "assignments",
                      "crm_records", "lead_keys", "erasures"):  # fmt: skip
            cells += [
                str(tuple(r)) for r in (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            ]
    everything = "\n".join(cells)
    assert "ada.lovelace" not in everything.lower() and "bo@other.io" in everything
    [assignment] = [a for a in await database.roster.assignments_for(GONE)]
    assert assignment.owner_id == "gita" and assignment.team == "enterprise"
    assert json.loads(assignment.decision_json)["email"] == ERASED
    assert await database.lead_keys.sealing_key(GONE) is None
    assert await database.lead_keys.sealing_key(KEPT) is not None
    recorded = await database.erasures.of(GONE)
    assert (
        recorded is not None
        and recorded.erased_by == "cli:dpo"
        and recorded.workflow == "terminated"
    )
    assert await database.erasures.of(KEPT) is None
