"""The project's data converter: the same JSON as temporalio.contrib.pydantic, with a
rule set validated once per distinct content, and the assignment's rules argument."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.assignment import AssignmentActivities
from activities.database import Database
from domain.lifecycle import AssignRequest
from domain.rules import RoutingRules
from starter.runtime.codec import LEAD_DATA_CONVERTER, LeadPayloadConverter
from tests.helpers import plan_for

CONVERTER = LEAD_DATA_CONVERTER.payload_converter


def test_the_json_is_the_pydantic_converters(rules: RoutingRules) -> None:
    request = AssignRequest(lead_id="l1", step=0, plan=plan_for())
    ours = CONVERTER.to_payloads([request, rules])
    assert ours == pydantic_data_converter.payload_converter.to_payloads([request, rules])


def test_one_rule_set_decodes_to_one_shared_copy(rules: RoutingRules) -> None:
    payloads = CONVERTER.to_payloads([rules])
    first = CONVERTER.from_payloads(payloads, [RoutingRules])[0]
    again = CONVERTER.from_payloads(CONVERTER.to_payloads([rules]), [RoutingRules])[0]
    assert again is first
    assert first == rules == RoutingRules.model_validate_json(payloads[0].data)


def test_other_rules_are_other_copies(rules: RoutingRules) -> None:
    other = rules.model_copy(update={"version": f"{rules.version}-next"})
    first = CONVERTER.from_payloads(CONVERTER.to_payloads([rules]), [RoutingRules])[0]
    second = CONVERTER.from_payloads(CONVERTER.to_payloads([other]), [RoutingRules])[0]
    assert second is not first and second.version == f"{rules.version}-next"


def test_every_converter_the_sdk_builds_shares_one_json_converter(rules: RoutingRules) -> None:
    """The SDK builds a payload converter per data converter (two per activation): they
    share one pydantic JSON converter, and with it its cache of type adapters."""
    first, second = LeadPayloadConverter(), LeadPayloadConverter()
    assert first.converters[b"json/plain"] is second.converters[b"json/plain"]
    assert first.to_payloads([rules]) == CONVERTER.to_payloads([rules])
    copy = dataclasses.replace(LEAD_DATA_CONVERTER)  # what the SDK does per activation
    assert copy.payload_converter is not CONVERTER
    assert copy.payload_converter.from_payloads(first.to_payloads([rules]), [RoutingRules]) == [
        rules
    ]


@pytest.fixture
async def activities(tmp_path: Path) -> AsyncIterator[AssignmentActivities]:
    database = await Database(tmp_path / "app.db").init()
    yield AssignmentActivities(database.roster)
    await database.close()


async def test_assignment_takes_the_rules_as_an_argument(
    activities: AssignmentActivities, rules: RoutingRules
) -> None:
    request = AssignRequest(lead_id="l1", step=0, plan=plan_for())
    assert (await activities.assign_owner(request, rules)).owner is not None
