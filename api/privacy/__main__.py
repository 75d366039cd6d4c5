"""`python -m api.privacy purge [--dry-run]`: apply the retention settings; prints counts only.

Run it daily (cron or a systemd timer, docs/privacy.md). `forget <conversation id>` forgets one
conversation, for a resident who asks at the counter or by phone.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from api.privacy.forget import forget_conversation
from api.privacy.retention import purge
from casebook.db import create_db_engine, init_db
from casebook.settings import get_settings

logger = logging.getLogger("api.privacy")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.privacy", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    purge_command = commands.add_parser("purge", help="delete and anonymise what is past its retention period")
    purge_command.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    forget_command = commands.add_parser("forget", help="forget one conversation (its cases are anonymised)")
    forget_command.add_argument("conversation_id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)

    settings = get_settings()
    engine = create_db_engine(settings.database_url_absolute)
    init_db(engine)
    try:
        if args.command == "purge":
            result = purge(
                engine,
                retention_days=settings.retention_days,
                closed_case_retention_days=settings.closed_case_retention_days,
                dry_run=args.dry_run,
            )
            logger.info(
                "%s: %d conversations (%s), %d knowledge-gap questions, %d closed cases anonymised",
                "would purge" if args.dry_run else "purged",
                result.conversations,
                ", ".join(f"{table} {count}" for table, count in sorted(result.rows.items())) or "no rows",
                result.knowledge_gaps,
                result.cases_anonymised,
            )
        else:
            forgotten = forget_conversation(engine, args.conversation_id)
            logger.info("deleted %s; %d cases anonymised", forgotten.rows or "no rows", forgotten.cases_anonymised)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
