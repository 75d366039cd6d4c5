"""One scrape: this process's metrics (or, in multiprocess mode, every worker's, summed) plus
collectors read at scrape time, in Prometheus's text format. Shared by the API and the action server."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class _ThisProcess(Collector):
    """The default registry's metrics, passed through."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()


def scrape(*at_scrape_time: Collector) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_VARIABLE):
        # The workers' files, summed; this process's own values are among them.
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    for collector in at_scrape_time:
        registry.register(collector)
    return generate_latest(registry)
