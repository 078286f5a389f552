"""What the fake CRMs share: a plain asyncio HTTP/1.1 server on loopback (so a dropped
connection is really dropped) that records every request and injects faults per request
(`fail_next`): "429", "500", "timeout" (answers after `timeout_after` seconds), "drop"
(closes the connection without a word); `down` answers 503 to everything until cleared.
Each fake says what a request gets in `_answer`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    at: float = 0.0  # time.perf_counter() when it arrived


@dataclass
class FakeCrm:
    requests: list[Recorded] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    down: bool = False
    timeout_after: float = 3.0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)
    url: str = ""

    def fail_next(self, *faults: str) -> None:
        self.faults.extend(faults)

    def calls(self, path_part: str) -> list[Recorded]:
        return [r for r in self.requests if path_part in r.path]

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for handler in self._handlers:
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: Any, fault: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                record = Recorded(
                    method, target, headers, _body(raw, headers), at=time.perf_counter()
                )
                self.requests.append(record)
                fault = self.faults.pop(0) if self.faults else None
                if fault == "drop":
                    writer.close()
                    return
                if fault == "timeout":
                    await asyncio.sleep(self.timeout_after)
                status, payload, extra = self._answer(method, target, headers, record.body, fault)
                record.status = status
                data = b"" if payload is None else json.dumps(payload).encode()
                head = [f"HTTP/1.1 {status} X", "Content-Type: application/json;charset=utf-8",
                        f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in extra.items())]  # fmt: skip
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client (or the test's end) closed the connection
        finally:
            writer.close()
            self._handlers.discard(handler)


def _body(raw: bytes, headers: dict[str, str]) -> Any:
    if not raw:
        return None
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode()))
    return json.loads(raw)
