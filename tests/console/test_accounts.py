"""Staff accounts: own password, admin reset and disable (sessions end), the login throttle in the database."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from bot.gateway.console.service import ConsoleError
from tests.console.console_support import ADMIN, ADMIN_PASSWORD, login

STAFF, STAFF_PASSWORD = "canbo1", "Mot-mat-khau-tot"


def add_staff(admin, csrf):
    created = admin.post(
        "/staff/api/users",
        json={"username": STAFF, "password": STAFF_PASSWORD, "role": "staff"},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text


def other_browser(gateway, username, password) -> TestClient:
    client = TestClient(gateway.app)
    login(client, username, password)
    return client


def audit_actions(admin):
    return [(e["username"], e["action"], e["target"]) for e in admin.get("/staff/api/audit").json()]


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(gateway):
    csrf = login(gateway)
    elsewhere = other_browser(gateway, ADMIN, ADMIN_PASSWORD)
    wrong = gateway.post(
        "/staff/api/password",
        json={"current_password": "sai", "new_password": "Mat-khau-moi-2026"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 403 and wrong.json()["field"] == "current_password"
    weak = gateway.post(
        "/staff/api/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "123"},
        headers={"X-CSRF-Token": csrf},
    )
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    done = gateway.post(
        "/staff/api/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "Mat-khau-moi-2026"},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    assert elsewhere.get("/staff/api/queue").status_code == 401
    assert gateway.get("/staff/api/queue").status_code == 200  # this browser got a fresh session
    assert (
        TestClient(gateway.app)
        .post("/staff/api/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        .status_code
        == 401
    )
    other_browser(gateway, ADMIN, "Mat-khau-moi-2026")
    assert (ADMIN, "change_password", ADMIN) in audit_actions(gateway)


def test_admin_resets_a_password_and_disables_an_account_and_their_sessions_end(gateway):
    csrf = login(gateway)
    add_staff(gateway, csrf)
    staff = other_browser(gateway, STAFF, STAFF_PASSWORD)
    assert (
        staff.post(
            f"/staff/api/users/{ADMIN}/active",
            json={"active": False},
            headers={"X-CSRF-Token": staff.get("/staff/api/me").json()["csrf_token"]},
        ).status_code
        == 403
    )
    reset = gateway.post(
        f"/staff/api/users/{STAFF}/password", json={"password": "Mat-khau-cap-lai-1"}, headers={"X-CSRF-Token": csrf}
    )
    assert reset.status_code == 200, reset.text
    assert staff.get("/staff/api/queue").status_code == 401
    staff = other_browser(gateway, STAFF, "Mat-khau-cap-lai-1")
    disabled = gateway.post(f"/staff/api/users/{STAFF}/active", json={"active": False}, headers={"X-CSRF-Token": csrf})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert staff.get("/staff/api/queue").status_code == 401
    assert (
        TestClient(gateway.app)
        .post("/staff/api/login", json={"username": STAFF, "password": "Mat-khau-cap-lai-1"})
        .status_code
        == 401
    )
    assert (
        gateway.post(
            f"/staff/api/users/{STAFF}/active", json={"active": True}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 200
    )
    other_browser(gateway, STAFF, "Mat-khau-cap-lai-1")
    assert (
        gateway.post(
            f"/staff/api/users/{ADMIN}/active", json={"active": False}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 409
    )
    assert (
        gateway.post(
            "/staff/api/users/nobody/active", json={"active": False}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 404
    )
    actions = audit_actions(gateway)
    for action in ("reset_password", "disable_user", "enable_user"):
        assert (ADMIN, action, STAFF) in actions


def _guess(console, username, address="203.0.113.7"):
    try:
        console.login(username, "doan-sai-mat-khau", address)
        return 200
    except ConsoleError as exc:
        return exc.status


def test_twenty_parallel_guesses_get_at_most_five_tries(gateway):
    console = gateway.app.state.console
    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(lambda _: _guess(console, ADMIN), range(20)))
    elapsed = time.monotonic() - started
    assert sorted(codes) == [401] * 5 + [429] * 15, codes
    print(f"\n20 parallel guesses: {codes.count(401)} checked, {codes.count(429)} refused in {elapsed:.2f} s")
    # The right password is refused too while the account's window lasts.
    try:
        console.login(ADMIN, ADMIN_PASSWORD, "198.51.100.1")
        raise AssertionError("the throttled account logged in")
    except ConsoleError as exc:
        assert exc.status == 429


def test_many_names_from_one_address_are_throttled_and_never_reset(gateway):
    console = gateway.app.state.console
    codes = [_guess(console, f"ten{i}") for i in range(30)]
    assert codes == [401] * 20 + [429] * 10
    # Another address still gets through, and a real login from it succeeds.
    assert console.login(ADMIN, ADMIN_PASSWORD, "198.51.100.2").user.username == ADMIN
