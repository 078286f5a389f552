"""The console in a real browser (Debian's Chromium through Playwright): signing in,
the queue, a reassign from the lead page, a rep away with their lead handed on, a rules
preview's diff, the analytics page against `lead-router report --json`, dead letters.
Each test saves its page's screenshot (`make screenshots`: into docs/console/ for the README)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Page, expect

from domain.analytics.report import Report
from starter.runtime.settings import SAMPLE_LEADS
from tests.starter.api.conftest import BEARER, MM_US_EAST, Api
from tests.starter.api.test_actions import routed_lead
from tests.starter.console.conftest import Console, shoot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
  .map(e => e.outerHTML.slice(0, 80))"""


async def sample_leads(app: Api) -> list[str]:
    """The shipped sample leads through the webhook, each address tagged so no other
    test's lead is joined; the lead ids of those accepted (the last line is invalid on
    purpose: it becomes a dead letter)."""
    tag = uuid.uuid4().hex[:8]
    accepted = []
    for line in SAMPLE_LEADS.read_text().splitlines():
        payload = json.loads(line)
        local, at, domain = str(payload["email"]).strip().partition("@")
        if at:
            payload["email"] = f"{local}+{tag}@{domain}"
        answer = await app.forms(payload)
        if answer.status_code == 202:
            accepted.append(answer.json()["lead_id"])
    return accepted


async def test_sign_in_and_see_a_submitted_lead_in_the_queue(console: Console, page: Page) -> None:
    app = await console()
    state = await routed_lead(app)
    others = await sample_leads(app)
    for lead_id in others:
        await app.until(lead_id, lambda s: s.get("status") not in (None, "routing", "queued"))
    await sign_in(page, app.base_url)
    row = page.locator("#queue-rows tr", has=page.get_by_role("link", name=state["lead_id"]))
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("mm-us-east")
    await expect(row).to_contain_text(state["owner"])
    await expect(row.locator("time.due")).to_contain_text("in ")  # the SLA counting down
    await shoot(page, "queue")

    await page.get_by_role("link", name=state["lead_id"]).click()
    await expect(page.locator("#lead-owner")).to_have_text(state["owner"])
    await expect(page.get_by_text("Every decision")).to_be_visible()
    await shoot(page, "lead")

    for path in ("/console", f"/console/leads/{state['lead_id']}", "/console/team",
                 "/console/analytics", "/console/rules", "/console/dead-letters"):  # fmt: skip
        await page.goto(app.base_url + path)
        assert await page.evaluate(UNLABELLED) == [], path  # every control has a label
        assert await page.evaluate("document.documentElement.scrollWidth") <= 1366, path

    overdue = await page.goto(f"{app.base_url}/console?view=overdue")
    assert overdue is not None and overdue.status == 200
    await expect(page.get_by_text("No leads waiting in this view")).to_be_visible()


async def test_reassign_from_the_lead_page(console: Console, page: Page) -> None:
    app = await console()
    state = await routed_lead(app)
    to = next(m for m in sorted(MM_US_EAST) if m != state["owner"])
    await sign_in(page, app.base_url, "rita.revops")
    await page.goto(f"{app.base_url}/console/leads/{state['lead_id']}")
    await page.get_by_label("New owner").select_option(to)
    await page.get_by_label("Reason").fill("speaks German")
    await page.get_by_role("button", name="Reassign").click()
    await expect(page.get_by_role("status")).to_have_text(f"reassigned to {to}")
    await expect(page.locator("#lead-owner")).to_have_text(to)

    now = (await app.lead(state["lead_id"])).json()
    assert now["owner"] == to
    manual = [d for d in now["decisions"] if d["kind"] == "manual"]
    assert manual and any("by rita.revops in the console" in r for r in manual[-1]["reasons"]), (
        manual
    )


async def test_a_rep_away_hands_their_open_lead_on(console: Console, page: Page) -> None:
    app = await console()
    state = await routed_lead(app)
    owner = state["owner"]
    await sign_in(page, app.base_url, "rita.revops")
    await page.goto(f"{app.base_url}/console/team")
    rep = page.locator(f'tr[id="rep-{owner}"]')
    await expect(rep.get_by_label("also reassign their open leads now")).to_be_checked()
    await page.locator('section[aria-labelledby="team-mm-us-east"]').scroll_into_view_if_needed()
    await shoot(page, "team")
    await rep.get_by_role("button", name=f"Mark {owner} away").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"{owner} is now away; 1 open lead(s) handed on"
    )
    await expect(rep.locator(".availability")).to_have_text("away")
    assert (await app.lab.store.roster.load_state()).owner(owner).away

    moved = await app.until(state["lead_id"], lambda s: s.get("owner") not in (None, owner))
    assert moved["owner"] in MM_US_EAST - {owner}
    reasons = [r for d in moved["decisions"] for r in d["reasons"]]
    assert any("marked by rita.revops in the console" in r for r in reasons), reasons

    await rep.get_by_role("button", name=f"Mark {owner} back").click()
    await expect(rep.locator(".availability")).to_have_text("available")


async def test_preview_a_rules_file_and_see_the_diff(console: Console, page: Page) -> None:
    app = await console()
    await routed_lead(app)
    data = yaml.safe_load(app.lab.rules_path.read_text())
    data["version"] = "2026.12.1-faster-mm"
    for rule in data["rules"]:
        if rule["id"] == "mid-market":
            rule["sla"] = "10m"
    await sign_in(page, app.base_url)
    await page.goto(f"{app.base_url}/console/rules")
    await expect(page.get_by_text("`rules check`: no problems.")).to_be_visible()

    await page.get_by_label("or paste it").fill("version: [broken")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.get_by_text("The new rules have problems")).to_be_visible()

    await page.get_by_label("or paste it").fill(yaml.safe_dump(data, sort_keys=False))
    await page.get_by_role("button", name="Preview").click()
    summaries = page.locator(".diff-summary")
    await expect(summaries.first).to_contain_text("1 of 1 lead(s) would change")
    await expect(summaries.first).to_contain_text("SLA 1")
    await expect(summaries.nth(1)).to_contain_text("1 of 1 lead(s) would change")  # backtest
    await expect(page.locator("table.changes").first).to_contain_text("sla")
    await page.locator("#preview-result").scroll_into_view_if_needed()
    await shoot(page, "rules")


def report_json(app: Api, since: str) -> Report:
    """`lead-router report --json` on the lab's database, as a person would run it."""
    database = str(app.lab.store.url).removeprefix("sqlite+aiosqlite:///")
    printed = subprocess.run(
        [Path(sys.executable).parent / "lead-router", "report", "--json", "--since", since,
         "--database", database, "--rules", str(app.lab.rules_path)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return Report.model_validate_json(printed)


async def test_the_analytics_page_shows_the_same_figures_as_report_json(
    console: Console, page: Page
) -> None:
    app = await console()
    first = await routed_lead(app)
    await routed_lead(app)
    touched = await app.http.post(f"/leads/{first['lead_id']}/actions", headers=BEARER,
                                  json={"owner_id": first["owner"], "action": "first_touch"})  # fmt: skip
    assert touched.status_code == 200, touched.text
    await app.until(first["lead_id"], lambda s: s.get("first_action") == "first_touch")
    await app.lab.client.get_workflow_handle(first["lead_id"]).result()
    samples = await sample_leads(app)  # the invalid last line is a dead letter

    # every lead's facts are written as it is handed over: wait for the last of them
    deadline = asyncio.get_running_loop().time() + 30
    while (expected := await asyncio.to_thread(report_json, app, "7d")).leads < 2 + len(samples):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"facts of {expected.leads} of {2 + len(samples)} leads in 30 s")
        await asyncio.sleep(0.2)
    assert expected.actioned.get("total") == 1 and expected.dead_letters == 1
    await sign_in(page, app.base_url)
    await page.goto(f"{app.base_url}/console/analytics?since=7d")
    figures = {
        "leads": str(expected.leads),
        "assigned": str(expected.assigned),
        "actioned": str(expected.actioned.get("total", 0)),
        "unowned": str(expected.unowned),
        "escalated": str(expected.escalated.get("total", 0)),
        "reassigned": str(expected.reassigned.get("total", 0)),
        "dead_letters": str(expected.dead_letters),
    }
    for name, value in figures.items():
        await expect(page.locator(f'[data-figure="{name}"]')).to_have_text(value)
    for target in expected.targets:
        shown = "-" if target.actual is None else f"{target.actual * 100:.1f}%"
        await expect(page.locator(f'[data-kpi="{target.name}"] .value')).to_have_text(shown)
    await shoot(page, "analytics")

    download = await page.request.get(f"{app.base_url}/console/analytics?since=7d&download=csv")
    assert download.ok and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    assert len(rows) == 1 and int(rows[0]["leads"]) == expected.leads, rows


async def test_dead_letters_show_the_reason_and_the_raw_body(console: Console, page: Page) -> None:
    app = await console()
    await sign_in(page, app.base_url)
    await page.goto(f"{app.base_url}/console/dead-letters")
    await expect(page.get_by_text("No dead letters")).to_be_visible()
    await sample_leads(app)
    await page.reload()
    letter = page.locator("article.letter").first
    await expect(letter).to_contain_text("email")
    await letter.get_by_text("Raw body").click()
    await expect(letter.locator("pre")).to_contain_text("not-an-email")
    await shoot(page, "dead-letters")
    await letter.get_by_role("button").click()
    await expect(page.get_by_role("heading", name="Still rejected")).to_be_visible()


async def test_screenshots_are_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for name in ("queue", "lead", "team", "analytics", "rules", "dead-letters"):
        assert f"docs/console/{name}.png" in readme, name
