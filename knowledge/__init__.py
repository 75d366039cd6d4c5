"""The legal knowledge base: statute texts, curated entries, and the retriever over them.

A plain library: it knows nothing of the web layer or of the dialogue engine.
"""
