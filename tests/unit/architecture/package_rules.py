"""The packages of ours and the imports each may make: the table in docs/architecture.md, as data."""

from __future__ import annotations

OURS = {"actions", "api", "bot", "casebook", "knowledge", "scripts", "telemetry"}
ALLOWED = {
    "bot": set(),
    "knowledge": set(),
    "casebook": {"knowledge"},
    "telemetry": {"casebook"},
    "actions": {"casebook", "knowledge", "telemetry"},
    "api": {"casebook", "knowledge", "telemetry"},
}
