"""Build the retrievers' indexes when the knowledge base, the statutes or the encoder changed.

Entries go to INDEX_DIR, statute articles (for honest deferrals) to INDEX_DIR/articles.

Usage: python -m knowledge.build_index [INDEX_DIR]   (default: var/index)
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.articles import articles_current, load_or_build_article_vectors
from knowledge.retrieval.encoder import create_encoder, encoder_name
from knowledge.retrieval.index import is_current, load_or_build
from knowledge.retrieval.retriever import RetrievalConfig
from knowledge.statutes import StatuteLibrary

DEFAULT_INDEX_DIR = Path("var/index")


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="[index] %(message)s")
    index_dir = Path(argv[0]) if argv else DEFAULT_INDEX_DIR
    kb = KnowledgeBase.load()
    config = RetrievalConfig.load()
    articles = StatuteLibrary.load().current_articles()
    name = encoder_name(config.model)
    if is_current(index_dir, kb, name) and articles_current(index_dir / "articles", articles, name):
        logging.info("index is current (%d entries, %d articles)", len(kb), len(articles))
        return 0
    started = time.perf_counter()
    encoder = create_encoder(config.model, config.trust_remote_code)
    load_or_build(index_dir, kb, encoder)
    load_or_build_article_vectors(index_dir / "articles", articles, encoder)
    logging.info(
        "index built: %d entries, %d articles in %.1f s", len(kb), len(articles), time.perf_counter() - started
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
