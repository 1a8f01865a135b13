"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generator.

The generator shares the two measured cores with the stack. httpx spent most of a core at 30 turns/s (its
connection pool's bookkeeping grows with the number of open requests), so the run measured the generator as
much as the stack. This client does only what the benchmark needs: POST or GET with a JSON body, one idle-
connection list per host, Content-Length or chunked replies. Idle connections are dropped before the servers'
5 s keep-alive timeout (Sanic's and uvicorn's default) can close them under a request.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit


IDLE_S = 3.0


class HTTPError(Exception):
    pass


class Response:
    def __init__(self, status_code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status_code, self.body, self.headers = status_code, body, headers or {}

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]]] = {}

    async def post(self, url: str, json_body: Any, headers: dict[str, str] | None = None) -> Response:
        return await self.request("POST", url, json.dumps(json_body).encode(), headers)

    async def get(self, url: str, params: dict[str, str] | None = None) -> Response:
        return await self.request("GET", url + ("?" + urlencode(params) if params else ""), b"")

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
        try:
            return await asyncio.wait_for(self._request(method, url, body, headers or {}), self.timeout)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            raise HTTPError(f"{method} {url}: {e!r}") from e

    async def _request(self, method: str, url: str, body: bytes, extra: dict[str, str]) -> Response:
        parts = urlsplit(url)
        key = (parts.hostname or "127.0.0.1", parts.port or 80)
        target = parts.path + ("?" + parts.query if parts.query else "")
        # A GET with a body (even an empty declared one) makes Sanic log "body not consumed".
        framing = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
        framing += "".join(f"{name}: {value}\r\n" for name, value in extra.items())
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {key[0]}:{key[1]}\r\n{framing}Connection: keep-alive\r\n\r\n"
        ).encode()
        idle = self._idle.setdefault(key, [])
        while idle and time.monotonic() - idle[-1][2] > IDLE_S:
            idle.pop()[1].close()
        reader, writer = idle.pop()[:2] if idle else await asyncio.open_connection(*key)
        try:
            writer.write(head + body)
            status, headers = await self._read_head(reader)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                payload = await self._read_chunked(reader)
            else:
                payload = await reader.readexactly(int(headers.get("content-length", "0")))
        except BaseException:
            writer.close()
            raise
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            idle.append((reader, writer, time.monotonic()))
        return Response(status, payload, headers)

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return status, headers

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for _, writer, _ in connections:
                writer.close()
        self._idle.clear()
