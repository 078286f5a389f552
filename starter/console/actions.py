"""What the console changes (POST, each form with its CSRF token): a lead reassigned or
actioned on the owner's behalf, a rep away or back, a dead letter retried, a rules
preview. Who did it is recorded on the lead: in the reason, or as the action's `via`."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from temporalio.client import WorkflowUpdateFailedError

from domain.lifecycle import FirstActionKind
from starter.api.deps import AppDatabase, Config, Intake
from starter.console.access import SIGNED_IN, Form, PageProblem, Temporal
from starter.console.availability import set_availability
from starter.console.preview import preview
from starter.console.render import error_page, page
from starter.console.rules_in_force import rules_or_problem
from starter.dead_letters import CannotRetry, retry_dead_letter
from starter.intake import Rejected
from workflows.client import LeadClosed, reassign_lead, record_action

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[SIGNED_IN])


def _back(path: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={quote(notice)}", status_code=303)


def _refused(request: Request, lead_id: str, exc: Exception) -> Response:
    reason = getattr(getattr(exc, "cause", None), "message", None) or str(exc)
    return error_page(request, 409, "The lead did not take that", f"{lead_id}: {reason}",
                      f"see the lead's page (/console/leads/{lead_id}) for where it stands")  # fmt: skip


@router.post("/leads/{lead_id}/reassign")
async def reassign(request: Request, lead_id: str, form: Form, client: Temporal) -> Response:
    to, why = form.get("to", "").strip(), form.get("reason", "").strip()
    if not to or not why:
        missing = "to (the new owner)" if not to else "reason"
        return error_page(request, 422, "Reassign needs more", f"{missing}: required",
                          "go back and fill it in")  # fmt: skip
    try:
        await reassign_lead(client, lead_id, to, f"{why} (by {form.viewer.user} in the console)")
    except (WorkflowUpdateFailedError, LeadClosed) as exc:  # Temporal's own errors: pages
        return _refused(request, lead_id, exc)
    return _back(f"/console/leads/{lead_id}", f"reassigned to {to}")


@router.post("/leads/{lead_id}/act")
async def act(request: Request, lead_id: str, form: Form, client: Temporal) -> Response:
    owner, kind = form.get("owner", ""), form.get("action", "")
    if kind not in FirstActionKind.__members__:
        return error_page(request, 422, "Which action?", f"action: {kind!r} is not one",
                          f"choose one of {', '.join(FirstActionKind.__members__)}")  # fmt: skip
    try:
        await record_action(
            client, lead_id, owner, FirstActionKind(kind), via=f"console:{form.viewer.user}"
        )
    except (WorkflowUpdateFailedError, LeadClosed) as exc:  # Temporal's own errors: pages
        return _refused(request, lead_id, exc)
    return _back(f"/console/leads/{lead_id}", f"{kind} recorded for {owner}")


@router.post("/team/{owner_id}/availability")
async def availability(
    request: Request,
    owner_id: str,
    form: Form,
    config: Config,
    database: AppDatabase,
    client: Temporal,
) -> Response:
    rules = rules_or_problem(config.rules_path)
    if rules.member(owner_id) is None:
        return error_page(request, 404, "No such rep", f"no owner {owner_id!r} in the roster of "
                          f"{config.rules_path}", "pick a rep on the team page")  # fmt: skip
    away = form.get("away") == "true"
    change = await set_availability(
        database, rules, client, owner_id, away=away, reassign_open=form.get("reassign") == "on",
        actor=form.viewer.user, task_queue=config.task_queue,
    )  # fmt: skip
    moved = f"; {len(change.moved)} open lead(s) handed on" if change.moved else ""
    return _back("/console/team", f"{owner_id} is now {'away' if away else 'back'}{moved}")


@router.post("/dead-letters/{letter_id}/retry")
async def retry(letter_id: int, _: Form, database: AppDatabase, intake: Intake) -> Response:
    try:
        accepted = await retry_dead_letter(database, intake, letter_id)
    except CannotRetry as exc:
        raise PageProblem(409, "Cannot retry", str(exc), "see the list of dead letters") from None
    except Rejected as exc:
        raise PageProblem(422, "Still rejected", f"dead letter {letter_id}: {exc}",
                          "fix the form mapping or the rules, then retry") from None  # fmt: skip
    return _back("/console/dead-letters", f"dead letter {letter_id} is now {accepted.lead_id}")


@router.post("/rules/preview")
async def rules_preview(
    request: Request,
    form: Form,
    config: Config,
    database: AppDatabase,
    client: Temporal,
) -> Response:
    text = form.get("rules", "")
    try:
        days = max(1, min(90, int(form.get("days") or 7)))
    except ValueError:
        return error_page(request, 422, "How many days?", "days: not a whole number",
                          "enter a number of days between 1 and 90")  # fmt: skip
    baseline = rules_or_problem(config.rules_path)  # the preview compares with it
    result = await preview(text, days, baseline, database, client, config.companies_path)
    return page(request, "rules.html", 200 if result.candidate else 422, rules=baseline,
                path=config.rules_path, problems=[], warnings=[], preview=result, text=text,
                days=days)  # fmt: skip
