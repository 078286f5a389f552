"""The console under test: the API app on loopback for a lab, and Debian's Chromium
driven by Playwright (never Playwright's own browser download: it needs the internet)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.starter.api.conftest import API_TOKEN, Api, ApiFactory, api  # noqa: F401
from tests.workflows.conftest import Lab, LabFactory, env, lab  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]
# `make screenshots` writes them into docs/console for the README; a plain test run keeps
# the checkout clean and writes them to the temporary directory
SCREENSHOTS = Path(
    os.environ.get("LEAD_ROUTER_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "lead-router-screenshots"
)
VIEWPORT = {"width": 1366, "height": 768}  # the laptop screen the issue names


def chromium() -> str | None:
    """Debian's chromium (scripts/ensure-chromium.sh installs it in `make install`)."""
    given = os.environ.get("LEAD_ROUTER_TEST_CHROMIUM")
    if given:
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    script = ROOT / "scripts" / "ensure-chromium.sh"
    printed = subprocess.run([script], capture_output=True, text=True, timeout=600).stdout
    return printed.strip() or None


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the console's browser tests: no chromium (apt-get install chromium)"
            )
        pytest.skip("no chromium: run scripts/ensure-chromium.sh (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


Console = Callable[..., Awaitable[Api]]


@pytest_asyncio.fixture(loop_scope="session")
async def console(api: ApiFactory, lab: LabFactory) -> Console:  # noqa: F811
    """The API (and so the console) for a new lab, its rules file in force."""

    async def make(lab_: Lab | None = None, **changes: Any) -> Api:
        the_lab = lab_ or await lab()
        return await api(the_lab, rules_path=the_lab.rules_path, **changes)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    opened = await context.new_page()
    opened.set_default_timeout(15_000)  # every wait in a test is bounded
    yield opened
    await context.close()


async def sign_in(page: Page, base_url: str, user: str = "rita.revops") -> None:
    await page.goto(f"{base_url}/console")
    await page.get_by_label("Name").fill(user)
    await page.get_by_label("Password or API token").fill(API_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base_url}/console")


async def shoot(page: Page, name: str) -> None:
    """A screenshot of the page (docs/console/ with `make screenshots`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
