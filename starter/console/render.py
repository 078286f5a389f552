"""Turning a page's data into HTML: the Jinja2 templates (autoescaped), the filters the
templates share, and the error page every failure ends on."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape


def _when(moment: datetime | None) -> str:
    """An ISO time in UTC; the page's script shows it in the viewer's time zone."""
    return moment.isoformat() if moment else ""


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("starter.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, percent=_percent, seconds=_seconds)
    return env


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    html = templates().get_template(name).render(request=request, viewer=viewer, **context)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def error_page(
    request: Request, status: int, title: str, message: str, todo: str = ""
) -> HTMLResponse:
    """What went wrong, where, and what to do: never a bare 500."""
    return page(request, "error.html", status, title=title, message=message, todo=todo)


async def form_of(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the last value of each)."""
    text = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
