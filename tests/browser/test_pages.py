"""The pages' server side, without a browser or a dialogue engine: kiosk page and settings,
the statute page (escaped), and QR codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes.pages import render_article
from casebook.settings import Settings
from knowledge.statutes import StatuteLibrary


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pages.db'}",
        kiosk_idle_seconds=90,
        kiosk_goodbye_seconds=20,
        meeting_url_template="https://meet.example.org/fawu-{room}",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_kiosk_page_and_its_timeouts_are_served(client: TestClient) -> None:
    page = client.get("/kiosk")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text and "/static/kiosk.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/api/kiosk/settings").json() == {"idle_seconds": 90, "goodbye_seconds": 20}


def test_a_cited_article_has_a_readable_page(client: TestClient, statutes: StatuteLibrary) -> None:
    response = client.get("/statutes/view", params={"cite": "民法典第一千零七十七条"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    article = statutes.cite("民法典第一千零七十七条")
    assert article is not None and "撤回离婚登记申请" in article.text
    assert "<h1>第一千零七十七条</h1>" in response.text and '<p class="law">民法典</p>' in response.text
    assert all(f"<p>{line}</p>" in response.text for line in article.text.splitlines())
    assert client.get("/statutes/view", params={"cite": "民法典第1077条"}).status_code == 200


def test_an_article_of_a_revised_text_carries_a_warning_above_it(client: TestClient) -> None:
    page = client.get("/statutes/view", params={"cite": "治安管理处罚法第九条"})
    assert page.status_code == 200
    assert page.text.index('class="superseded"') < page.text.index('<article class="text">')
    assert "已修订" in page.text and "2026年1月1日起施行" in page.text
    current = client.get("/statutes/view", params={"cite": "民法典第一千零七十七条"})
    assert "已修订" not in current.text and 'class="superseded"' not in current.text


def test_the_article_api_says_which_version_and_whether_it_was_revised(client: TestClient) -> None:
    old = client.get("/api/statutes", params={"cite": "婚姻登记条例第五条"}).json()
    assert old["version"] == "2003-08-08" and old["superseded"].startswith("已修订")
    interpretation = client.get("/api/statutes", params={"cite": "民诉法解释第十二条"}).json()
    assert interpretation["version"] == "2022-04-02" and interpretation["superseded"] is None
    assert "原告住所地" in interpretation["text"]


@pytest.mark.parametrize("cite", ["", "民法典第九千条", "不存在的法第一条", "民法典" * 40])
def test_an_unknown_article_is_a_chinese_404_page(client: TestClient, cite: str) -> None:
    response = client.get("/statutes/view", params={"cite": cite})
    assert response.status_code == 404 and "没有找到这条法条" in response.text


def test_statute_text_is_escaped_on_the_page() -> None:
    page = render_article("测试法", "第一条", '<script>alert(1)</script>\n"引号" & <b>粗</b>')
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp; &lt;b&gt;" in page
    assert page.count("<p>&lt;") == 1 and "<p>&quot;引号&quot;" in page


def test_a_receipt_becomes_a_qr_code_in_svg(client: TestClient) -> None:
    receipt = {
        "reference": "LS-AB2C-DE7K",
        "join_url": "https://meet.example.org/fawu-3f9a0c1b7e2d4c6f0a1b2c3d4e5f6a7b",
    }
    response = client.post("/api/qr", json=receipt)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "no-store"
    assert response.text.startswith("<svg") and "<path" in response.text
    alone = client.post("/api/qr", json={"reference": "TJ-AB2C-DE7K"})
    assert alone.status_code == 200 and alone.text.startswith("<svg")


@pytest.mark.parametrize(
    "receipt",
    [
        {"reference": "https://evil.example/司法所补贴申领"},
        {"reference": ""},
        {"reference": "WX-PAY-FINE-TO-13900001111"},
        {"reference": "LS-AB2C-DE7K", "join_url": "https://evil.example/fawu-3f9a0c1b7e2d4c6f0a1b2c3d4e5f6a7b"},
        {"reference": "LS-AB2C-DE7K", "join_url": "https://meet.example.org/fawu-pay-deposit-here"},
        {"reference": "LS-AB2C-DE7K", "join_url": "https://meet.example.org/fawu-x/../../evil"},
        {"reference": "LS" + "A" * 40},
    ],
)
def test_qr_codes_are_drawn_only_for_the_assistants_own_receipts(client: TestClient, receipt: dict[str, str]) -> None:
    assert client.post("/api/qr", json=receipt).status_code == 422
    assert client.get("/api/qr", params={"text": "https://evil.example/"}).status_code == 405
