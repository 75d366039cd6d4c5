"""A conversation belongs to the page that holds its token; typed text is text."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from recording_rasa import RecordingRasa

from api.resident_texts import resident_texts

TOKEN = "web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f11"
OTHER = "kiosk-0b7d8c34-1f2e-4a5b-8c9d-0e1f2a3b4c5d"


def only_conversation(rasa: RecordingRasa) -> str:
    (conversation_id,) = {sender for sender, _, _ in rasa.sent}
    return conversation_id


@pytest.mark.parametrize(
    "sender",
    [
        "wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M",  # another channel's namespace
        "wechat-0123456789abcdef0123456789abcdef",
        "web-victim",  # guessable
        "web-3f6c2a8e-6a8e-1b0c-9d5e-0c7c1d2e4f11",  # a time-based UUID, not random
        "web-3F6C2A8E-6A8E-4B0C-9D5E-0C7C1D2E4F11",
        "..",
    ],
)
def test_only_a_pages_strong_random_token_names_a_conversation(
    api: TestClient, rasa: RecordingRasa, sender: str
) -> None:
    response = api.post("/api/chat", json={"sender": sender, "message": "你好"})
    assert response.status_code == 422 and response.json()["detail"] == resident_texts().invalid_request
    assert rasa.sent == []


def test_rasa_and_staff_see_a_keyed_hash_never_the_pages_token(api: TestClient, rasa: RecordingRasa) -> None:
    replies = api.post("/api/chat", json={"sender": TOKEN, "message": "欠条过期了"}).json()
    conversation_id = only_conversation(rasa)
    assert conversation_id.startswith("web-") and TOKEN[4:] not in conversation_id and len(conversation_id) == 36
    assert replies[0]["recipient_id"] == TOKEN
    api.post("/api/chat", json={"sender": OTHER, "message": "你好"})
    assert rasa.sent[1][0].startswith("kiosk-") and rasa.sent[1][0] != conversation_id


def test_each_message_carries_the_keyed_client_address_for_lookup_limits(api: TestClient, rasa: RecordingRasa) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": "查询进度"})
    metadata = rasa.sent[0][2] or {}
    assert metadata["client"].startswith("c-") and "testclient" not in metadata["client"]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("/restart", "restart"),
        ("／RESTART", "RESTART"),
        ("\u200b/restart", "restart"),
        ("😀 /session_start", "session_start"),
        ('/greet{"area":{"x":1}}', 'greet{"area":{"x":1}}'),
        ("/emergency", "emergency"),
        ('/rate{"rating":"1"}', 'rate{"rating":"1"}'),
        ("/我的身份证号110101199003071234", "我的身份证号110101199003071234"),
        ("// /back", "back"),
    ],
)
def test_typed_commands_reach_rasa_as_words(api: TestClient, rasa: RecordingRasa, typed: str, words: str) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": typed})
    assert rasa.sent[0][1] == words


def test_the_pages_own_buttons_and_buttons_the_assistant_offered_pass_exactly(
    api: TestClient, rasa: RecordingRasa
) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": "/greet"})
    conversation_id = only_conversation(rasa)
    rasa.offer(conversation_id, '/rate{"rating":"3"}', "/affirm")
    for payload in ('/rate{"rating":"3"}', "/affirm", "/request_human"):
        api.post("/api/chat", json={"sender": TOKEN, "message": payload})
    # Offered once is not a licence for variants of it.
    api.post("/api/chat", json={"sender": TOKEN, "message": '/rate{"rating":"1"}'})
    assert [text for _, text, _ in rasa.sent] == [
        "/greet",
        '/rate{"rating":"3"}',
        "/affirm",
        "/request_human",
        'rate{"rating":"1"}',
    ]


def test_rasas_own_intents_never_pass_even_when_offered(api: TestClient, rasa: RecordingRasa) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": "你好"})
    rasa.offer(only_conversation(rasa), "/restart", "/back")
    api.post("/api/chat", json={"sender": TOKEN, "message": "/restart"})
    api.post("/api/chat", json={"sender": TOKEN, "message": "/back"})
    assert [text for _, text, _ in rasa.sent[1:]] == ["restart", "back"]


def test_nothing_but_slashes_is_an_empty_message(api: TestClient, rasa: RecordingRasa) -> None:
    reply = api.post("/api/chat", json={"sender": TOKEN, "message": " ／ / "}).json()
    assert reply == [{"recipient_id": TOKEN, "text": resident_texts().empty_message}] and rasa.sent == []


def test_the_transcript_is_given_only_to_the_tokens_holder_and_never_cached(
    api: TestClient, rasa: RecordingRasa
) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": "我叫王小明"})
    mine = api.get("/api/conversation/messages", headers={"X-Conversation": TOKEN})
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    assert [line["text"] for line in mine.json()] == ["我叫王小明"]
    assert api.get("/api/conversation/messages", headers={"X-Conversation": OTHER}).json() == []
    # The id Rasa and staff see opens nothing; nor does the old path with an id in the URL.
    conversation_id = only_conversation(rasa)
    assert api.get("/api/conversation/messages", headers={"X-Conversation": conversation_id}).status_code == 422
    assert api.get("/api/conversation/messages").status_code == 422
    assert api.get(f"/api/conversations/{conversation_id}/messages").status_code == 404


def test_forgetting_needs_the_token_and_can_be_repeated(api: TestClient, rasa: RecordingRasa) -> None:
    api.post("/api/chat", json={"sender": TOKEN, "message": "你好"})
    for _ in range(2):
        forgotten = api.delete("/api/conversation", headers={"X-Conversation": TOKEN})
        assert forgotten.status_code == 204 and forgotten.headers["cache-control"] == "no-store"
    assert api.delete("/api/conversation", headers={"X-Conversation": only_conversation(rasa)}).status_code == 422


def test_one_conversation_is_held_to_a_persons_pace(api: TestClient, rasa: RecordingRasa) -> None:
    # As at a lobby kiosk behind a proxy: only the conversation's own limit is in play here.
    limiter = api.app.state.limiter  # type: ignore[attr-defined]
    limiter.rules = limiter.rules.model_copy(update={"per_client": ()})
    answers = [api.post("/api/chat", json={"sender": TOKEN, "message": f"第{i}条"}) for i in range(26)]
    refused = [r for r in answers if r.status_code == 429]
    assert refused and len(rasa.sent) == 26 - len(refused) >= 10
    assert "稍等" in refused[0].json()["detail"] and int(refused[0].headers["retry-after"]) >= 1
    # Another resident's conversation is not held back by it.
    assert api.post("/api/chat", json={"sender": OTHER, "message": "你好"}).status_code == 200


def test_forgetting_cannot_be_used_to_flood_the_database(api: TestClient) -> None:
    statuses = [api.delete("/api/conversation", headers={"X-Conversation": TOKEN}).status_code for _ in range(30)]
    assert statuses[:10] == [204] * 10 and statuses[-5:] == [429] * 5


def test_a_turn_that_answers_nothing_is_explained_never_silent(api: TestClient, rasa: RecordingRasa) -> None:
    async def nothing(sender: str, message: str, *, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return []  # what Rasa answers when the action server is down

    rasa.send = nothing  # type: ignore[method-assign]
    response = api.post("/api/chat", json={"sender": TOKEN, "message": "老板欠薪怎么办"})
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": TOKEN, "text": resident_texts().no_reply}]
    assert "12348" in resident_texts().no_reply and "110" in resident_texts().no_reply
