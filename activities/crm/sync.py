"""The activity that writes a lead's owner to the CRM after each handover.

Idempotent per lead and step (`crm_writes`): a retry never creates a second record or
task. 429, 5xx, timeouts and dropped connections fail the attempt for Temporal to retry
(after the CRM's `Retry-After`); a request the CRM will keep refusing is answered
`rejected` with its reason, for the workflow to warn about, never retried forever.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.crm.http import CrmRejected, CrmUnavailable
from activities.database.crm import CrmLedger
from activities.database.tables import CrmWriteRow
from domain.crm import OWNER_FIELD, CrmSync, CrmWrite


class CrmClient(Protocol):
    crm: str
    tasks: bool

    async def upsert_record(self, write: CrmWrite, *, with_owner: bool = True) -> str: ...
    async def find_task(self, write: CrmWrite, record_id: str) -> str | None: ...
    async def create_task(self, write: CrmWrite, record_id: str) -> str: ...
    async def users(self) -> list[dict[str, str]]: ...


class CrmActivities:
    def __init__(self, client: CrmClient | None, ledger: CrmLedger) -> None:
        self.client = client
        self.ledger = ledger

    @activity.defn
    async def write_owner(self, write: CrmWrite) -> CrmSync:
        """Find or create the lead's record, set its owner, add the owner's task."""
        row = await self.ledger.begin_write(write.lead_id, write.step, write.crm)
        if row.status != "writing":
            return _synced(row)
        client = self.client
        if client is None or client.crm != write.crm:
            return await self._reject(
                write, None, f"this worker has no {write.crm} connection: set its variables"
            )
        try:
            if write.owner_crm_id is None:
                record_id = await client.upsert_record(write, with_owner=False)
                await self._record(write, record_id)
                why = (
                    f"{write.owner} has no {OWNER_FIELD[write.crm]} in the rules file: "
                    "add it (`lead-router crm owners` lists the CRM's ids)"
                )
                return await self._reject(write, record_id, why)
            try:
                record_id = row.record_id or await client.upsert_record(write)
            except CrmRejected as exc:  # say, a deleted owner: keep the record, warn
                record_id = await client.upsert_record(write, with_owner=False)
                await self._record(write, record_id)
                return await self._reject(write, record_id, str(exc))
            await self._record(write, record_id)
            task_id = row.task_id
            if write.task is not None and client.tasks and task_id is None:
                task_id = await client.find_task(write, record_id) if row.task_tried else None
                if task_id is None:
                    await self.ledger.update_write(write.lead_id, write.step, task_tried=True)
                    task_id = await client.create_task(write, record_id)
        except CrmUnavailable as exc:
            delay = timedelta(seconds=exc.retry_after) if exc.retry_after is not None else None
            raise ApplicationError(
                str(exc), type="CrmUnavailable", next_retry_delay=delay
            ) from None
        except CrmRejected as exc:
            return await self._reject(write, row.record_id, str(exc))
        await self.ledger.update_write(
            write.lead_id,
            write.step,
            status="written",
            task_id=task_id,
            owner_crm_id=write.owner_crm_id,
        )
        return CrmSync(
            crm=write.crm,
            step=write.step,
            status="written",
            record_id=record_id,
            task_id=task_id,
            owner_crm_id=write.owner_crm_id,
        )

    async def _record(self, write: CrmWrite, record_id: str) -> None:
        await self.ledger.remember_record(write.lead_id, write.crm, record_id)
        await self.ledger.update_write(write.lead_id, write.step, record_id=record_id)

    async def _reject(self, write: CrmWrite, record_id: str | None, why: str) -> CrmSync:
        await self.ledger.update_write(write.lead_id, write.step, status="rejected", warning=why)
        activity.logger.warning("CRM write for %s refused: %s", write.lead_id, why)
        return CrmSync(
            crm=write.crm, step=write.step, status="rejected", record_id=record_id, warning=why
        )


def _synced(row: CrmWriteRow) -> CrmSync:
    """What an earlier attempt of this write finished with."""
    return CrmSync(
        crm="salesforce" if row.crm == "salesforce" else "hubspot",
        step=row.step,
        status="written" if row.status == "written" else "rejected",
        record_id=row.record_id,
        task_id=row.task_id,
        owner_crm_id=row.owner_crm_id,
        warning=row.warning,
    )
