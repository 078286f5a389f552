"""HubSpot's CRM API over plain HTTP: the contact upserted by email with its owner, the
owner's task, the owners list. Date-versioned paths (`API_VERSION`, the one place they
are named): the numbered /crm/v3/ paths are unsupported from September 2027."""

from __future__ import annotations

from typing import Any

import httpx

from activities.crm.http import CrmHttpClient, CrmRejected, RateLimit, json_of
from domain.crm import CrmWrite, task_key

API_VERSION = "2026-03"
CONTACTS = f"/crm/objects/{API_VERSION}/contacts"
TASKS = f"/crm/objects/{API_VERSION}/tasks"
OWNERS = f"/crm/owners/{API_VERSION}/"
TASK_TO_CONTACT = 204  # HubSpot-defined association type: task -> contact
# HubSpot allows 190 requests per 10 s per app; 10 spare for clock skew and other callers
RATE = (180, 10.0)


class HubSpotClient(CrmHttpClient):
    crm = "hubspot"

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.hubapi.com",
        http: httpx.AsyncClient | None = None,
        limit: RateLimit | None = None,
        *,
        tasks: bool = True,
    ) -> None:
        super().__init__(base_url, http, limit or RateLimit(*RATE), tasks=tasks)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        response = await self._call(method, self.base_url + path, json=body, headers=self.headers)
        return json_of(response)

    async def upsert_record(self, write: CrmWrite, *, with_owner: bool = True) -> str:
        """The contact with this email, created if new, owned by the lead's owner."""
        properties = {
            k: v
            for k, v in {
                "email": write.email,
                "firstname": write.first_name,
                "lastname": write.last_name,
                "company": write.company,
                "hubspot_owner_id": write.owner_crm_id if with_owner else None,
            }.items()
            if v
        }
        body = {"inputs": [{"idProperty": "email", "id": write.email, "properties": properties}]}
        answer = await self._json("POST", f"{CONTACTS}/batch/upsert", body)
        results = answer.get("results") or []
        if not results:
            raise CrmRejected(f"hubspot upserted no contact for {write.email}: {answer}")
        return str(results[0]["id"])

    async def find_task(self, write: CrmWrite, record_id: str) -> str | None:
        """The task an earlier attempt may have created (its body carries `task_key`)."""
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "hs_task_body",
                            "operator": "CONTAINS_TOKEN",
                            "value": task_key(write),
                        }
                    ]
                }
            ],
            "properties": ["hs_task_subject"],
            "limit": 1,
        }
        answer = await self._json("POST", f"{TASKS}/search", body)
        results = answer.get("results") or []
        return str(results[0]["id"]) if results else None

    async def create_task(self, write: CrmWrite, record_id: str) -> str:
        assert write.task is not None
        due = write.task.due_at
        properties = {
            "hs_task_subject": write.task.subject,
            "hs_task_body": f"{write.task.body}\n{task_key(write)}",
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hs_task_type": "CALL",
            "hubspot_owner_id": write.owner_crm_id,
        }
        if due is not None:
            properties["hs_timestamp"] = due.isoformat().replace("+00:00", "Z")
        body = {
            "properties": properties,
            "associations": [
                {
                    "to": {"id": record_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": TASK_TO_CONTACT,
                        }
                    ],
                }
            ],
        }
        answer = await self._json("POST", TASKS, body)
        return str(answer["id"])

    async def users(self) -> list[dict[str, str]]:
        """Every active owner: id, userId, email, name (the owners API, paged)."""
        users: list[dict[str, str]] = []
        after: str | None = None
        while True:
            query = f"?limit=100&archived=false{f'&after={after}' if after else ''}"
            answer = await self._json("GET", OWNERS + query)
            for owner in answer.get("results", []):
                name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p)
                users.append(
                    {
                        "id": str(owner["id"]),
                        "user_id": str(owner.get("userId") or ""),
                        "email": owner.get("email") or "",
                        "name": name,
                    }
                )
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return users
