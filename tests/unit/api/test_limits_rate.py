"""Rate limits: token buckets per client at the edge, per conversation in the routes."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from api.security.client_address import ClientAddresses
from api.security.limit_rules import LimitRules, Route, Rule, limit_rules
from api.security.limiter import Limiter
from api.security.rate_limit import RateLimit
from api.security.rate_store import MemoryStore

TOO_MANY = limit_rules().messages.too_many
RULE = Rule(name="test", burst=3, per_minute=60)  # 3 at once, then one a second


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


def take(limiter: Limiter, key: str = "k", rule: Rule = RULE) -> bool:
    return asyncio.run(limiter.allow(key, rule)).allowed


def test_a_burst_is_served_then_refused_until_a_token_comes_back() -> None:
    clock = Clock()
    limiter = Limiter(limit_rules(), clock=clock)
    assert [take(limiter) for _ in range(5)] == [True, True, True, False, False]
    refused = asyncio.run(limiter.allow("k", RULE))
    assert not refused.allowed and refused.retry_after_ms == 1000 and refused.retry_after == 1
    clock.now += 1.0
    assert [take(limiter), take(limiter)] == [True, False]


def test_refused_requests_do_not_push_the_wait_further() -> None:
    clock = Clock()
    limiter = Limiter(limit_rules(), clock=clock)
    for _ in range(1000):
        take(limiter)
    clock.now += 1.0
    assert take(limiter)  # a flood that is refused does not lock the client out for longer


def test_keys_and_rules_have_separate_buckets() -> None:
    limiter = Limiter(limit_rules(), clock=Clock())
    other = Rule(name="other", burst=1, per_minute=1)
    assert [take(limiter, "a") for _ in range(3)] == [True] * 3
    assert take(limiter, "b") and take(limiter, "a", other)
    assert not take(limiter, "a")


def test_a_real_resident_is_never_refused() -> None:
    """An hour of the page's 5 s transcript poll, and a message every 6 s, pass every rule on their way."""
    clock = Clock()
    limiter = Limiter(limit_rules(), clock=clock)
    rules = limiter.rules
    transcript, chat = rules.for_request("GET", "/api/conversation/messages"), rules.for_request("POST", "/api/chat")
    assert transcript is not None and chat is not None

    async def an_hour() -> list[bool]:
        answers = []
        for second in range(3600):
            clock.now += 1
            if second % 5 == 0:
                answers.append((await limiter.allow("page", rules.per_conversation.transcript)).allowed)
                answers.append((await limiter.allow("kiosk-address", transcript)).allowed)
            if second % 6 == 0:
                answers.append((await limiter.allow("page", rules.per_conversation.chat)).allowed)
                answers.append((await limiter.allow("kiosk-address", chat)).allowed)
        return answers

    assert all(asyncio.run(an_hour()))


def test_a_disabled_limiter_allows_everything() -> None:
    limiter = Limiter(limit_rules(), enabled=False, clock=Clock())
    assert all(take(limiter) for _ in range(100))


def test_enforce_raises_429_with_retry_after_and_the_chinese_message() -> None:
    limiter = Limiter(limit_rules(), clock=Clock())
    rule = limiter.rules.per_conversation.chat
    for _ in range(rule.burst):
        asyncio.run(limiter.enforce("web-1", rule))
    with pytest.raises(HTTPException) as refused:
        asyncio.run(limiter.enforce("web-1", rule))
    assert refused.value.status_code == 429
    assert refused.value.detail == TOO_MANY
    assert refused.value.headers == {"Retry-After": str(round(60 / rule.per_minute))}


def test_the_memory_store_forgets_the_least_recent_bucket_beyond_its_size() -> None:
    store = MemoryStore(max_keys=100)
    for n in range(1000):
        asyncio.run(store.take(f"fresh-{n}", now_ms=1, interval_ms=60_000, burst=5))
    assert len(store) == 100


# --- the edge middleware ---


def limited_app(limiter: Limiter, calls: list[str], trusted: tuple[str, ...] = ()) -> FastAPI:
    app = FastAPI()

    @app.post("/api/chat")
    async def chat() -> dict[str, str]:
        calls.append("chat")
        return {"ok": "yes"}

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"api": "ok"}

    app.add_middleware(RateLimit, limiter=limiter, addresses=ClientAddresses(trusted), client_key=lambda a: a)
    return app


def test_a_client_past_its_burst_gets_429_in_chinese_and_the_route_never_runs() -> None:
    limiter = Limiter(limit_rules(), clock=Clock())
    burst = limiter.rules.for_request("POST", "/api/chat").burst  # type: ignore[union-attr]
    calls: list[str] = []
    client = TestClient(limited_app(limiter, calls))
    statuses = [client.post("/api/chat").status_code for _ in range(burst + 5)]
    assert statuses == [200] * burst + [429] * 5
    assert len(calls) == burst
    refused = client.post("/api/chat")
    assert refused.json() == {"detail": TOO_MANY}
    assert int(refused.headers["Retry-After"]) >= 1


def test_routes_without_a_rule_are_not_limited() -> None:
    client = TestClient(limited_app(Limiter(limit_rules(), clock=Clock()), []))
    assert {client.get("/api/health").status_code for _ in range(300)} == {200}


def test_residents_behind_a_trusted_proxy_are_limited_apart() -> None:
    limiter = Limiter(limit_rules(), clock=Clock())
    burst = limiter.rules.for_request("POST", "/api/chat").burst  # type: ignore[union-attr]
    client = TestClient(limited_app(limiter, [], trusted=("127.0.0.1",)), client=("127.0.0.1", 40000))
    flood = [client.post("/api/chat", headers={"X-Forwarded-For": "10.0.0.66"}) for _ in range(burst + 1)]
    assert flood[-1].status_code == 429
    assert client.post("/api/chat", headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 200


def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing() -> None:
    limiter = Limiter(limit_rules(), clock=Clock())
    burst = limiter.rules.for_request("POST", "/api/chat").burst  # type: ignore[union-attr]
    client = TestClient(limited_app(limiter, []), client=("203.0.113.9", 40000))
    statuses = [
        client.post("/api/chat", headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"}).status_code
        for n in range(burst + 1)
    ]
    assert statuses[-1] == 429  # a fresh forged address per request did not buy fresh buckets


# --- the rules file ---


def test_the_rules_file_covers_every_resident_endpoint_and_the_sign_in() -> None:
    rules = limit_rules()
    expected = {
        ("POST", "/api/chat"): "client.chat",
        ("POST", "/webhooks/rest/webhook"): "client.chat",
        ("GET", "/api/conversation/messages"): "client.transcript",
        ("POST", "/api/qr"): "client.qr",
        ("POST", "/wechat"): "client.wechat",
        ("GET", "/wechat"): "client.wechat",
        ("POST", "/console/login"): "client.console_login",
    }
    for (method, path), name in expected.items():
        rule = rules.for_request(method, path)
        assert rule is not None and rule.name == name, (method, path)
    assert rules.for_request("GET", "/console/login") is None
    assert rules.detail(rules.for_request("POST", "/console/login")) == rules.messages.too_many_logins  # type: ignore[arg-type]


def test_one_resident_alone_behind_an_address_meets_their_conversations_burst_first() -> None:
    # A kiosk: the address's bucket must not cut a resident the conversation's rule lets through.
    rules = limit_rules()
    chat, transcript = rules.for_request("POST", "/api/chat"), rules.for_request("GET", "/api/conversation/messages")
    assert chat is not None and transcript is not None
    assert chat.burst >= rules.per_conversation.chat.burst
    assert transcript.burst >= rules.per_conversation.transcript.burst
    assert transcript.per_minute >= rules.per_conversation.transcript.per_minute


@pytest.mark.parametrize("spec", ["/api/chat", "FETCH /api/chat", "POST api/chat"])
def test_malformed_routes_are_refused_at_load(spec: str) -> None:
    with pytest.raises(ValueError):
        Route.parse(spec)


def test_a_rule_without_a_burst_is_refused_at_load() -> None:
    data = limit_rules().model_dump(mode="json")
    assert LimitRules.model_validate(data) == limit_rules()
    del data["per_conversation"]["chat"]["burst"]
    with pytest.raises(ValueError):
        LimitRules.model_validate(data)
