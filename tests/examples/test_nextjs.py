"""examples/nextjs: its route handler, compiled and run by Node's own test runner
(`npm test`: tsc, then `node --test`), against the real API on loopback with a worker
on the session's Temporal. `make test` installs its npm packages first."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tests.starter.api.conftest import WEBHOOK_SECRET, ApiFactory, api  # noqa: F401
from tests.workflows.conftest import env, lab  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXAMPLE = Path(__file__).parents[2] / "examples" / "nextjs"


async def test_the_route_handler_answers_with_the_next_step(api: ApiFactory) -> None:  # noqa: F811
    npm = shutil.which("npm")
    assert npm is not None, "npm is not on PATH: install Node.js 20 or newer"
    assert (EXAMPLE / "node_modules" / "typescript").is_dir(), (
        f"no npm packages in {EXAMPLE}: run `make install` (npm ci --prefix examples/nextjs)"
    )
    app = await api()  # real HTTP on loopback: Node calls it as a Next.js server would
    environment = {**os.environ, "LEAD_ROUTER_URL": app.base_url,
                   "LEAD_ROUTER_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip
    environment.pop("THANK_YOU_URL", None)
    process = await asyncio.create_subprocess_exec(
        npm, "test", cwd=EXAMPLE, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("npm test did not finish within 180 s") from None
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    assert "# pass 5" in text and "# fail 0" in text, text
