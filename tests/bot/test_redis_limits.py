"""Rate windows in a real Redis: two gateways share one citizen's allowance, and a gateway restart forgets
nothing; with Redis gone, citizens are still served."""

from __future__ import annotations

from redis.asyncio import from_url

from bot.gateway.limits import RedisWindow


async def test_two_gateways_share_one_window_and_a_restart_keeps_it(redis_url):
    first, second = from_url(redis_url), from_url(redis_url)
    try:
        a = RedisWindow(first, "sender", limit=3, window_s=60)
        b = RedisWindow(second, "sender", limit=3, window_s=60)
        assert [await a.ahit("telegram:42"), await b.ahit("telegram:42"), await a.ahit("telegram:42")] == [True] * 3
        assert not await b.ahit("telegram:42")
        restarted = RedisWindow(from_url(redis_url), "sender", limit=3, window_s=60)
        assert not await restarted.ahit("telegram:42")
        assert await restarted.ahit("telegram:43")  # another citizen has an allowance of their own
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_window_reopens_after_its_time(redis_url):
    client = from_url(redis_url)
    try:
        limiter = RedisWindow(client, "short", limit=1, window_s=0.3)
        assert await limiter.ahit("k")
        assert not await limiter.ahit("k")
        import asyncio

        await asyncio.sleep(0.4)
        assert await limiter.ahit("k")
    finally:
        await client.aclose()


async def test_without_redis_nobody_is_refused():
    client = from_url("redis://127.0.0.1:1/1", socket_connect_timeout=0.2)
    try:
        limiter = RedisWindow(client, "sender", limit=1, window_s=60)
        assert [await limiter.ahit("k") for _ in range(3)] == [True] * 3
    finally:
        await client.aclose()
