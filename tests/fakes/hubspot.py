"""A fake of the HubSpot CRM API endpoints lead-router uses, on loopback, recording every
request: contacts batch upsert by email, tasks create and search, owners list.

Built from HubSpot's public reference: request and response shapes, error bodies
(`status`, `message`, `correlationId`, `category`), the rate-limit headers, 429 with
`Retry-After` past 190 requests per 10 s. The HTTP server and the injected faults are
`tests/fakes/http.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import FakeCrm

API = "2026-03"
TOKEN = "pat-na1-fake-token"


@dataclass
class FakeHubSpot(FakeCrm):
    owners: list[dict[str, Any]] = field(default_factory=list)
    token: str = TOKEN
    limit: tuple[int, float] = (190, 10.0)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _window: list[float] = field(default_factory=list)

    def owner_of(self, email: str) -> str | None:
        contact = self.contact_by_email(email)
        return contact["properties"].get("hubspot_owner_id") if contact else None

    def contact_by_email(self, email: str) -> dict[str, Any] | None:
        return next(
            (c for c in self.contacts.values() if c["properties"]["email"] == email.lower()), None
        )

    def contacts_with(self, email: str) -> list[dict[str, Any]]:
        return [c for c in self.contacts.values() if c["properties"]["email"] == email.lower()]

    def tasks_of(self, contact_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if contact_id in t["associations"]]

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: Any, fault: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._window = [t for t in self._window if now - t < self.limit[1]]
        self._window.append(now)
        limits = {
            "X-HubSpot-RateLimit-Max": str(self.limit[0]),
            "X-HubSpot-RateLimit-Remaining": str(max(self.limit[0] - len(self._window), 0)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.limit[1] * 1000)),
        }
        if self.down or fault == "500":
            code = 503 if self.down else 500
            return code, _error("internal error", "INTERNAL_ERROR"), limits
        if fault == "429" or len(self._window) > self.limit[0]:
            error = {
                "status": "error",
                "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": "TEN_SECONDLY_ROLLING",
            }
            return 429, error, {**limits, "Retry-After": "1"}
        if headers.get("authorization") != f"Bearer {self.token}":
            message = "Authentication credentials not found."
            return 401, _error(message, "INVALID_AUTHENTICATION"), limits
        path = target.split("?")[0]
        route = {
            ("POST", f"/crm/objects/{API}/contacts/batch/upsert"): self._upsert,
            ("POST", f"/crm/objects/{API}/tasks"): self._create_task,
            ("POST", f"/crm/objects/{API}/tasks/search"): self._search_tasks,
            ("GET", f"/crm/owners/{API}/"): self._owners,
        }.get((method, path))
        if route is None:
            return 404, _error(f"Unable to route {method} {path}", "OBJECT_NOT_FOUND"), limits
        status, payload = route(body)
        return status, payload, limits

    # Endpoints

    def _bad_owner(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        owner = properties.get("hubspot_owner_id")
        if owner is None or any(str(o["id"]) == str(owner) for o in self.owners):
            return None
        message = (
            f'Property values were not valid: [{{"isValid":false,"message":"{owner} is not a '
            f'valid owner id","error":"INVALID_OWNER_ID","name":"hubspot_owner_id"}}]'
        )
        return _error(message, "VALIDATION_ERROR")

    def _upsert(self, body: Any) -> tuple[int, Any]:
        results = []
        for item in body["inputs"]:
            if item.get("idProperty") != "email":
                return 400, _error("idProperty must be a unique property", "VALIDATION_ERROR")
            properties = dict(item["properties"])
            if (bad := self._bad_owner(properties)) is not None:
                return 400, bad
            email = str(item["id"]).lower()
            found = self.contact_by_email(email)
            if found is None:
                found = {"id": str(next(self._ids)), "properties": {"email": email}}
                self.contacts[found["id"]] = found
            found["properties"].update({**properties, "email": email})
            results.append({**found, "new": len(found["properties"]) == 1})
        return 200, {"status": "COMPLETE", "results": results}

    def _create_task(self, body: Any) -> tuple[int, Any]:
        properties = body["properties"]
        if (bad := self._bad_owner(properties)) is not None:
            return 400, bad
        linked = [a["to"]["id"] for a in body.get("associations", [])]
        if any(c not in self.contacts for c in linked):
            return 400, _error("Association target not found", "VALIDATION_ERROR")
        task = {"id": str(next(self._ids)), "properties": properties, "associations": linked}
        self.tasks[task["id"]] = task
        return 201, {"id": task["id"], "properties": properties}

    def _search_tasks(self, body: Any) -> tuple[int, Any]:
        wanted = body["filterGroups"][0]["filters"][0]
        found = [
            {"id": t["id"], "properties": t["properties"]}
            for t in self.tasks.values()
            if wanted["value"] in t["properties"].get(wanted["propertyName"], "").split()
        ]
        return 200, {"total": len(found), "results": found[: body.get("limit", 10)]}

    def _owners(self, _: Any) -> tuple[int, Any]:
        return 200, {"results": self.owners}


def _error(message: str, category: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }


def give_crm_ids(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Give every roster member of a plain-data rules file HubSpot owner and user ids
    (owner 5000+n, user 9000+n); returns the owners the fake's owners API lists."""
    owners = []
    members = (m for team in rules["teams"] for m in team["members"])
    for n, member in enumerate(members):
        member["hubspot_owner_id"], member["hubspot_user_id"] = str(5000 + n), str(9000 + n)
        first, _, last = member["name"].partition(" ")
        owners.append({"id": str(5000 + n), "userId": 9000 + n, "firstName": first,
                       "lastName": last, "email": f"{member['id']}@example.com",
                       "archived": False})  # fmt: skip
    return owners
