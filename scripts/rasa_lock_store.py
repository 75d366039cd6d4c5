"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Several Rasa servers share one conversation's lock through Redis, so that two messages of a
conversation are never processed at once (each would save the events it saw, and one set of
events would be lost). Rasa 3.6's own RedisLockStore reads the lock, changes it in Python and
writes it back, three separate commands: two servers issuing a ticket in the same millisecond
both get ticket 1 and both go ahead, and a server cleaning up can delete a ticket another just
issued (that message then fails with a LockError). Here each change is a Redis transaction
(WATCH / MULTI / EXEC, retried on conflict), so tickets are issued and removed one at a time.

A server waiting for the lock also keeps its own ticket alive while it waits. Rasa lets a
waiter's ticket lapse like any other: when a server dies holding the lock, the balancer sends the
turn to another server a few milliseconds later, the two tickets lapse in the same check, the
lock is gone, and Rasa fails the turn with a LockError. Only a dead server's ticket should lapse.

The endpoints file names this class (`lock_store: type: scripts.rasa_lock_store.AtomicRedisLockStore`);
it runs inside the Rasa server (bot environment), which imports it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.exceptions import WatchError

Result = TypeVar("Result")


class AtomicRedisLockStore(RedisLockStore):  # type: ignore[misc]
    def __init__(self, endpoint_config: Any) -> None:
        # Rasa builds custom lock stores from the endpoint config alone.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], Result]) -> Result:
        """Apply `change` to the conversation's lock as one transaction; an empty lock is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except WatchError:  # another server changed this lock meanwhile: read it again
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket: int = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as error:  # Rasa expects a LockError, as from its own stores
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Removing the last ticket deletes the lock in the same transaction: nobody's ticket
        # issued in between can be deleted with it.
        self.finish_serving(conversation_id, ticket_number)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        # Rasa's loop (rasa.core.lock_store.LockStore._acquire_lock), with the waiter's own ticket
        # renewed at each check while the others' expire.
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self._change(conversation_id, lambda lock: keep_waiting(lock, ticket))
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")


def keep_waiting(lock: TicketLock, ticket: int) -> None:
    """The waiter's ticket lives another lifetime from now; tickets nobody renews lapse."""
    own = lock._ticket_for_ticket_number(ticket)
    if own is not None:
        own.expires = time.time() + LOCK_LIFETIME
    lock.remove_expired_tickets()
