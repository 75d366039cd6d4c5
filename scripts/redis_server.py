"""Redis for the cluster: Rasa's conversation locks (db 1) and the API's shared rate limits (db 0).

Nothing in it needs to outlive a restart (a lock lives seconds, a rate bucket a minute), so it
keeps no snapshot and no append-only file. The password is in an owner-only config file, never
on a command line; the processes get it through their environment.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

from redis import Redis
from redis.exceptions import RedisError

from scripts.stack import Service

LIMITS_DB = 0
LOCKS_DB = 1


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise FileNotFoundError("redis-server is not installed: run scripts/setup_services.sh")
    return found


def write_config(directory: Path, *, port: int, password: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                f"requirepass {password}",
                'save ""',
                "appendonly no",
                f"dir {directory}",
                # Locks and buckets are tiny; a bound keeps a runaway from taking the machine.
                "maxmemory 256mb",
                "maxmemory-policy noeviction",  # never drop a lock silently: refuse and be seen
                "",
            ]
        ),
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def url(port: int, password: str, db: int = LIMITS_DB) -> str:
    return f"redis://:{quote(password, safe='')}@127.0.0.1:{port}/{db}"


def answers(port: int, password: str) -> bool:
    try:
        with Redis(port=port, password=password, socket_timeout=1) as client:
            return bool(client.ping())
    except RedisError:
        return False


def redis_service(directory: Path, *, port: int, password: str) -> Service:
    config = write_config(directory, port=port, password=password)
    return Service(
        "redis",
        [redis_binary(), str(config)],
        f"redis://127.0.0.1:{port}",
        probe=lambda: answers(port, password),
    )
