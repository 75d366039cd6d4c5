"""`make cluster` survives its servers' faults: PostgreSQL, Redis, HAProxy, two Rasa servers, two
action servers and two API processes on free ports, with residents talking through HAProxy.

- a Rasa server killed with kill -9 while residents talk: no turn fails and no event is lost;
- two messages of one conversation at two Rasa servers at once: both processed, one after the
  other (the shared lock in Redis), none lost;
- an action server killed: the other one answers, the resident never meets silence.

One cluster serves the module (starting it takes ~1.5 min on two cores); a server a test killed
is started again before the next test.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.rasa_token import bearer_headers
from api.resident_texts import resident_texts
from api.security.conversation_ids import ConversationIds
from scripts.cluster import Cluster
from scripts.pg_server import find_bin_dir
from scripts.scratch_stack import scratch_cluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        find_bin_dir() is None or not shutil.which("haproxy") or not shutil.which("redis-server"),
        reason="PostgreSQL, HAProxy or Redis is not installed: run scripts/setup_services.sh",
    ),
]

OUTAGE_TEXTS = {resident_texts().no_reply, resident_texts().dialogue_unavailable}
# Questions with an answer of their own, none of which starts a form.
QUESTIONS = ["你好", "老板拖欠工资怎么办", "欠条过期了还能要钱吗", "离婚孩子抚养权归谁", "谢谢你"]


@pytest.fixture(scope="module")
def cluster(index_dir: Path) -> Iterator[Cluster]:
    with scratch_cluster(index_dir=index_dir, rate_limits=False) as running:
        yield running


@pytest.fixture
def whole(cluster: Cluster) -> Cluster:
    """The cluster with every server up again (an earlier test may have killed one)."""
    crashed = cluster.crashed()
    for service in crashed:
        cluster.restart(service, timeout=240)
    if crashed:
        time.sleep(5)  # HAProxy's health checks see it back (rise 2, every 2 s)
    return cluster


class Resident:
    def __init__(self, cluster: Cluster):
        self.token = f"web-{uuid.uuid4()}"
        self.conversation = ConversationIds.from_settings(cluster.settings).resident(self.token)
        self.base = f"http://127.0.0.1:{cluster.settings.api_port}"
        self.sent: list[str] = []

    def say(self, text: str) -> tuple[int, list[str]]:
        self.sent.append(text)
        response = httpx.post(f"{self.base}/api/chat", json={"sender": self.token, "message": text}, timeout=60)
        replies = response.json() if response.status_code == 200 else []
        return response.status_code, [reply.get("text") or "" for reply in replies]


def stored_turns(cluster: Cluster, conversation: str) -> list[tuple[str, int]]:
    """What the tracker store holds: each user message with the number of bot messages after it."""
    response = httpx.get(
        f"{cluster.settings.rasa_url}/conversations/{conversation}/tracker",
        params={"include_events": "ALL"},
        headers=bearer_headers(cluster.settings.rasa_auth_token),
        timeout=30,
    )
    response.raise_for_status()
    turns: list[tuple[str, int]] = []
    for event in response.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def test_a_rasa_server_killed_while_residents_talk_costs_no_turn_and_no_event(whole: Cluster) -> None:
    residents = [Resident(whole) for _ in range(6)]
    answered = threading.Semaphore(0)

    def talk(resident: Resident) -> list[tuple[int, list[str]]]:
        results = []
        for text in QUESTIONS:
            results.append(resident.say(text))
            answered.release()
        return results

    with ThreadPoolExecutor(len(residents)) as pool:
        conversations = [pool.submit(talk, resident) for resident in residents]
        for _ in range(8):  # some turns done, many still to come: residents are mid-conversation
            assert answered.acquire(timeout=120)
        victim = whole.named("rasa-1").process
        assert victim is not None
        os.kill(victim.pid, signal.SIGKILL)
        results = [conversation.result(timeout=240) for conversation in conversations]

    for resident, turns in zip(residents, results, strict=True):
        assert all(status == 200 for status, _ in turns), turns
        assert all(replies and not OUTAGE_TEXTS & set(replies) for _, replies in turns), turns
        stored = stored_turns(whole, str(resident.conversation))
        assert [text for text, _ in stored] == resident.sent  # none lost, none twice, in order
        assert all(bot_messages > 0 for _, bot_messages in stored), stored


def test_two_messages_of_one_conversation_at_two_rasa_servers_at_once_are_both_processed_in_turn(
    whole: Cluster,
) -> None:
    servers = [whole.named(name) for name in ("rasa-1", "rasa-2")]
    headers = bearer_headers(whole.settings.rasa_auth_token)

    def send(server_url: str, conversation: str, text: str, start: threading.Barrier) -> list[dict[str, Any]]:
        start.wait(timeout=30)
        response = httpx.post(
            f"{server_url}/webhooks/rest/webhook",
            json={"sender": conversation, "message": text},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    for attempt in range(4):  # a race lost once may be won the next time: several conversations
        conversation = f"web-lock-{uuid.uuid4().hex}"
        pair = ["老板拖欠工资怎么办", "欠条过期了还能要钱吗"]
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            replies = list(
                pool.map(
                    send, [s.health_url.removesuffix("/status") for s in servers], [conversation] * 2, pair, [start] * 2
                )
            )
        assert all(replies), (attempt, replies)
        stored = stored_turns(whole, conversation)
        assert sorted(text for text, _ in stored) == sorted(pair), (attempt, stored)
        assert all(bot_messages > 0 for _, bot_messages in stored), (attempt, stored)


def test_with_an_action_server_killed_the_other_answers_and_nobody_meets_silence(whole: Cluster) -> None:
    victim = whole.named("actions-1").process
    assert victim is not None
    victim.kill()
    victim.wait(timeout=10)
    residents = [Resident(whole) for _ in range(4)]
    for resident in residents:  # at once and right away: before HAProxy's check has seen it go
        status, replies = resident.say("老板拖欠工资怎么办")
        assert status == 200 and replies and not OUTAGE_TEXTS & set(replies), replies
