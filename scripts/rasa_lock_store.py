"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Several Rasa servers share one conversation's lock through Redis, so that two messages of a
conversation are never processed at once (each would save the events it saw, and one set of
events would be lost). Rasa 3.6's own RedisLockStore reads the lock, changes it in Python and
writes it back, three separate commands: two servers issuing a ticket in the same millisecond
both get ticket 1 and both go ahead, and a server cleaning up can delete a ticket another just
issued (that message then fails with a LockError). Here each change is a Redis transaction
(WATCH / MULTI / EXEC, retried on conflict), so tickets are issued and removed one at a time.

The endpoints file names this class (`lock_store: type: scripts.rasa_lock_store.AtomicRedisLockStore`);
it runs inside the Rasa server (bot environment), which imports it.
"""

from __future__ import annotations

import json
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
