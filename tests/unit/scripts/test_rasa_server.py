"""The Rasa launcher: the secret reaches Rasa's arguments in memory only, and Rasa stays on loopback."""

from __future__ import annotations

import pytest

from scripts.rasa_server import parse_options, rasa_arguments, settings_from

LAUNCH = ["--model", "models/bot.tar.gz", "--endpoints", "var/endpoints.yml", "--credentials", "bot/credentials.yml"]


def test_rasa_checks_jwts_signed_with_the_secret_and_takes_no_token_a_url_could_carry() -> None:
    arguments = rasa_arguments(parse_options(LAUNCH), "-starts-with-a-dash")
    assert "--jwt-secret=-starts-with-a-dash" in arguments  # one argument, whatever it starts with
    assert "--jwt-method=HS256" in arguments and "--enable-api" in arguments
    assert not any(argument.startswith("--auth-token") for argument in arguments)


def test_the_launchers_own_command_line_has_no_place_for_a_secret() -> None:
    with pytest.raises(SystemExit):
        parse_options([*LAUNCH, "--jwt-secret", "s3cret"])


def test_the_launcher_refuses_to_run_rasa_without_a_secret_or_on_a_public_interface() -> None:
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN"):
        settings_from({}, parse_options(LAUNCH))
    public = parse_options([*LAUNCH, "--interface", "0.0.0.0"])
    with pytest.raises(SystemExit, match=r"0\.0\.0\.0"):
        settings_from({"RASA_AUTH_TOKEN": "s3cret"}, public)
    assert settings_from({"RASA_AUTH_TOKEN": "s3cret", "ALLOW_PUBLIC_DIALOGUE_HOSTS": "true"}, public) == "s3cret"
    assert settings_from({"RASA_AUTH_TOKEN": "s3cret"}, parse_options([*LAUNCH, "--interface", "::1"])) == "s3cret"
