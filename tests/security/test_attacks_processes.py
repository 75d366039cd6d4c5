"""Attacks on the processes behind the API (review L1, M7), against the real stack: what a local
user sees in `ps`, what reaches Rasa or the action server without the secret, what Rasa writes to
its log when a resident types an intent-looking message, and who may read the files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from api.rasa_token import bearer_headers
from casebook.settings import PROJECT_ROOT
from scripts.stack import Stack

pytestmark = pytest.mark.e2e

ID_NUMBER = "110101199003071234"


def secrets_of(stack: Stack) -> list[str]:
    return [stack.settings.rasa_auth_token, stack.settings.action_server_token.get_secret_value()]


def process_group(leader: int) -> list[int]:
    """Every process the stack started for one service (each runs in its own group)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == leader:  # state, ppid, pgrp
            members.append(int(stat.parent.name))
    return members


def test_no_secret_shows_on_any_childs_command_line(stack: Stack) -> None:
    pids = [pid for service in stack.services if service.process for pid in process_group(service.process.pid)]
    assert len(pids) >= 3
    for pid in pids:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in secrets_of(stack):
            assert secret not in command_line, command_line.replace("\0", " ")


def test_the_action_server_refuses_a_tracker_without_the_token_and_never_echoes_one(stack: Stack) -> None:
    s = stack.settings
    webhook = f"http://{s.action_host}:{s.action_port}/webhook"
    token = {"X-Action-Token": s.action_server_token.get_secret_value()}
    forged = {"next_action": "action_submit_lawyer", "tracker": {"sender_id": "web-x", "slots": {"id": ID_NUMBER}}}

    refused = httpx.post(webhook, json=forged, timeout=30)
    assert refused.status_code == 401 and ID_NUMBER not in refused.text
    assert httpx.get(f"http://{s.action_host}:{s.action_port}/actions", timeout=30).status_code == 401

    # With the token, a tracker rasa-sdk cannot read makes the action fail: the answer names the
    # action and nothing else (rasa-sdk's own answer is the whole request, tracker included).
    unreadable = {**forged, "tracker": [f"张三 {ID_NUMBER}"], "domain": {"intents": ["greet"]}}
    failed = httpx.post(webhook, json=unreadable, headers=token, timeout=30)
    assert failed.status_code == 500
    assert failed.json() == {"error": "action failed", "action_name": "action_submit_lawyer"}
    assert ID_NUMBER not in (stack.log_dir / "actions.log").read_text(errors="replace")  # type: ignore[operator]


def test_rasa_opens_neither_its_api_nor_its_channel_without_a_signed_header(stack: Stack) -> None:
    s = stack.settings
    tracker = f"{s.rasa_url}/conversations/web-{'0' * 32}/tracker"
    assert httpx.get(tracker, timeout=30).status_code == 401
    # The secret itself in the URL opens nothing (it did as --auth-token).
    assert httpx.get(tracker, params={"token": s.rasa_auth_token}, timeout=30).status_code == 401
    assert httpx.get(tracker, headers=bearer_headers("a-guessed-secret"), timeout=30).status_code == 401
    assert httpx.get(tracker, headers=bearer_headers(s.rasa_auth_token), timeout=30).status_code == 200

    channel = f"{s.rasa_url}/webhooks/rest/webhook"
    message = {"sender": f"web-{'1' * 32}", "message": "你好"}
    assert httpx.post(channel, json=message, timeout=60).status_code == 401
    assert httpx.post(channel, json=message, headers=bearer_headers(s.rasa_auth_token), timeout=60).status_code == 200


def test_a_typed_intent_with_an_id_number_leaves_no_trace_in_rasas_log(stack: Stack) -> None:
    s = stack.settings
    answer = httpx.post(
        f"{s.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"web-{'2' * 32}", "message": f"/我的身份证号{ID_NUMBER}"},
        headers=bearer_headers(s.rasa_auth_token),
        timeout=60,
    )
    assert answer.status_code == 200
    log = (stack.log_dir / "rasa.log").read_text(errors="replace")  # type: ignore[operator]
    assert "Failed to parse arguments in a message that looks like an intent (text withheld)" in log
    assert ID_NUMBER not in log and "身份证" not in log


def test_the_database_and_the_logs_are_the_owners_alone(stack: Stack) -> None:
    database = Path(stack.settings.database_url_absolute.removeprefix("sqlite:///"))
    files = [database, *database.parent.glob(database.name + "-*"), *stack.log_dir.glob("*.log")]  # type: ignore[union-attr]
    assert len(files) >= 4
    for file in files:
        assert file.stat().st_mode & 0o777 == 0o600, file.name


def test_setup_writes_env_for_the_owner_alone(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / ".env.example", tmp_path / ".env.example")
    subprocess.run(
        ["bash", str(PROJECT_ROOT / "scripts" / "private_files.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),  # a usual login umask: cp alone gave 0644
    )
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
