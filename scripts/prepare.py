"""Create the database tables and bring the knowledge index up to date (both from settings)."""

from __future__ import annotations

import logging

from casebook.db import create_db_engine, init_db
from casebook.settings import get_settings
from knowledge import build_index


def main() -> int:
    settings = get_settings()
    engine = create_db_engine(settings.database_url_absolute)
    init_db(engine)
    engine.dispose()
    logging.getLogger(__name__).info("database ready")
    return build_index.main([str(settings.index_dir)])


if __name__ == "__main__":
    raise SystemExit(main())
