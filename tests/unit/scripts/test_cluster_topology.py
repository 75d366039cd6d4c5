"""What `make cluster` starts and how its balancer is set up, without starting it: several servers
of each kind, each behind a health-checked HAProxy pool, sharing one lock store and one secret."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from casebook.settings import PROJECT_ROOT, Settings
from scripts.cluster import LOCK_STORE_CLASS, Cluster, ClusterPorts
from scripts.haproxy_config import EXAMPLES, MACHINES_EXAMPLE, render

HAPROXY = shutil.which("haproxy")


def cluster(tmp_path: Path, **options: object) -> Cluster:
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    (models / "LATEST").write_text("bot-x.tar.gz")
    settings = Settings(models_dir=models, database_url="postgresql://app:pw@127.0.0.1:5433/assistant")
    options.setdefault("ports", ClusterPorts.free())
    return Cluster(settings, var_dir=tmp_path, **options)  # type: ignore[arg-type]


def test_two_api_and_action_servers_and_three_rasa_servers_run_behind_the_balancer_on_make_runs_addresses(
    tmp_path: Path,
) -> None:
    running = cluster(tmp_path, ports=ClusterPorts.standard(Settings()))
    names = [service.name for service in running.services]
    for kind in ("actions", "api"):
        assert [name for name in names if name.startswith(kind)] == [f"{kind}-1", f"{kind}-2"]
    # One Rasa server more: with one down, the others still use both cores (scripts/cluster.py).
    assert [name for name in names if name.startswith("rasa")] == ["rasa-1", "rasa-2", "rasa-3"]
    assert {"redis", "haproxy"} <= set(names)
    assert (running.settings.api_port, running.settings.rasa_port, running.settings.action_port) == (8000, 5005, 5055)
    config = (tmp_path / "haproxy.cfg").read_text()
    assert "bind 127.0.0.1:8000" in config and "server api-2 127.0.0.1:8002" in config
    assert "server rasa-3 127.0.0.1:5008" in config and "server actions-2 127.0.0.1:5057" in config


def test_the_first_server_of_each_kind_starts_before_the_others(tmp_path: Path) -> None:
    first, then = cluster(tmp_path).waves()
    assert {s.name for s in first} == {"redis", "haproxy", "actions-1", "rasa-1", "api-1"}
    assert {s.name for s in then} == {"actions-2", "rasa-2", "rasa-3", "api-2"}


def test_rasa_servers_share_a_redis_lock_whose_password_stays_out_of_the_file(tmp_path: Path) -> None:
    running = cluster(tmp_path)
    endpoints = yaml.safe_load((tmp_path / "endpoints.yml").read_text())
    assert endpoints["lock_store"]["type"] == LOCK_STORE_CLASS
    assert endpoints["lock_store"]["port"] == running.ports.redis  # type: ignore[union-attr]
    assert endpoints["lock_store"]["password"] == "${REDIS_PASSWORD}"
    assert running.redis_password not in (tmp_path / "endpoints.yml").read_text()
    assert endpoints["tracker_store"]["dialect"] == "postgresql"


def test_without_the_shared_lock_each_rasa_server_would_lock_only_for_itself(tmp_path: Path) -> None:
    cluster(tmp_path, shared_lock=False)
    assert "lock_store" not in yaml.safe_load((tmp_path / "endpoints.yml").read_text())


def test_every_process_gets_the_shared_secrets_in_its_environment_and_none_on_its_command_line(
    tmp_path: Path,
) -> None:
    running = cluster(tmp_path)
    environment = running.environment()
    secret = running.settings.conversation_secret.get_secret_value()
    assert len(secret) == 64 and environment["CONVERSATION_SECRET"] == secret
    assert environment["REDIS_URL"].startswith("redis://") and running.redis_password in environment["REDIS_URL"]
    assert environment["TRUSTED_PROXIES"] == "127.0.0.1"  # the API believes HAProxy's X-Forwarded-For
    for service in running.services:
        command = " ".join(service.command)
        for value in (secret, running.redis_password, running.settings.rasa_auth_token):
            assert value not in command, service.name
    redis_config = tmp_path / "redis" / "redis.conf"
    assert redis_config.stat().st_mode & 0o777 == 0o600
    actions = [s for s in running.services if s.name.startswith("actions-")]
    assert [s.environment["ACTION_PORT"] for s in actions] == [str(p) for p in running.ports.action_servers]  # type: ignore[union-attr]


def test_every_pool_checks_its_servers_health_and_only_rasa_and_actions_resend_a_request_that_got_no_answer() -> None:
    config = render(MACHINES_EXAMPLE)
    pools = {block.split("\n", 1)[0]: block for block in config.split("\nlisten ")[1:]}
    assert set(pools) == {"api", "rasa", "actions"}
    for name, path in (("api", "/api/health/live"), ("rasa", "/"), ("actions", "/health")):
        assert f"option httpchk GET {path}\n" in pools[name]
        assert "default-server check " in pools[name]
        assert pools[name].count("\n    server ") == 2
    # A request an API process took may already be with Rasa: resending it would answer twice.
    assert "retry-on conn-failure\n" in pools["api"]
    assert "retry-on conn-failure empty-response" in pools["rasa"]
    assert "retry-on conn-failure empty-response" in pools["actions"]
    assert "option redispatch" in config and "option forwardfor" in pools["api"]


DEPLOYED = {
    "machines": PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg",
    "compose": PROJECT_ROOT / "deploy" / "compose" / "haproxy.cfg",
}


def test_the_deployment_examples_are_the_rendered_ones() -> None:
    for name, path in DEPLOYED.items():
        assert path.read_text() == render(EXAMPLES[name]), (
            f"regenerate: python -m scripts.haproxy_config {name} > {path}"
        )


@pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed: run scripts/setup_services.sh")
def test_haproxy_accepts_the_configurations(tmp_path: Path) -> None:
    cluster(tmp_path)
    for config in (tmp_path / "haproxy.cfg", DEPLOYED["machines"]):
        checked = subprocess.run([str(HAPROXY), "-c", "-f", str(config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_api_opened_to_the_network_is_opened_at_the_balancer_and_its_processes_stay_on_loopback(
    tmp_path: Path,
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "LATEST").write_text("bot-x.tar.gz")
    running = Cluster(Settings(models_dir=models, api_host="0.0.0.0"), var_dir=tmp_path, ports=ClusterPorts.free())
    assert f"bind 0.0.0.0:{running.settings.api_port}" in (tmp_path / "haproxy.cfg").read_text()
    for service in running.services:
        if service.name.startswith("api-"):
            assert service.command[service.command.index("--host") + 1] == "127.0.0.1"


class Postgres:
    """A database server that has crashed, until started again."""

    def __init__(self) -> None:
        self.running = False
        self.starts = self.stops = 0

    def start(self, timeout: float = 30.0, preexec_fn: object = None) -> None:
        self.running, self.starts = True, self.starts + 1

    def stop(self, timeout: float = 30.0) -> None:
        self.running, self.stops = False, self.stops + 1


def test_a_crashed_database_server_is_started_again_by_the_supervisor_and_stopped_with_the_cluster(
    tmp_path: Path,
) -> None:
    database = Postgres()
    running = cluster(tmp_path, postgres=database)
    gone = running.crashed()
    assert [service.name for service in gone] == ["postgres"]
    running.restart(gone[0])
    assert database.starts == 1 and running.crashed() == []
    running.stop()
    assert database.stops == 1
