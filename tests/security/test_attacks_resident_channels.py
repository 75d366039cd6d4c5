"""Attacks on the web and kiosk channels, as the security review ran them, against the real stack.

C1: a conversation is reachable only with the page's token — not with another channel's id,
not with the id staff see, not through a URL. H1: typed `/intent{…}` is words, so nobody can
restart a conversation under staff's eyes or poison the slots that cases are built from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from api.security.conversation_ids import ConversationIds
from api.services import takeover
from casebook.db import create_db_engine
from casebook.models import Case, CaseKind
from scripts.stack import Stack

pytestmark = pytest.mark.e2e


class Page:
    """A web page holding a conversation token, talking to the API as the browser does."""

    def __init__(self, stack: Stack) -> None:
        self.base = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
        self.token = f"web-{uuid.uuid4()}"
        conversation_id = ConversationIds.from_settings(stack.settings).resident(self.token)
        assert conversation_id is not None
        self.conversation_id = conversation_id

    def say(self, message: str, sender: str | None = None) -> httpx.Response:
        body = {"sender": sender or self.token, "message": message}
        return httpx.post(f"{self.base}/api/chat", json=body, timeout=60)

    def transcript(self, token: str | None = None) -> httpx.Response:
        return httpx.get(
            f"{self.base}/api/conversation/messages", headers={"X-Conversation": token or self.token}, timeout=30
        )


def cases_of(stack: Stack, conversation_id: str) -> list[Case]:
    engine = create_db_engine(stack.settings.database_url_absolute)
    with Session(engine) as session:
        found = list(session.exec(select(Case).where(Case.conversation_id == conversation_id)).all())
    engine.dispose()
    return found


def tracker(rasa_direct: Callable[[Any], Any], conversation_id: str) -> dict[str, Any]:
    """The whole conversation as Rasa keeps it, restarts included."""
    return rasa_direct(lambda rasa: rasa.tracker(conversation_id, include_events="ALL"))  # type: ignore[no-any-return]


def test_nobody_reads_or_writes_a_conversation_without_its_token(stack: Stack) -> None:
    page = Page(stack)
    assert page.say("我叫王小明，电话13800138000，想问离婚的事").status_code == 200
    # The review's PoCs: another channel's namespace, the id staff see, the id in a URL.
    for sender in ("wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", page.conversation_id, "web-victim"):
        assert page.say("/request_human", sender=sender).status_code == 422
        assert page.transcript(sender).status_code == 422
    old_path = f"{page.base}/api/conversations/{page.conversation_id}/messages"
    assert httpx.get(old_path, timeout=30).status_code == 404
    # A stranger's own token shows the stranger's conversation, which is empty.
    assert Page(stack).transcript().json() == []
    mine = page.transcript()
    assert mine.headers["cache-control"] == "no-store"
    assert "王小明" in mine.json()[0]["text"]


def test_typed_restart_neither_ends_a_takeover_nor_hides_the_history_from_staff(
    stack: Stack, rasa_direct: Callable[[Any], Any]
) -> None:
    page = Page(stack)
    page.say("邻居天天吵，我想找人调解")
    rasa_direct(lambda rasa: takeover.start(rasa, None, conversation_id=page.conversation_id, staff_name="李调解员"))
    for attack in ("／RESTART", "/restart", "\u200b/restart", "/session_start"):
        assert page.say(attack).status_code == 200
    events = tracker(rasa_direct, page.conversation_id)
    assert not [e for e in events["events"] if e.get("event") in {"restart", "session_started"}][1:]
    assert events["paused"] is True  # staff still have the conversation
    users = [line["text"] for line in page.transcript().json() if line["sender"] == "user"]
    assert users[0] == "邻居天天吵，我想找人调解"


def test_a_typed_payload_cannot_poison_the_slots_cases_are_built_from(
    stack: Stack, rasa_direct: Callable[[Any], Any]
) -> None:
    page = Page(stack)
    assert page.say('/greet{"area":{"x":1}}').status_code == 200
    handoff = page.say("/request_human").json()
    assert handoff, "转人工 must always get an answer"
    assert [c.kind for c in cases_of(stack, page.conversation_id)] == [CaseKind.handoff]
    area = tracker(rasa_direct, page.conversation_id)["slots"].get("area")
    assert area is None or isinstance(area, str)


def test_clearing_the_conversation_forgets_it_on_the_server_too(
    stack: Stack, rasa_direct: Callable[[Any], Any]
) -> None:
    page = Page(stack)
    page.say("我叫王小明，电话13800138000")
    forgotten = httpx.delete(f"{page.base}/api/conversation", headers={"X-Conversation": page.token}, timeout=30)
    assert forgotten.status_code == 204
    assert page.transcript().json() == []
    assert not [e for e in tracker(rasa_direct, page.conversation_id)["events"] if e.get("event") == "user"]
