"""Every response says how a browser may use it: no framing, no sniffing, only our own resources."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/", "/kiosk", "/static/chat.js", "/api/health", "/statutes/view?cite=民法典第一条"])
def test_pages_and_api_answers_carry_the_security_headers(api: TestClient, path: str) -> None:
    headers = api.get(path).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["strict-transport-security"].startswith("max-age=")


def test_a_route_with_its_own_policy_keeps_it(api: TestClient) -> None:
    login = api.get("/console/login")
    assert login.headers.get_list("content-security-policy") == [login.headers["content-security-policy"]]
