"""Fuzzing every public route of the gateway with hypothesis: hostile requests, and what "survived" means.

The gateway is the real app on a local port, with a fake Rasa, a fake Telegram Bot API (webhook mode) and a
fake Zalo OA API, the console on a temporary database and a temporary copy of the knowledge base (staff
calls may write to it). Used by tests/fuzz/test_gateway_fuzz.py (a few hundred inputs in `make test`) and by
scripts/bench_fuzz.py (10,000 and more).

Survived: no 5xx anywhere (GET /health says 503 by design while the fake stack has no action server), and a
Zalo or Telegram webhook without the right signature or secret is refused (401/403), never processed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.fakes.rasa import fake_rasa
from tests.fakes.servers import ServerThread, eventually, free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.zalo_api import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo

ROOT = Path(__file__).resolve().parents[2]
ADMIN, ADMIN_PASSWORD = "quantri", "Mat-khau-fuzz-2026"
TELEGRAM_SECRET = "fuzz-telegram-secret"

# --- what a hostile client sends ---------------------------------------------------------------------

HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "{{7*7}}${7*7}",
    "'; DROP TABLE turns; --",
    "../../etc/passwd",
    "%00%0d%0a",
    "\u202eTẠM DỪNG\u202c",
    "\ufeff",
    "\x00\x01\x1b[31m",
    "\ud800",
    "\udfff\ud800",
    "A\u0301\u0323" * 50,
    "CCCD 001.203.004.567 sđt 0912345678",
    "000.00.04.H22-250801-0001",
    "𝔵𝔶𝔷 🏗️👷‍♀️ \U000e0001 \U0010ffff",
]
SLASH = [
    '/ask_procedure{"procedure_code":"1.013225"}',
    '/feedback{"value":"bad"}',
    "/restart",
    "/session_start",
    "/action_handoff",
    '/inform{"procedure_code":"../../x"}',
    "/" * 50,
    "/start_guide",
    "/show_menu",
    '/ask_procedure{"procedure_code":' + '"1"' * 100 + "}",
]
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())  # surrogates too
text_any = st.text(ANY_CHAR, max_size=200)
text_hostile = st.one_of(
    text_any,
    st.sampled_from(HOSTILE + SLASH),
    st.tuples(st.sampled_from(HOSTILE + SLASH), text_any).map("".join),
    st.integers(3_000, 5_000).map(lambda n: ("Xây dựng 🏗 " * n)[:n]),  # around the 4,000 limit
    st.integers(60_000, 110_000).map(lambda n: ("giấy phép " * n)[:n]),  # ~100 kB
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | text_any,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text_any, inner, max_size=5),
    max_leaves=12,
)


def _encode(value, ascii_only: bool) -> bytes:
    # ensure_ascii=False writes lone surrogates raw: "surrogatepass" makes them invalid UTF-8 on the wire.
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8", "surrogatepass")


def _bodies(good: st.SearchStrategy[dict]) -> st.SearchStrategy[bytes]:
    well_formed = st.tuples(st.one_of(good, json_value), st.booleans()).map(lambda v: _encode(*v))
    return st.one_of(
        well_formed,
        well_formed,
        well_formed,
        well_formed.flatmap(lambda b: st.integers(0, max(len(b) - 1, 0)).map(lambda n: b[:n])),  # truncated
        st.binary(max_size=2_000),
        st.sampled_from(
            [
                b"",
                b"null",
                b"[]",
                b'"text"',
                b"{",
                b'{"text": "\\ud800"}',
                b"\xff\xfe\x00",
                b'{"a":' * 2_000,
                b"[" * 30_000,
                b'{"sender_id": "a", "text": "x", "text": 1}',
            ]
        ),
    )


def _plausible(shape: dict) -> st.SearchStrategy[bytes]:
    # Well-formed requests carrying hostile text: these reach Rasa, the recorder and the channel's renderer.
    return st.tuples(st.fixed_dictionaries(shape), st.booleans()).map(lambda v: _encode(*v))


def chat_bodies():
    shape = {
        "sender_id": st.one_of(st.uuids().map(str), text_any, st.sampled_from(["a", "x" * 129, " "])),
        "text": text_hostile,
    }
    return st.one_of(
        _plausible(shape), _plausible(shape), _bodies(st.fixed_dictionaries(shape, optional={"extra": json_value}))
    )


def widget_bodies():
    shape = {"text": text_hostile}
    return st.one_of(_plausible(shape), _bodies(st.fixed_dictionaries(shape, optional={"title": text_hostile})))


@dataclass(frozen=True)
class FuzzRequest:
    route: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    forged: bool = False  # a webhook without the right signature/secret: must be refused


def _headers(**kw) -> tuple[tuple[str, str], ...]:
    return tuple((k.replace("_", "-"), v) for k, v in kw.items() if v is not None)


def _zalo_event(text: str | None, name: str, timestamp_ms: int | None) -> bytes:
    # As FakeZalo.event builds them, but any text (lone surrogates included) must survive the encoding.
    message = {"msg_id": f"fuzz-{time.monotonic_ns()}"}
    if text is not None:
        message["text"] = text
    event = {
        "app_id": APP_ID,
        "event_name": name,
        "sender": {"id": "fuzz-user"},
        "recipient": {"id": "oa"},
        "timestamp": str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms),
        "message": message,
    }
    return _encode(event, False)


def _weighted(*branches: st.SearchStrategy) -> st.SearchStrategy:
    """One of the branches, a branch listed twice twice as often (st.one_of flattens and merges them)."""
    return st.sampled_from(branches).flatmap(lambda branch: branch)


def fuzz_requests(stack: "FuzzStack") -> st.SearchStrategy[FuzzRequest]:
    json_type = st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", None])
    widget_session = st.sampled_from([stack.widget_session, stack.widget_session, "forged.token", "", None])
    origin = st.sampled_from([None, stack.url, "https://evil.example", "null"])
    anything = st.text(ANY_CHAR.filter(lambda c: c not in "/?#" and not 0xD800 <= ord(c) <= 0xDFFF), max_size=30)

    def staff(method: str, path: str, body=None, csrf: bool = True):
        return st.builds(
            lambda b, c: FuzzRequest(
                "staff " + path.split("/api/")[-1].split("/")[0],
                method,
                path,
                _headers(
                    Cookie=f"sxd_staff={stack.staff_cookie}",
                    X_CSRF_Token=stack.csrf if c else "x",
                    Content_Type="application/json",
                ),
                b,
            ),
            body if body is not None else st.none(),
            st.booleans() if csrf else st.just(True),
        )

    def zalo(body: bytes, signature: str | None, forged: bool):
        return FuzzRequest(
            "zalo",
            "POST",
            "/zalo/webhook",
            _headers(Content_Type="application/json", X_ZEvent_Signature=signature),
            body,
            forged,
        )

    zalo_events = st.builds(
        lambda text, name, ts: _zalo_event(text, name, ts),
        st.one_of(text_hostile, st.none()),
        st.sampled_from(["user_send_text", "user_send_image", "follow", "x"]),
        st.sampled_from([None, None, None, 0]).flatmap(lambda t: st.just(t) if t is None else st.integers(0, 2**53)),
    )
    telegram_updates = st.one_of(
        st.builds(lambda t: {"update_id": stack.next_update_id(), **stack.telegram.text(424242, t)}, text_hostile),
        json_value,
    )
    chat = st.builds(
        lambda b, t: FuzzRequest("api/chat", "POST", "/api/chat", _headers(Content_Type=t), b), chat_bodies(), json_type
    )
    widget = st.builds(
        lambda b, s, o: FuzzRequest(
            "widget messages",
            "POST",
            "/widget/api/messages",
            _headers(Content_Type="application/json", X_Widget_Session=s, Origin=o),
            b,
        ),
        widget_bodies(),
        widget_session,
        origin,
    )
    return _weighted(
        chat,
        chat,
        chat,
        chat,
        widget,
        widget,
        widget,
        st.builds(
            lambda a, s, o: FuzzRequest(
                "widget poll", "GET", f"/widget/api/poll?after={a}", _headers(X_Widget_Session=s, Origin=o)
            ),
            st.one_of(st.integers(), anything),
            widget_session,
            origin,
        ),
        st.builds(
            lambda s, o: FuzzRequest(
                "widget session", "POST", "/widget/api/session", _headers(X_Widget_Session=s, Origin=o)
            ),
            widget_session,
            origin,
        ),
        # Zalo: forged (no, wrong or replayed-looking signatures) and properly signed events of any content.
        st.builds(
            lambda raw, sig: zalo(raw, sig, True),
            st.one_of(zalo_events, _bodies(st.just({}))),
            st.one_of(st.none(), st.text(max_size=80), st.just("mac=" + "0" * 64)),
        ),
        st.builds(lambda raw: zalo(raw, stack.zalo.signature(raw), False), zalo_events),
        # Telegram: wrong or missing secret, and the right secret with any update.
        st.builds(
            lambda u, s: FuzzRequest(
                "telegram",
                "POST",
                "/telegram/webhook",
                _headers(Content_Type="application/json", X_Telegram_Bot_Api_Secret_Token=s),
                _encode(u, True),
                True,
            ),
            telegram_updates,
            st.one_of(st.none(), st.text(max_size=40).filter(lambda s: s != TELEGRAM_SECRET)),
        ),
        st.builds(
            lambda u: FuzzRequest(
                "telegram",
                "POST",
                "/telegram/webhook",
                _headers(Content_Type="application/json", X_Telegram_Bot_Api_Secret_Token=TELEGRAM_SECRET),
                _encode(u, True),
            ),
            telegram_updates,
        ),
        # Staff console: anonymous, and with a real session (CSRF right or wrong).
        st.builds(
            lambda b: FuzzRequest(
                "staff login", "POST", "/staff/api/login", _headers(Content_Type="application/json"), b
            ),
            _bodies(st.fixed_dictionaries({"username": text_any, "password": text_any})),
        ),
        staff(
            "POST",
            "/staff/api/password",
            _bodies(st.fixed_dictionaries({"current_password": text_any, "new_password": text_any})),
        ),
        st.one_of(
            *[
                staff(
                    "POST",
                    f"/staff/api/queue/{item}/{action}",
                    _bodies(
                        st.fixed_dictionaries(
                            {
                                "procedure": st.sampled_from(["1.013225", "9.999999", "../x"]),
                                "text": text_hostile,
                                "answer": text_hostile,
                                "status": text_any,
                            }
                        )
                    ),
                )
                for item in (1, 2, 999)
                for action in ("link", "faq", "reply", "status")
            ]
        ),
        st.builds(
            lambda name, b: FuzzRequest(
                "staff users",
                "POST",
                f"/staff/api/users/{name}/active",
                _headers(
                    Cookie=f"sxd_staff={stack.staff_cookie}", X_CSRF_Token=stack.csrf, Content_Type="application/json"
                ),
                b,
            ),
            st.sampled_from(["nobody", "canbo-fuzz", "%2e%2e"]),
            _bodies(st.fixed_dictionaries({"active": json_value})),
        ),
        staff(
            "POST",
            "/staff/api/users",
            _bodies(
                st.fixed_dictionaries(
                    {"username": text_any, "password": text_any, "role": st.sampled_from(["staff", "admin", "root"])}
                )
            ),
        ),
        st.builds(
            lambda path, q: FuzzRequest(
                "staff get", "GET", f"{path}{q}", _headers(Cookie=f"sxd_staff={stack.staff_cookie}")
            ),
            st.sampled_from(
                [
                    "/staff/api/queue?status=",
                    "/staff/api/dashboard?days=",
                    "/staff/api/dashboard.csv?days=",
                    "/staff/api/audit?limit=",
                    "/staff/api/queue/",
                    "/staff/api/funnel?days=",
                    "/staff/api/funnel.csv?start=",
                    "/staff/api/funnel?procedure=1.013225&end=",
                ]
            ),
            st.one_of(st.integers(-(2**70), 2**70).map(str), anything),
        ),
        st.builds(
            lambda path: FuzzRequest("static", "GET", path),
            st.one_of(
                st.sampled_from(
                    [
                        "/",
                        "/widget.js",
                        "/widget.css",
                        "/widget/demo",
                        "/staff",
                        "/health",
                        "/openapi.json",
                        "/staff/static/console.js",
                        "/staff/static/..%2f..%2fpyproject.toml",
                        "/staff/static/%2e%2e/console.html",
                    ]
                ),
                anything.map(lambda s: "/" + s),
                anything.map(lambda s: "/r/" + s),
            ),
        ),  # counted links
    )


# --- the stack under fuzz --------------------------------------------------------------------------


class FuzzStack(contextlib.ExitStack):
    """`with FuzzStack() as stack:` the gateway with every channel on, at stack.url."""

    def __enter__(self) -> "FuzzStack":
        super().__enter__()
        from bot.gateway.app import create_app
        from bot.settings import Settings

        work = Path(tempfile.mkdtemp(prefix="sxd-fuzz-"))
        self.callback(shutil.rmtree, work, ignore_errors=True)
        shutil.copytree(ROOT / "knowledge_base" / "data", work / "kb")
        self.rasa = self.enter_context(ServerThread(fake_rasa()))
        self.telegram, self.zalo = FakeTelegram(), FakeZalo()
        self.telegram.url = self.enter_context(ServerThread(self.telegram.app)).url
        self.zalo.url = self.enter_context(ServerThread(self.zalo.app)).url
        port = free_port()
        self.enter_context(
            _environment(
                {
                    "DATABASE_URL": f"sqlite:///{work / 'console.db'}",
                    "KB_DATA_DIR": str(work / "kb"),
                    "STAFF_NLU_FILE": str(work / "staff_examples.yml"),
                    "BOT_ADMIN_USER": ADMIN,
                    "BOT_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "ACTIONS_ADMIN_TOKEN": "",
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": self.telegram.url,
                    "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
                    "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                    "ZALO_APP_ID": APP_ID,
                    "ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
                    "ZALO_APP_SECRET": APP_SECRET,
                    "ZALO_ACCESS_TOKEN": "access-1",
                    "ZALO_REFRESH_TOKEN": "refresh-1",
                    "ZALO_API_URL": self.zalo.url,
                    "ZALO_OAUTH_URL": self.zalo.url,
                    "ZALO_TOKEN_FILE": str(work / "zalo-tokens.json"),
                    "WIDGET_ALLOWED_ORIGINS": "",
                    "WIDGET_SESSION_SECRET": "",
                }
            )
        )
        # The per-address limit would answer 429 before most bodies are read; here every body must be read.
        settings = Settings(
            port=port, rasa_port=self.rasa.port, rasa_token="fake", actions_port=free_port(), api_rate_per_address=10**9
        )
        server = self.enter_context(ServerThread(create_app(settings), port=port))
        self.url, self.app = server.url, server.app
        self.max_body_bytes = settings.max_body_bytes
        eventually(lambda: self.telegram.webhook, timeout=20)
        self.client = self.enter_context(httpx.Client(base_url=self.url, timeout=30))
        self.widget_session = self.client.post("/widget/api/session").json()["session"]
        login = self.client.post("/staff/api/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        self.staff_cookie, self.csrf = login.cookies["sxd_staff"], login.json()["csrf_token"]
        self.client.cookies.clear()
        self._update_ids = iter(range(10**6, 10**9))
        return self

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def send(self, request: FuzzRequest) -> httpx.Response:
        # Header values go out as UTF-8 bytes; control characters cannot be sent at all (HTTP forbids them).
        headers = {
            name: bytes(b for b in value.encode("utf-8", "surrogatepass") if b >= 0x20 and b != 0x7F).strip()
            for name, value in request.headers
        }
        # Any character may be in a path, percent-encoded as a browser would send it.
        path = quote(request.path.encode("utf-8", "surrogatepass"), safe="/?=&%:@!$'()*+,;")
        return self.client.request(request.method, path, headers=headers, content=request.body)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


# --- running a campaign ----------------------------------------------------------------------------


CLOSED_OVERSIZE = 0  # status recorded when an oversize upload was cut off by the server's 413


@dataclass
class Report:
    tried: int = 0
    statuses: Counter = field(default_factory=Counter)  # (route, status) -> count
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        # GET /health answers 503 by design while the fake stack has no action server.
        return sum(n for (route, status), n in self.statuses.items() if status >= 500 and not route.endswith("/health"))

    def summary(self) -> str:
        by_route = Counter()
        for (route, status), n in self.statuses.items():
            by_route[route] += n
        lines = [
            f"{self.tried} inputs in {self.seconds:.1f} s; 5xx: {self.server_errors}; failures: {len(self.failures)}"
        ]
        for route in sorted(by_route):
            codes = ", ".join(f"{status}×{n}" for (r, status), n in sorted(self.statuses.items()) if r == route)
            lines.append(f"  {route:<18} {codes}")
        return "\n".join(lines)


def _problem(request: FuzzRequest, response: httpx.Response) -> str | None:
    if response.status_code >= 500 and request.path != "/health":
        return (
            f"{response.status_code} on {request.method} {request.path}: {response.text[:200]}; "
            f"sent {request.body[:300]!r}"
        )
    if request.forged and 200 <= response.status_code < 300:
        return f"forged {request.route} webhook answered {response.status_code}"
    return None


def campaign(stack: FuzzStack, examples: int, random_seed: int | None = None) -> Report:
    """Send `examples` generated requests; never stops at a failure, so the report counts them all."""
    report = Report()
    started = time.monotonic()

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=("generate",),
    )
    @given(fuzz_requests(stack))
    def one(request: FuzzRequest) -> None:
        try:
            response = stack.send(request)
        except httpx.HTTPError as exc:
            report.tried += 1
            if request.body is not None and len(request.body) > stack.max_body_bytes:
                # The server answered 413 and closed while the client was still sending: a refusal.
                report.statuses[(request.route, CLOSED_OVERSIZE)] += 1
            else:
                report.failures.append(f"{request.route}: no answer ({exc.__class__.__name__}: {exc})")
            return
        report.tried += 1
        route = "static " + request.path if request.route == "static" and request.path == "/health" else request.route
        report.statuses[(route, response.status_code)] += 1
        problem = _problem(request, response)
        if problem:
            report.failures.append(problem)

    if random_seed is not None:
        one = seed(random_seed)(one)
    one()
    report.seconds = time.monotonic() - started
    return report
