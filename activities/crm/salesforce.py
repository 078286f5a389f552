"""Salesforce's REST API over plain HTTP: the Lead found by email (SOQL) or created, its
`OwnerId` set with `Sforce-Auto-Assign: FALSE` (without it the org's assignment rules
overwrite our owner), the owner's Task, the active users. `API_VERSION` is the one place
the version is named.

The token comes from the OAuth 2.0 client-credentials flow (a connected app's key and
secret) or the JWT bearer flow (its key, a user and the app's private key), and is asked
again once when Salesforce answers 401 INVALID_SESSION_ID. `Sforce-Limit-Info` is read on
every answer: past the share of the org's daily API allocation left to lead-router, calls
wait (`CrmUnavailable`, for the activity to retry later) instead of starving the org's
other integrations; REQUEST_LIMIT_EXCEEDED waits the same way.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

import httpx

from activities.crm.http import CrmHttpClient, CrmRejected, CrmUnavailable, RateLimit, json_of
from activities.crm.salesforce_auth import SalesforceLogin, jwt_assertion
from domain.crm import CrmWrite, task_key

API_VERSION = "v64.0"
DATA = f"/services/data/{API_VERSION}"
TOKEN_PATH = "/services/oauth2/token"
NO_ASSIGNMENT_RULES = {"Sforce-Auto-Assign": "FALSE"}
RATE = (20, 1.0)  # per worker process; the daily allocation is what Salesforce counts
LIMIT_PAUSE = 300.0  # seconds a write waits once the allocation left to us is used


def soql_string(value: str) -> str:
    """A value quoted for SOQL: backslash and quote escaped, so no value reads as SOQL."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SalesforceClient(CrmHttpClient):
    crm = "salesforce"
    retry_codes = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"})

    def __init__(
        self,
        login: SalesforceLogin,
        instance_url: str,
        http: httpx.AsyncClient | None = None,
        limit: RateLimit | None = None,
        *,
        tasks: bool = True,
        api_reserve: float = 0.1,
        limit_pause: float = LIMIT_PAUSE,
    ) -> None:
        super().__init__(instance_url, http, limit or RateLimit(*RATE), tasks=tasks)
        self.login = login
        self.api_reserve = api_reserve  # the share of the daily allocation left to others
        self.limit_pause = limit_pause
        self.api_usage: tuple[int, int] | None = None  # the last Sforce-Limit-Info
        self._token: str | None = None
        self._token_lock = asyncio.Lock()
        self._api_url = self.base_url
        self._paused_until = 0.0

    # The requests

    async def _json(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """`path` under the instance (or a `nextRecordsUrl`), with the token; asks for a
        new token once on INVALID_SESSION_ID."""
        if (wait := self._paused_until - time.monotonic()) > 0:
            raise CrmUnavailable(self._limit_words(), retry_after=wait)
        for attempt in (1, 2):
            token = self._token or await self._new_token(stale=None)
            sent = {"Authorization": f"Bearer {token}", **headers}
            try:
                response = await self._call(method, self._api_url + path, json=body, headers=sent)
            except CrmUnavailable as exc:
                if exc.code != "REQUEST_LIMIT_EXCEEDED":
                    raise
                self._paused_until = time.monotonic() + self.limit_pause
                raise CrmUnavailable(str(exc), self.limit_pause, exc.code) from None
            except CrmRejected as exc:
                if exc.code != "INVALID_SESSION_ID" or attempt == 2:
                    raise
                await self._new_token(stale=token)
                continue
            self._read_limit_info(response)
            return json_of(response)
        raise AssertionError("unreachable")

    async def _new_token(self, stale: str | None) -> str:
        """One token request at a time: the calls waiting meanwhile take its answer
        (at a worker's start, or when the session expired, not one request per call)."""
        async with self._token_lock:
            if self._token is None or self._token == stale:
                self._token = await self._ask_token()
            return self._token

    async def _ask_token(self) -> str:
        form = {"grant_type": "client_credentials", "client_id": self.login.client_id,
                "client_secret": self.login.client_secret or ""}  # fmt: skip
        if self.login.private_key is not None:
            assertion = jwt_assertion(self.login, time.time())
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": assertion}  # fmt: skip
        response = await self._call("POST", self.base_url + TOKEN_PATH, data=form)
        answer = response.json()
        self._api_url = str(answer.get("instance_url") or self.base_url).rstrip("/")
        return str(answer["access_token"])

    def _read_limit_info(self, response: httpx.Response) -> None:
        """`Sforce-Limit-Info: api-usage=USED/ALLOCATION`: past our share, pause."""
        info = response.headers.get("Sforce-Limit-Info", "")
        usage = next((p.split("=", 1)[1] for p in info.split(",") if "api-usage=" in p), None)
        try:
            used, allocation = (int(n) for n in (usage or "").strip().split("/"))
        except ValueError:
            return
        self.api_usage = (used, allocation)
        if used >= allocation * (1 - self.api_reserve):
            self._paused_until = time.monotonic() + self.limit_pause

    def _limit_words(self) -> str:
        if self.api_usage is None:
            return "salesforce answered REQUEST_LIMIT_EXCEEDED (daily API allocation): waiting"
        used, allocation = self.api_usage
        return (
            f"salesforce daily API allocation {used}/{allocation} used past the "
            f"{self.api_reserve:.0%} kept for the org's other integrations: waiting"
        )

    async def _query(self, soql: str) -> list[dict[str, Any]]:
        """Every record a SOQL query finds, following `nextRecordsUrl`."""
        answer = await self._json("GET", f"{DATA}/query?q={quote(soql)}")
        records = list(answer.get("records") or [])
        while not answer.get("done", True) and answer.get("nextRecordsUrl"):
            answer = await self._json("GET", str(answer["nextRecordsUrl"]))
            records += answer.get("records") or []
        return records

    # The interface the write activity uses (activities.crm.sync.CrmClient)

    async def upsert_record(self, write: CrmWrite, *, with_owner: bool = True) -> str:
        """The open Lead with this email (created if none), owned by the lead's owner."""
        found = await self._query(
            f"SELECT Id, OwnerId FROM Lead WHERE Email = {soql_string(write.email.lower())} "
            "AND IsConverted = false ORDER BY CreatedDate LIMIT 1"
        )
        owner = write.owner_crm_id if with_owner else None
        if found:
            lead_id = str(found[0]["Id"])
            if owner and found[0].get("OwnerId") != owner:
                await self._json(
                    "PATCH", f"{DATA}/sobjects/Lead/{lead_id}", {"OwnerId": owner},
                    **NO_ASSIGNMENT_RULES,
                )  # fmt: skip
            return lead_id
        fields = {
            "Email": write.email.lower(),
            "FirstName": write.first_name,
            # both required by Salesforce; Web-to-Lead fills them the same way
            "LastName": write.last_name or "[not provided]",
            "Company": write.company or write.email.rpartition("@")[2],
            "OwnerId": owner,
        }
        body = {k: v for k, v in fields.items() if v}
        answer = await self._json("POST", f"{DATA}/sobjects/Lead", body, **NO_ASSIGNMENT_RULES)
        return str(answer["id"])

    async def find_task(self, write: CrmWrite, record_id: str) -> str | None:
        """The Task an earlier attempt may have created. Description is a long text field
        SOQL cannot filter on, so the Lead's few tasks of this owner are read here."""
        tasks = await self._query(
            f"SELECT Id, Description FROM Task WHERE WhoId = {soql_string(record_id)} "
            f"AND OwnerId = {soql_string(write.owner_crm_id or '')}"
        )
        key = task_key(write)
        return next((str(t["Id"]) for t in tasks if key in (t.get("Description") or "")), None)

    async def create_task(self, write: CrmWrite, record_id: str) -> str:
        assert write.task is not None
        due = write.task.due_at
        body: dict[str, Any] = {
            "WhoId": record_id,
            "OwnerId": write.owner_crm_id,
            "Subject": write.task.subject[:255],
            "Description": f"{write.task.body}\n{task_key(write)}",
            "Status": "Not Started",
            "Priority": "High",
            "TaskSubtype": "Call",
        }
        if due is not None:  # the day it is due, and a reminder at the deadline itself
            body["ActivityDate"] = due.date().isoformat()
            body["IsReminderSet"] = True
            body["ReminderDateTime"] = due.isoformat().replace("+00:00", "Z")
        answer = await self._json("POST", f"{DATA}/sobjects/Task", body, **NO_ASSIGNMENT_RULES)
        return str(answer["id"])

    async def users(self) -> list[dict[str, str]]:
        """Every active standard user: id, user_id, email, name."""
        users = await self._query(
            "SELECT Id, Name, Email FROM User WHERE IsActive = true "
            "AND UserType = 'Standard' ORDER BY Name"
        )
        return [
            {
                "id": str(u["Id"]),
                "user_id": str(u["Id"]),
                "email": u.get("Email") or "",
                "name": u.get("Name") or "",
            }
            for u in users
        ]
