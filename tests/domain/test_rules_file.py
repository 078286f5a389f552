"""Rules file validation: every problem names the file and the key path that caused it."""

from __future__ import annotations

from pathlib import Path

import pytest

from activities.rules_file import load_rules_file
from domain.rules import RulesError, parse_duration
from domain.rules_check import load_rules_text

SOURCE = "policies/acme-rules.yaml"


def load_error(text: str) -> str:
    with pytest.raises(RulesError) as caught:
        load_rules_text(text, source=SOURCE)
    return str(caught.value)


def changed(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must appear exactly once in the default rules"
    return text.replace(old, new)


def test_the_default_rules_are_valid(rules_text: str) -> None:
    rules = load_rules_text(rules_text, source=SOURCE)
    assert rules.rules[-1].id == "default-nurture"
    assert [t.id for t in rules.territories] == ["us-west", "us-east", "emea", "apac"]


def test_a_typo_in_a_key_is_reported_with_its_path(rules_text: str) -> None:
    text = changed(rules_text, "when: {has_account_owner: true}", "whn: {has_account_owner: true}")
    message = load_error(text)
    assert f"{SOURCE}:76: rules[3] (account-owner).whn:" in message
    assert "unknown key" in message


def test_a_typo_inside_a_condition_is_reported_with_its_path(rules_text: str) -> None:
    text = changed(
        rules_text, "when: {lead_type: [trial_signup]}", "when: {lead_typ: [trial_signup]}"
    )
    assert f"{SOURCE}:87: rules[5] (trial-signup).when.lead_typ:" in load_error(text)


def test_a_typo_in_a_member_is_reported_with_its_path(rules_text: str) -> None:
    text = changed(rules_text, "{id: ben.weber, name: Ben Weber, weight: 1,",
                   "{id: ben.weber, name: Ben Weber, wieght: 1,")  # fmt: skip
    assert f"{SOURCE}:137: teams[0].members[1].wieght:" in load_error(text)


def test_an_unknown_team_in_a_rule(rules_text: str) -> None:
    text = changed(rules_text, "team: partnerships\n    sla", "team: partner-team\n    sla")
    message = load_error(text)
    assert f"{SOURCE}:83: rules[4] (partner-inquiry).team: no team 'partner-team'" in message


def test_an_unknown_team_in_an_override(rules_text: str) -> None:
    text = changed(rules_text, "team: vertical-fintech\n", "team: fintech-team\n")
    assert f"{SOURCE}:45: overrides[1].team: no team 'fintech-team'" in load_error(text)


def test_an_unknown_fallback_team(rules_text: str) -> None:
    text = changed(rules_text, "name: Enterprise APAC\n    fallback: enterprise-pool",
                   "name: Enterprise APAC\n    fallback: apac-pool")  # fmt: skip
    assert f"{SOURCE}:205: teams[11].fallback: no team 'apac-pool'" in load_error(text)


def test_a_territory_template_needs_a_team_for_every_territory(rules_text: str) -> None:
    text = changed(rules_text, "- id: enterprise-apac\n    name: Enterprise APAC",
                   "- id: enterprise-asia\n    name: Enterprise APAC")  # fmt: skip
    assert f"{SOURCE}:114: rules[10] (enterprise).team: no team 'enterprise-apac'" in load_error(
        text
    )


def test_a_fallback_cycle(rules_text: str) -> None:
    text = changed(rules_text, "name: Inbound SDR review\n",
                   "name: Inbound SDR review\n    fallback: manual-review\n")  # fmt: skip
    message = load_error(text)
    assert (
        f"{SOURCE}:173: teams[6].fallback: cycle inbound-sdr-review -> manual-review "
        "-> inbound-sdr-review" in message
    )


def test_a_team_that_falls_back_to_itself(rules_text: str) -> None:
    text = changed(rules_text, "name: Mid-market APAC\n    fallback: sdr-pool",
                   "name: Mid-market APAC\n    fallback: mm-apac")  # fmt: skip
    assert f"{SOURCE}:230: teams[15].fallback: cycle mm-apac -> mm-apac" in load_error(text)


def test_the_last_rule_must_be_a_catch_all(rules_text: str) -> None:
    text = changed(rules_text, "description: Everything else is nurtured by growth\n",
                   "description: Everything else is nurtured by growth\n"
                   "    when: {intent: [neutral]}\n")  # fmt: skip
    message = load_error(text)
    assert (
        f"{SOURCE}:126: rules[12] (default-nurture).when: the last rule must match every lead"
        in (message)
    )


@pytest.mark.parametrize("duration", ["soon", "5 weeks", "-5m", "0m", "0"])
def test_a_bad_duration(rules_text: str, duration: str) -> None:
    text = changed(rules_text, "team: manual-review\n    sla: 1bd",
                   f"team: manual-review\n    sla: {duration}")  # fmt: skip
    message = load_error(text)
    assert f"{SOURCE}:61: rules[0] (spam).sla:" in message


def test_a_bad_duration_in_a_tier_map(rules_text: str) -> None:
    text = changed(rules_text, "sla: {enterprise: 5m, mid_market: 15m,",
                   "sla: {enterprise: fast, mid_market: 15m,")  # fmt: skip
    message = load_error(text)
    assert f"{SOURCE}:79: rules[3] (account-owner).sla.enterprise: 'fast' is not a duration" in (
        message
    )


def test_an_unknown_tier_in_an_sla_map(rules_text: str) -> None:
    text = changed(rules_text, "sla: {enterprise: 5m, mid_market: 15m,",
                   "sla: {enterprize: 5m, mid_market: 15m,")  # fmt: skip
    assert f"{SOURCE}:79: rules[3] (account-owner).sla.enterprize: not a tier" in load_error(text)


def test_a_bad_review_sla(rules_text: str) -> None:
    text = changed(rules_text, "review_sla: 30m", "review_sla: half an hour")
    assert f"{SOURCE}:52: escalation.review_sla:" in load_error(text)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(300, 300), ("5m", 300), ("30 min", 1800), ("8h", 28800), ("1bd", 28800),
     ("0.5bd", 14400), ("45s", 45), (None, None)],
)  # fmt: skip
def test_durations(value: str | int | None, seconds: int | None) -> None:
    assert parse_duration(value) == seconds


def test_a_bad_default_time_zone(rules_text: str) -> None:
    text = changed(rules_text, "default_hours: {timezone: America/New_York",
                   "default_hours: {timezone: America/Springfield")  # fmt: skip
    message = load_error(text)
    assert (
        f"{SOURCE}:10: default_hours.timezone: 'America/Springfield' is not an IANA time zone"
        in (message)
    )


def test_a_bad_team_time_zone_is_reported_with_its_path(rules_text: str) -> None:
    text = changed(rules_text, "name: Partnerships\n",
                   "name: Partnerships\n    hours: {timezone: Moon/Base}\n")  # fmt: skip
    message = load_error(text)
    assert "'Moon/Base' is not an IANA time zone" in message
    assert f"{SOURCE}:147: teams[2].hours.timezone:" in message


ZANE = (
    "{id: zane.ivanova, name: Zane Ivanova, weight: 1, max_open_leads: 40, "
    'hours: {timezone: Europe/London, start: "09:00", end: "17:00"}}'
)


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ('{timezone: Europe/London, start: "17:00", end: "09:00"}', "must be after start"),
        ("{timezone: Europe/London, days: [mon, funday]}", "'funday' is not a weekday"),
        ("{timezone: Europe/Londn}", "'Europe/Londn' is not an IANA time zone"),
    ],
    ids=["ends before it starts", "unknown weekday", "unknown time zone"],
)
def test_bad_member_hours_are_reported_with_their_path(
    rules_text: str, hours: str, problem: str
) -> None:
    zane = ZANE.replace(
        'hours: {timezone: Europe/London, start: "09:00", end: "17:00"}', f"hours: {hours}"
    )
    message = load_error(changed(rules_text, ZANE, zane))
    assert problem in message
    assert f"{SOURCE}:201: teams[10].members[0].hours" in message


def test_an_unquoted_yaml_no_is_explained(rules_text: str) -> None:
    text = changed(rules_text, 'SE, "NO", DK', "SE, NO, DK")
    message = load_error(text)
    assert f"{SOURCE}:28: territories[2].countries:" in message
    assert 'quote it, as "NO"' in message


def test_an_unknown_territory_in_a_condition(rules_text: str) -> None:
    text = changed(rules_text, "when: {tier: [mid_market]}",
                   "when: {tier: [mid_market], territory: [latam]}")  # fmt: skip
    assert (
        f"{SOURCE}:119: rules[11] (mid-market).when.territory: 'latam' is not a territory "
        "(use us-west, us-east, emea, apac, unsupported)"
    ) in load_error(text)


def test_a_duplicate_member_across_teams(rules_text: str) -> None:
    text = changed(
        rules_text, "{id: grace.liu, name: Grace Liu,", "{id: ava.khan, name: Grace Liu,"
    )
    assert f"{SOURCE}:150: teams[2].members[1].id: 'ava.khan' is already in team manual-review" in (
        load_error(text)
    )


def test_every_problem_is_reported_not_only_the_first(rules_text: str) -> None:
    text = changed(rules_text, "team: partnerships\n    sla", "team: partner-team\n    sla")
    text = changed(text, "team: manual-review\n    sla: 1bd", "team: manual-review\n    sla: soon")
    lines = load_error(text).splitlines()
    assert len(lines) == 2
    assert [line.split(" ", 1)[0] for line in lines] == [f"{SOURCE}:61:", f"{SOURCE}:83:"]


def test_text_that_is_not_yaml_names_the_file() -> None:
    message = load_error("rules: [unclosed")
    assert message.startswith(f"{SOURCE}: not valid YAML")


def test_a_top_level_list_names_the_file() -> None:
    assert load_error("- a\n- b\n") == f"{SOURCE}: the top level must be a mapping of keys"


def test_a_rules_file_on_disk_is_named_in_its_errors(rules_text: str, tmp_path: Path) -> None:
    path = tmp_path / "my-rules.yaml"
    path.write_text(changed(rules_text, "team: partnerships\n    sla", "team: nope\n    sla"))
    with pytest.raises(RulesError, match=rf"^{path}:83: rules\[4\] \(partner-inquiry\)\.team"):
        load_rules_file(path)


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(RulesError, match=rf"^{path}: cannot read the rules file"):
        load_rules_file(path)


TOML_RULES = """\
version = "t1"

[intent]
high = ["demo_request"]
low = ["newsletter"]

[[territories]]
id = "us"
countries = ["US"]

[[teams]]
id = "t"
name = "T"

[[teams.members]]
id = "amy"
name = "Amy"

[[teams]]
id = "u"
name = "U"
members = [
  {id = "bo", name = "Bo"},
]

[escalation]
review_team = "u"

[[rules]]
id = "demo"
when = {lead_type = ["demo_request"]}
team = "t"
sla = "5m"

[[rules]]
id = "rest"
team = "t"
sla = "1h"
"""


def test_a_toml_rules_file_is_read() -> None:
    rules = load_rules_text(TOML_RULES, source="acme.toml")
    assert [t.id for t in rules.teams] == ["t", "u"]
    assert [m.id for m in rules.teams[1].members] == ["bo"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('team = "t"\nsla = "1h"', 'teem = "t"\nsla = "1h"',
         "acme.toml:37: rules[1] (rest).teem: unknown key"),
        ('name = "Amy"', 'nmae = "Amy"', "acme.toml:17: teams[0].members[0].nmae: unknown key"),
        ('name = "Amy"', 'nmae = "Amy"', "acme.toml:15: teams[0].members[0].name: Field required"),
        ('["demo_request"]}', '["demo"]}',
         "acme.toml:31: rules[0] (demo).when.lead_type: 'demo' is not a lead type"),
        ('review_team = "u"', 'review_team = "x"', "acme.toml:27: escalation.review_team: no team 'x'"),
        # inside a value over several lines: the line of the key that holds it
        ('name = "Bo"}', 'name = "Bo", wieght = 2}',
         "acme.toml:22: teams[1].members[0].wieght: unknown key"),
    ],
)  # fmt: skip
def test_a_toml_problem_names_its_line(old: str, new: str, problem: str) -> None:
    assert old in TOML_RULES
    with pytest.raises(RulesError) as raised:
        load_rules_text(TOML_RULES.replace(old, new), source="acme.toml")
    lines = str(raised.value).splitlines()
    assert any(line.startswith(problem) for line in lines), lines
