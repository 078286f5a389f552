"""The lead's CRM writes, run beside the notifications: one at a time and in order (so an
older owner never lands after a newer one), never awaited by routing or the SLA clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.crm.sync import CrmActivities
    from domain.crm import CrmSync, CrmWrite
    from domain.crm_life import crm_summary, crm_write
    from domain.lifecycle import LeadLife

RECORD_MEMO_PATCH = "crm-record-memo"  # the CRM record's id in the memo, for the Web UI
CRM_TIMEOUT = timedelta(seconds=60)
# until the CRM is back: a 429's Retry-After replaces the backoff (next_retry_delay)
CRM_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5)
)


class CrmWrites:
    def __init__(self) -> None:
        self._last: asyncio.Task[None] | None = None
        self._record_id: str | None = None  # the one in the memo

    def write(self, life: LeadLife, synced: Callable[[CrmSync], None]) -> None:
        """Queue the write of the lead's owner now; `synced` hears how it went."""
        write = crm_write(life)
        if write is not None:
            self._last = asyncio.create_task(self._run(write, self._last, synced))

    def idle(self) -> bool:
        return self._last is None or self._last.done()

    async def _run(
        self,
        write: CrmWrite,
        previous: asyncio.Task[None] | None,
        synced: Callable[[CrmSync], None],
    ) -> None:
        if previous is not None:
            await previous
        try:
            sync = await workflow.execute_activity_method(
                CrmActivities.write_owner,
                write,
                start_to_close_timeout=CRM_TIMEOUT,
                retry_policy=CRM_RETRY,
                summary=crm_summary(write),
            )
        except ActivityError as exc:
            workflow.logger.warning("CRM write of step %d failed: %s", write.step, exc.cause)
            return
        self._remember(sync)
        synced(sync)

    def _remember(self, sync: CrmSync) -> None:
        """The record's id where a person finds it in the Temporal Web UI (the Memo)."""
        if sync.record_id is None or sync.record_id == self._record_id:
            return
        if workflow.patched(RECORD_MEMO_PATCH):
            self._record_id = sync.record_id
            workflow.upsert_memo({"crm_record": {"crm": sync.crm, "id": sync.record_id}})
