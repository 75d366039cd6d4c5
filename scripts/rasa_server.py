"""Rasa's server, started with its secret taken from the environment (review L1, M7).

    RASA_AUTH_TOKEN=… python -m scripts.rasa_server --model M --endpoints E --credentials C \
        --interface 127.0.0.1 --port 5005

scripts/stack.py runs this in the bot environment. The secret joins Rasa's arguments here, in
memory, and Rasa's CLI runs in this process: `ps` and /proc/<pid>/cmdline show only the line
above. Rasa checks it as a JWT secret, so callers send a signed bearer token in a header
(api/rasa_token.py) and nothing secret travels in a URL. The REST channel, which Rasa leaves
open, takes the same token, and a log filter keeps residents' words out of Rasa's log.

Standard library at import: Rasa is imported by `main` only (it takes seconds).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from scripts import rasa_log_privacy, rasa_speed, rasa_tracker_store, rasa_turns

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "RASA_AUTH_TOKEN"
# Rasa and the action server trust whoever reaches them with the secret; on another interface
# that is anyone on the network. Set to true only behind a firewall that says otherwise.
ALLOW_PUBLIC_VARIABLE = "ALLOW_PUBLIC_DIALOGUE_HOSTS"
# Paths of Rasa's input channels (rasa.core.run.configure_app, route="/webhooks/").
CHANNEL_PREFIX = "/webhooks/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: may resolve anywhere
        return False


def parse_options(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.rasa_server", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", required=True)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    return parser.parse_args(argv)


def rasa_arguments(options: argparse.Namespace, secret: str) -> list[str]:
    """`rasa run`'s arguments: the HTTP API on, guarded by JWTs signed with `secret` only."""
    return [
        "rasa",
        "run",
        "--model",
        options.model,
        "--endpoints",
        options.endpoints,
        "--credentials",
        options.credentials,
        "--interface",
        options.interface,
        "--port",
        str(options.port),
        "--enable-api",
        # No --auth-token: Rasa would then also accept the secret itself as ?token= in URLs.
        f"--jwt-secret={secret}",  # one argument, whatever the secret starts with
        "--jwt-method=HS256",
    ]


def settings_from(environ: dict[str, str], options: argparse.Namespace) -> str:
    """The JWT secret, once the environment and options are safe to run with."""
    secret = environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise SystemExit(f"{SECRET_VARIABLE} is not set: Rasa's HTTP API would be open to anyone who reaches it")
    if not is_loopback(options.interface) and environ.get(ALLOW_PUBLIC_VARIABLE, "").lower() != "true":
        raise SystemExit(
            f"Rasa would listen on {options.interface}: only the API talks to Rasa, keep it on 127.0.0.1 "
            f"(or set {ALLOW_PUBLIC_VARIABLE}=true behind a firewall)"
        )
    return secret


async def _admins_only_on_channels(request: Any) -> Any:
    """Sanic request middleware: a channel webhook needs the same admin JWT as the HTTP API."""
    if not request.path.startswith(CHANNEL_PREFIX):
        return None
    from rasa.utils.common import call_potential_coroutine
    from sanic import response

    auth = request.app.ctx.auth
    if await call_potential_coroutine(auth.is_authenticated(request)):
        payload = await call_potential_coroutine(auth.extract_payload(request))
        if (payload.get("user") or {}).get("role") == "admin":
            return None
    return response.json({"error": "NotAuthenticated"}, status=401)


def guard_channels() -> None:
    """Make every app Rasa builds check the token on its channels too."""
    import rasa.core.run

    configure: Callable[..., Any] = rasa.core.run.configure_app

    def configure_guarded(*args: Any, **kwargs: Any) -> Any:
        app = configure(*args, **kwargs)
        app.register_middleware(_admins_only_on_channels, "request")
        return app

    rasa.core.run.configure_app = configure_guarded  # serve_application looks it up at call time


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(sys.argv[1:] if argv is None else argv)
    secret = settings_from(dict(os.environ), options)
    rasa_speed.one_thread_per_pool(os.environ)  # before any native library loads
    rasa_log_privacy.install()
    if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
        logger.warning("Rasa's DEBUG log quotes every message: running at INFO")
        os.environ["LOG_LEVEL"] = "INFO"
    guard_channels()
    rasa_speed.install()
    rasa_tracker_store.install()  # a database outage fails the turn instead of forgetting it
    rasa_turns.install()  # a turn a balancer sends twice is processed once
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_arguments(options, secret)  # in memory only: /proc/<pid>/cmdline is unchanged
    rasa_main()


if __name__ == "__main__":
    main()
