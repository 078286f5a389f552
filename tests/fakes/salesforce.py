"""A fake of the Salesforce REST API endpoints lead-router uses, on loopback, recording
every request: the OAuth 2.0 token (client credentials, JWT bearer), SOQL queries on Lead,
Task and User (with `nextRecordsUrl` pages), Lead create and update, Task create.

Built from Salesforce's public reference: 18-character ids (the 15-character form is
accepted), error bodies `[{"message", "errorCode", "fields"}]`, 401 INVALID_SESSION_ID for
a token it no longer knows (`expire_tokens`), the daily allocation in `Sforce-Limit-Info`
and 403 REQUEST_LIMIT_EXCEEDED past it, the org's lead assignment rule (every Lead written
without `Sforce-Auto-Assign: FALSE` goes to `ASSIGNMENT_QUEUE`). Faults beyond
tests/fakes/http.py's: "limit" (403 REQUEST_LIMIT_EXCEEDED), "503" (SERVER_UNAVAILABLE),
"expire" (the token expires before this request). `outbound_message` builds the SOAP
notification Salesforce posts when a Lead or Task changes.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.fakes.http import FakeCrm

API = "v64.0"
DATA = f"/services/data/{API}"
ORG_ID = "00D5e000000KQ2eEAG"
CLIENT_ID = "3MVG9fake.connected.app.key"
CLIENT_SECRET = "fake-connected-app-secret"
INTEGRATION_USER = "005000000000999"
ASSIGNMENT_QUEUE = "00G5e000001AbCdEAF"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_CONDITION = re.compile(r"^(\w+) = ('(?:[^'\\]|\\.)*'|true|false)$")
_QUERY = re.compile(
    r"^SELECT (?P<fields>[\w, ]+) FROM (?P<object>\w+)(?: WHERE (?P<where>.+?))?"
    r"(?: ORDER BY (?P<order>\w+))?(?: LIMIT (?P<limit>\d+))?$"
)


def id18(id15: str) -> str:
    """Salesforce's 18-character id: the 15 plus a checksum of where the capitals are."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, c in enumerate(chunk) if c.isupper())
        suffix += _CHECKSUM[bits]
    return id15 + suffix


def _error(message: str, code: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    return [{"message": message, "errorCode": code, "fields": fields or []}]


@dataclass
class FakeSalesforce(FakeCrm):
    users: list[dict[str, Any]] = field(default_factory=list)
    public_key_pem: bytes | None = None  # the connected app's certificate, for JWT bearer
    api_allocation: int = 15_000
    api_used: int = 0
    page_size: int = 2000
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    # What the tests read

    def lead_by_email(self, email: str) -> dict[str, Any] | None:
        return next((x for x in self.leads.values() if x["Email"] == email.lower()), None)

    def leads_with(self, email: str) -> list[dict[str, Any]]:
        return [x for x in self.leads.values() if x["Email"] == email.lower()]

    def owner_of(self, email: str) -> str | None:
        lead = self.lead_by_email(email)
        return lead["OwnerId"] if lead else None

    def tasks_of(self, lead_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if t["WhoId"] == lead_id]

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # HTTP

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: Any, fault: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        path = target.split("?")[0]
        if self.down or fault in ("500", "503"):
            if fault == "500":
                return 500, _error("An unexpected error occurred.", "UNKNOWN_EXCEPTION"), {}
            return 503, _error("Server temporarily unavailable", "SERVER_UNAVAILABLE"), {}
        if path == "/services/oauth2/token" and method == "POST":
            return self._token(body)
        if fault == "expire":
            self.expire_tokens()
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, _error("Session expired or invalid", "INVALID_SESSION_ID"), {}
        self.api_used += 1
        limit = {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_allocation}"}
        if fault == "limit" or self.api_used > self.api_allocation:
            return 403, _error("TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED"), limit
        auto_assign = headers.get("sforce-auto-assign", "TRUE").upper() != "FALSE"
        if method == "GET" and path == f"{DATA}/query":
            soql = unquote(target.split("?q=", 1)[1].replace("+", " "))
            status, payload = self._query(soql)
        elif method == "GET" and path.startswith(f"{DATA}/query/"):
            status, payload = 200, self._page(path.rsplit("/", 1)[1])
        elif method == "POST" and path == f"{DATA}/sobjects/Lead":
            status, payload = self._create_lead(body, auto_assign)
        elif method == "PATCH" and path.startswith(f"{DATA}/sobjects/Lead/"):
            status, payload = self._update_lead(path.rsplit("/", 1)[1], body, auto_assign)
        elif method == "POST" and path == f"{DATA}/sobjects/Task":
            status, payload = self._create_task(body)
        else:
            status, payload = 404, _error(f"The requested resource does not exist: {path}",
                                          "NOT_FOUND")  # fmt: skip
        return status, payload, limit

    def _token(self, form: Any) -> tuple[int, Any, dict[str, str]]:
        form = form if isinstance(form, dict) else {}
        grant = form.get("grant_type")
        if grant == "client_credentials":
            ok = form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            ok = self._jwt_ok(str(form.get("assertion", "")))
        else:
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "grant type not supported"}, {}  # fmt: skip
        if not ok:
            return 400, {"error": "invalid_client",
                         "error_description": "invalid client credentials"}, {}  # fmt: skip
        token = f"{ORG_ID}!{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        answer = {"access_token": token, "instance_url": self.url, "token_type": "Bearer",
                  "id": f"{self.url}/id/{ORG_ID}/{id18(INTEGRATION_USER)}",
                  "issued_at": "1764590000000", "signature": "c2lnbmF0dXJl"}  # fmt: skip
        return 200, answer, {}

    def _jwt_ok(self, assertion: str) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        try:
            head, claims, signature = assertion.split(".")
            decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
            raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
            key = serialization.load_pem_public_key(self.public_key_pem or b"")
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(raw, f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature, AssertionError):
            return False
        return bool(decoded.get("iss") == CLIENT_ID and decoded.get("sub"))

    # The objects

    def _new_id(self, prefix: str) -> str:
        return id18(f"{prefix}5e0000{next(self._ids):06d}")

    def _user(self, user_id: Any) -> dict[str, Any] | None:
        key = str(user_id or "")[:15]
        return next((u for u in self.users if u["Id"][:15] == key and key), None)

    def _bad_owner(self, fields: dict[str, Any]) -> list[dict[str, Any]] | None:
        owner = fields.get("OwnerId")
        if owner is None or (self._user(owner) or {}).get("IsActive"):
            return None
        return _error(f"owner id value of incorrect type: {owner}"
                      if len(str(owner)) not in (15, 18) else "invalid cross reference id",
                      "INVALID_CROSS_REFERENCE_KEY", ["OwnerId"])  # fmt: skip

    def _create_lead(self, fields: dict[str, Any], auto_assign: bool) -> tuple[int, Any]:
        missing = [f for f in ("LastName", "Company") if not fields.get(f)]
        if missing:
            return 400, _error(f"Required fields are missing: [{', '.join(missing)}]",
                               "REQUIRED_FIELD_MISSING", missing)  # fmt: skip
        if (bad := self._bad_owner(fields)) is not None:
            return 400, bad
        lead = {"Id": self._new_id("00Q"), "IsConverted": False, "Status": "Open - Not Contacted",
                "OwnerId": id18(INTEGRATION_USER), "CreatedDate": f"{next(self._ids):08d}", **fields}  # fmt: skip
        lead["Email"] = str(lead["Email"]).lower()
        lead["OwnerId"] = ASSIGNMENT_QUEUE if auto_assign else self._id18(lead["OwnerId"])
        self.leads[lead["Id"]] = lead
        return 201, {"id": lead["Id"], "success": True, "errors": []}

    def _update_lead(
        self, lead_id: str, fields: dict[str, Any], auto_assign: bool
    ) -> tuple[int, Any]:
        lead = next((x for x in self.leads.values() if x["Id"][:15] == lead_id[:15]), None)
        if lead is None:
            return 404, _error("Provided external ID field does not exist or is not accessible",
                               "NOT_FOUND")  # fmt: skip
        if (bad := self._bad_owner(fields)) is not None:
            return 400, bad
        lead.update(fields)
        lead["OwnerId"] = ASSIGNMENT_QUEUE if auto_assign else self._id18(lead["OwnerId"])
        return 204, None

    def _create_task(self, fields: dict[str, Any]) -> tuple[int, Any]:
        if not any(x["Id"][:15] == str(fields.get("WhoId"))[:15] for x in self.leads.values()):
            return 400, _error("Name ID: id value of incorrect type", "FIELD_INTEGRITY_EXCEPTION",
                               ["WhoId"])  # fmt: skip
        if (bad := self._bad_owner(fields)) is not None:
            return 400, bad
        task = {"Id": self._new_id("00T"), **fields, "OwnerId": self._id18(fields["OwnerId"])}
        self.tasks[task["Id"]] = task
        return 201, {"id": task["Id"], "success": True, "errors": []}

    def _id18(self, value: str) -> str:
        return id18(value) if len(value) == 15 else value

    def _query(self, soql: str) -> tuple[int, Any]:
        match = _QUERY.match(soql.strip())
        table = {"Lead": self.leads.values(), "Task": self.tasks.values(), "User": self.users}
        if match is None or match["object"] not in table:
            return 400, _error(f"unexpected token in: {soql}", "MALFORMED_QUERY")
        wanted: list[tuple[str, Any]] = []
        for condition in (match["where"] or "").split(" AND ") if match["where"] else []:
            found = _CONDITION.match(condition.strip())
            if found is None:
                return 400, _error(f"unexpected token: {condition}", "MALFORMED_QUERY")
            name, raw = found.groups()
            value: Any = {"true": True, "false": False}.get(raw)
            if value is None:
                value = re.sub(r"\\(.)", r"\1", raw[1:-1])
            wanted.append((name, value))
        rows = [r for r in table[match["object"]]
                if all(_same(r.get(n), v) for n, v in wanted)]  # fmt: skip
        if match["order"]:
            rows.sort(key=lambda r: str(r.get(match["order"]) or ""))
        rows = rows[: int(match["limit"])] if match["limit"] else rows
        fields = [f.strip() for f in match["fields"].split(",")]
        records = [{"attributes": {"type": match["object"],
                                   "url": f"{DATA}/sobjects/{match['object']}/{r['Id']}"},
                    **{f: r.get(f) for f in fields}} for r in rows]  # fmt: skip
        return 200, self._page_from(records, 0)

    def _page_from(self, records: list[dict[str, Any]], start: int) -> dict[str, Any]:
        page = records[start : start + self.page_size]
        done = start + self.page_size >= len(records)
        answer: dict[str, Any] = {"totalSize": len(records), "done": done, "records": page}
        if not done:
            locator = f"01gFAKE{len(self._pages)}-{start + self.page_size}"
            self._pages[locator.split("-")[0]] = records
            answer["nextRecordsUrl"] = f"{DATA}/query/{locator}"
        return answer

    def _page(self, locator: str) -> dict[str, Any]:
        key, _, start = locator.partition("-")
        return self._page_from(self._pages[key], int(start))


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(stored, str) and len(wanted) in (15, 18):
        return stored[:15] == wanted[:15] or stored == wanted
    return bool(stored == wanted)


def give_salesforce_ids(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Give every roster member of a plain-data rules file a 15-character Salesforce User
    id (the API answers with the 18); returns the users the fake's User query finds."""
    users = []
    members = (m for team in rules["teams"] for m in team["members"])
    for n, member in enumerate(members):
        member["salesforce_user_id"] = f"0055e00000{n:05d}"
        users.append({"Id": id18(member["salesforce_user_id"]), "Name": member["name"],
                      "Email": f"{member['id']}@example.com", "IsActive": True,
                      "UserType": "Standard"})  # fmt: skip
    return users


def outbound_message(
    notifications: list[tuple[str, str, dict[str, str]]], org_id: str = ORG_ID
) -> bytes:
    """The SOAP notification Salesforce posts: (notification id, sObject type, fields)."""
    items = "".join(
        f'<Notification><Id>{nid}</Id><sObject xsi:type="sf:{kind}" '
        f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        + "".join(f"<sf:{k}>{escape(v)}</sf:{k}>" for k, v in fields.items())
        + "</sObject></Notification>"
        for nid, kind, fields in notifications
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k5e000000CaRkAAK</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/64.0/00D5e</EnterpriseUrl>"
        "<PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/64.0/00D5e</PartnerUrl>"
        f"{items}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()
