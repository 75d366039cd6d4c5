"""Hybrid FAQ retrieval over the knowledge base: dense embeddings fused with BM25 by rank."""
