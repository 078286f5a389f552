"""Taking in form deliveries: map, validate, record, start. Never lose one.

The one way in for every lead: the webhooks, `lead-router submit`, the demo's sample
leads and `lead-router dead-letters retry`. Every accepted delivery is written to the app
database before its workflow starts; if Temporal is unreachable it waits there (status
`queued`) and a drainer starts it later. A rejected one is kept as a dead letter.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError

from activities.database import Database
from activities.database.deliveries import DeadLetters, Deliveries
from activities.database.lead_keys import LeadKeys
from activities.database.tables import DeliveryRow
from domain.crm import Crm
from domain.intake import InvalidSubmission, load_submission_json, parse_submission
from domain.models import Lead
from domain.providers import PROVIDERS, FormMappings, PayloadError, Provider, ProviderSubmission
from domain.providers.base import load_mappings_text
from starter.runtime.settings import Settings
from starter.runtime.temporal import ClientProvider
from workflows.client import start_lead

log = logging.getLogger("lead_router.intake")


OWN_FIELDS = PROVIDERS["forms"]  # `submit` and the demo send our own fields


class Rejected(Exception):
    """The delivery is authenticated but cannot become a lead; one entry per bad field."""

    def __init__(self, problems: list[tuple[str, str]], dead_letter_id: int | None = None) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems
        self.dead_letter_id = dead_letter_id


@dataclass(frozen=True)
class Accepted:
    lead_id: str
    workflow_id: str
    status: str  # "started", "queued", or "accepted" (a twin delivery is starting it)
    duplicate: bool


def load_mappings(path: Path | None) -> FormMappings:
    if path is None:
        return FormMappings()
    try:
        return load_mappings_text(
            path.read_text(encoding="utf-8"), source=str(path), providers=PROVIDERS
        )
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the form mapping file: {exc.strerror}") from None


ClientSource = Callable[[], Awaitable[Client]]


class IntakeService:
    """Receives only what it uses: the deliveries (its outbox), the dead letters, the
    lead keys (each lead gets its own before its workflow starts) and a Temporal client."""

    def __init__(
        self,
        deliveries: Deliveries,
        dead_letters: DeadLetters,
        client: ClientSource,
        *,
        lead_keys: LeadKeys,
        task_queue: str,
        id_key: str,
        mappings: FormMappings,
        dedupe_window: timedelta = timedelta(minutes=10),
        crm: Crm | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.dead_letters = dead_letters
        self.lead_keys = lead_keys
        self.client = client
        self.task_queue = task_queue
        self.id_key = id_key
        self.mappings = mappings
        self.dedupe_window = dedupe_window
        self.crm = crm  # each lead started here writes its owners to it

    def to_lead(
        self, provider: Provider, body: bytes, source: str | None = None
    ) -> tuple[Lead, ProviderSubmission]:
        """Parse and map; raises `Rejected` with one entry per bad field. The parser's
        notes (an unmapped form id, say) join the lead's warnings."""
        try:
            payload = load_submission_json(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Rejected([("body", "is not UTF-8 text")]) from None
        except InvalidSubmission as exc:
            raise Rejected([(exc.field, exc.message)]) from None
        try:
            mapped = provider.parse(payload, self.mappings)
            lead = parse_submission(
                mapped.submission, source=source or provider.name, id_key=self.id_key
            )
        except PayloadError as exc:
            raise Rejected(exc.problems) from None
        except InvalidSubmission as exc:
            raise Rejected([(exc.field, exc.message)]) from None
        except Exception as exc:  # a shape no parser foresaw: still kept, never a 500
            log.warning("%s delivery the parser could not read", provider.name, exc_info=True)
            problem = f"not a {provider.title} this version can read ({type(exc).__name__})"
            raise Rejected([("body", problem)]) from None
        if mapped.notes:
            lead = lead.model_copy(update={"warnings": [*mapped.notes, *lead.warnings]})
        return lead, mapped

    async def accept(
        self,
        provider: Provider,
        body: bytes,
        idempotency_key: str | None = None,
        *,
        source: str | None = None,
    ) -> Accepted:
        """Take an authenticated delivery. A rejected one goes to the dead-letter table.
        `source` names where it came from when that is not the provider (`cli`, `demo`)."""
        origin = source or provider.name
        try:
            lead, mapped = self.to_lead(provider, body, source)
        except Rejected as exc:
            text = body.decode("utf-8", "replace")
            exc.dead_letter_id = await self.dead_letters.add(origin, str(exc), text)
            raise
        return await self.record_and_start(
            origin, lead, body, idempotency_key or mapped.delivery_id
        )

    async def record_and_start(
        self, source: str, lead: Lead, body: bytes, delivery_key: str | None
    ) -> Accepted:
        if delivery_key:
            key, window = f"{source}:id:{delivery_key}", None
        else:
            # no delivery id: an identical body within the window is the same delivery
            digest = hashlib.sha256(body).hexdigest()
            key, window = f"{source}:body:{digest}", datetime.now(UTC) - self.dedupe_window
        row = DeliveryRow(
            key=key,
            source=source,
            lead_id=lead.lead_id,
            # a provider's delivery id always names the same submission; an identical body
            # after the window is a new one, so the workflow records it as a resubmission
            submission_id=uuid.uuid5(uuid.NAMESPACE_URL, key).hex
            if window is None
            else uuid.uuid4().hex,
            lead_json=lead.model_dump_json(),
        )
        existing = await self.deliveries.claim(row, window)
        if existing is not None:
            return Accepted(existing.lead_id, existing.lead_id, existing.status, duplicate=True)
        status = await self.start(row, lead)
        return Accepted(lead.lead_id, lead.lead_id, status, duplicate=False)

    async def start(self, row: DeliveryRow, lead: Lead | None = None) -> str:
        """Start (or join) the lead's workflow; on a Temporal outage leave it queued.
        `lead` is the row's lead when the caller has it already."""
        lead = lead or Lead.model_validate_json(row.lead_json)
        try:
            await self.lead_keys.ensure(lead.lead_id)  # before any payload of the lead exists
            client = await self.client()
            await start_lead(
                client,
                lead,
                self.task_queue,
                submission_id=row.submission_id,
                received_at=row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC),
                crm=self.crm,
            )
        except (RPCError, ConnectionError, RuntimeError, OSError) as exc:
            log.warning("Temporal unavailable, lead %s queued: %s", lead.lead_id, exc)
            await self.deliveries.mark(row.key, "queued", str(exc)[:500])
            return "queued"
        await self.deliveries.mark(row.key, "started")
        return "started"

    async def drain_once(self, grace: timedelta = timedelta(seconds=30)) -> int:
        """Start what is queued (or was left accepted by a crash). Returns how many started."""
        started = 0
        for row in await self.deliveries.to_start(datetime.now(UTC) - grace):
            if await self.start(row) == "started":
                started += 1
            else:
                break  # still down: try again on the next round
        return started

    async def drain_forever(self, every: float = 1.0) -> None:
        while True:
            try:
                count = await self.drain_once()
                if count:
                    log.info("started %d queued lead(s)", count)
            except Exception:  # the drainer must survive anything and try again
                log.exception("outbox drain failed")
            await asyncio.sleep(every)


def intake_for(database: Database, settings: Settings) -> IntakeService:
    """The intake a command line uses: the configured Temporal, mappings and window."""
    return IntakeService(
        database.deliveries,
        database.dead_letters,
        ClientProvider(settings.temporal, database.lead_keys),
        lead_keys=database.lead_keys,
        task_queue=settings.temporal.task_queue,
        id_key=settings.routing.id_key,
        mappings=load_mappings(settings.api.form_mappings),
        dedupe_window=timedelta(seconds=settings.api.dedupe_window_seconds),
        crm=settings.crm.crm,
    )
