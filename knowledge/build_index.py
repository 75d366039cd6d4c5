"""Build the retriever's index when the knowledge base or the encoder changed.

Usage: python -m knowledge.build_index [INDEX_DIR]   (default: var/index)
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import create_encoder, encoder_name
from knowledge.retrieval.index import is_current, load_or_build
from knowledge.retrieval.retriever import RetrievalConfig

DEFAULT_INDEX_DIR = Path("var/index")


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="[index] %(message)s")
    index_dir = Path(argv[0]) if argv else DEFAULT_INDEX_DIR
    kb = KnowledgeBase.load()
    config = RetrievalConfig.load()
    if is_current(index_dir, kb, encoder_name(config.model)):
        logging.info("index is current (%d entries)", len(kb))
        return 0
    started = time.perf_counter()
    load_or_build(index_dir, kb, create_encoder(config.model, config.trust_remote_code))
    logging.info("index built: %d entries in %.1f s", len(kb), time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
