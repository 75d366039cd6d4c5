"""Writes conversations into a SQLite file with Rasa's own SQLTrackerStore (run in .venv-bot).

    python make_rasa_events.py <db path> '{"<sender>": ["<text>", <epoch seconds>], ...}'

So the privacy tests purge the `events` table exactly as Rasa creates and fills it.
"""

import asyncio
import json
import sys

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


async def main(path: str, conversations: dict[str, list]) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=path)
    for sender, (text, timestamp) in conversations.items():
        events = [UserUttered(text, timestamp=timestamp), BotUttered("好的", timestamp=timestamp + 1)]
        await store.save(DialogueStateTracker.from_events(sender, events))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
