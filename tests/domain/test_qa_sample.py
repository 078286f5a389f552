"""The weekly QA sample's draw: random, reproducible from its seed, in submission order."""

from __future__ import annotations

import csv
import io

from domain.qa_sample import COLUMNS, QaSampleRequest, as_csv, draw, sample
from tests.activities.test_analytics import T0, actioned, fact

WEEK = [fact(i) for i in range(30)]


def test_the_same_seed_draws_the_same_leads_in_submission_order() -> None:
    first, again = draw(WEEK, 20, seed=7), draw(WEEK, 20, seed=7)
    assert first == again and len({f.lead_id for f in first}) == 20
    assert [f.submitted_at for f in first] == sorted(f.submitted_at for f in first)
    assert {f.lead_id for f in draw(WEEK, 20, seed=8)} != {f.lead_id for f in first}
    assert len(draw(WEEK[:5], 20, seed=7)) == 5  # a quiet week: everything


def test_the_csv_has_the_decision_and_the_outcome_and_no_personal_data() -> None:
    rows = list(csv.DictReader(io.StringIO(as_csv([actioned(0, 3), fact(1, team="ent")]))))
    assert tuple(rows[0]) == COLUMNS and "email" not in COLUMNS
    assert (rows[0]["rule"], rows[0]["team"], rows[0]["owner"]) == ("mid-market", "mm", "a")
    assert (rows[0]["status"], rows[0]["first_action_kind"], rows[0]["sla_met"]) == (
        "actioned", "first_touch", "True",
    )  # fmt: skip
    assert rows[1]["team"] == "ent" and rows[1]["sla_met"] == ""


def test_a_sample_counts_its_population() -> None:
    request = QaSampleRequest(since=T0, until=T0, size=3, seed=1)
    drawn = sample(WEEK, request)
    assert drawn.population == 30 and drawn.csv_text.count("\n") == 4
