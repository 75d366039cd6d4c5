"""Token buckets kept in this process's memory: the embedded default, one API server.

A bucket is one number per key, the "theoretical arrival time" of the generic cell rate
algorithm (GCRA): the moment the bucket would be full again. Taking a token moves it one
interval later; a request is refused while that would put it more than `burst` intervals ahead
of now. The same arithmetic, in whole milliseconds, runs inside Redis (redis_store.py), so both
stores answer a sequence of requests alike.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_ms: int = 0

    @property
    def retry_after(self) -> int:
        """Whole seconds for the Retry-After header: never 0 for a refusal."""
        return max(1, -(-self.retry_after_ms // 1000)) if not self.allowed else 0


class RateStore(Protocol):
    async def take(self, key: str, *, now_ms: int, interval_ms: int, burst: int) -> Decision: ...

    async def aclose(self) -> None: ...


def gcra(tat_ms: int | None, *, now_ms: int, interval_ms: int, burst: int) -> tuple[Decision, int | None]:
    """One request against a bucket: the decision and the bucket's new arrival time (None: unchanged)."""
    new_tat = max(now_ms if tat_ms is None else tat_ms, now_ms) + interval_ms
    allow_at = new_tat - burst * interval_ms
    if allow_at > now_ms:
        return Decision(False, allow_at - now_ms), None
    return Decision(True), new_tat


class MemoryStore:
    """Buckets in a dict; the event loop runs one `take` at a time, so no lock is needed.

    A flood of fresh keys (spoofed conversations, many addresses) cannot grow it without bound:
    past `max_keys` the least recently used bucket goes, and buckets already full again are
    dropped as they come to the front.
    """

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: OrderedDict[str, int] = OrderedDict()
        self._max_keys = max_keys

    async def take(self, key: str, *, now_ms: int, interval_ms: int, burst: int) -> Decision:
        self._forget_full(now_ms)
        decision, new_tat = gcra(self._buckets.get(key), now_ms=now_ms, interval_ms=interval_ms, burst=burst)
        if new_tat is not None:
            self._buckets[key] = new_tat
            self._buckets.move_to_end(key)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return decision

    def _forget_full(self, now_ms: int, at_most: int = 4) -> None:
        for _ in range(at_most):
            oldest = next(iter(self._buckets.items()), None)
            if oldest is None or oldest[1] > now_ms:
                return
            del self._buckets[oldest[0]]

    def __len__(self) -> int:
        return len(self._buckets)

    async def aclose(self) -> None:
        self._buckets.clear()
