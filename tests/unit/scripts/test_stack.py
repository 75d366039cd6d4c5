"""The stack hands secrets to its children through the environment only, and tells Rasa how to
show the action server its token without writing the token down."""

from __future__ import annotations

from pathlib import Path

import yaml

from casebook.settings import Settings
from scripts.stack import Stack


def stack(tmp_path: Path, **settings: object) -> Stack:
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    (models / "LATEST").write_text("bot-x.tar.gz")
    return Stack(Settings(models_dir=models, **settings), var_dir=tmp_path)  # type: ignore[arg-type]


def test_no_secret_is_on_any_command_line_and_every_child_gets_them_in_its_environment(tmp_path: Path) -> None:
    running = stack(tmp_path, rasa_auth_token="-rasa-secret", action_server_token="action-secret")
    for service in running.services:
        command = " ".join(service.command)
        assert "rasa-secret" not in command and "action-secret" not in command, service.name
        assert "token=" not in service.health_url
    environment = running.environment()
    assert environment["RASA_AUTH_TOKEN"] == "-rasa-secret"
    assert environment["ACTION_SERVER_TOKEN"] == "action-secret"
    rasa = next(service for service in running.services if service.name == "rasa")
    assert rasa.command[1:3] == ["-m", "scripts.rasa_server"]
    assert rasa.health_headers()["Authorization"].startswith("Bearer ")


def test_secrets_left_empty_are_made_fresh_for_each_stack(tmp_path: Path) -> None:
    first, second = stack(tmp_path).settings, stack(tmp_path).settings
    assert len(first.rasa_auth_token) == 48 and first.rasa_auth_token != second.rasa_auth_token
    assert len(first.action_server_token.get_secret_value()) == 48


def test_rasa_shows_the_action_server_its_token_from_the_environment_not_from_the_file(tmp_path: Path) -> None:
    running = stack(tmp_path, action_server_token="action-secret")
    endpoints_file = tmp_path / "endpoints.yml"
    written = endpoints_file.read_text()
    assert "action-secret" not in written
    endpoints = yaml.safe_load(written)
    assert endpoints["action_endpoint"]["headers"] == {"X-Action-Token": "${ACTION_SERVER_TOKEN}"}
    assert endpoints_file.stat().st_mode & 0o777 == 0o600
    assert running.settings.action_url.startswith("http://127.0.0.1:")
