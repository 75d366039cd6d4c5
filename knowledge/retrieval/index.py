"""The dense index: document embeddings persisted with a manifest, rebuilt only when stale.

A rebuild encodes only the documents the stored index does not already hold (same encoder, same
text): editing one entry of 1,600 costs its seven documents, not the whole corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import Encoder
from knowledge.retrieval.manifest import read_manifest, write_manifest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    entry_id: str
    text: str
    kind: str  # "question" (a resident's phrasing) or "answer"


def documents_of(kb: KnowledgeBase) -> list[Document]:
    docs: list[Document] = []
    for entry in kb.entries:
        docs.extend(Document(entry.id, question, "question") for question in entry.questions)
        docs.append(Document(entry.id, f"{entry.sub_area}：{entry.answer}", "answer"))
    return docs


def embed(encoder: Encoder, docs: list[Document]) -> np.ndarray:
    """The documents' vectors, in order: questions on the query side, answers on the passage side."""
    questions = [d.text for d in docs if d.kind == "question"]
    answers = [d.text for d in docs if d.kind == "answer"]
    q_vectors = iter(encoder.encode_queries(questions)) if questions else iter(())
    a_vectors = iter(encoder.encode_passages(answers)) if answers else iter(())
    return np.stack([next(q_vectors) if d.kind == "question" else next(a_vectors) for d in docs])


def document_key(doc: Document) -> str:
    return hashlib.sha256(f"{doc.kind}\n{doc.text}".encode()).hexdigest()[:32]


def stored_vectors(directory: Path, encoder_name: str) -> dict[str, np.ndarray]:
    """The vectors of the index on disk by document key, when it was made with this encoder."""
    manifest_path, keys_path = directory / "manifest.json", directory / "documents.json"
    if not (manifest_path.exists() and keys_path.exists() and (directory / "embeddings.npy").exists()):
        return {}
    try:
        manifest = read_manifest(manifest_path) or {}
        keys = json.loads(keys_path.read_text(encoding="utf-8"))
        vectors = np.load(directory / "embeddings.npy", allow_pickle=False)
    except (OSError, ValueError):  # a half-written index is rebuilt, not trusted
        return {}
    if manifest.get("encoder") != encoder_name or len(keys) != len(vectors):
        return {}
    return dict(zip(keys, vectors, strict=True))


def manifest_for(kb: KnowledgeBase, encoder_name: str) -> dict[str, str]:
    return {"encoder": encoder_name, "corpus_sha256": kb.content_hash()}


def load_or_build(directory: Path, kb: KnowledgeBase, encoder: Encoder) -> np.ndarray:
    """Return embeddings for documents_of(kb), from disk when the manifest still matches."""
    manifest_path, vectors_path = directory / "manifest.json", directory / "embeddings.npy"
    if is_current(directory, kb, encoder.name):
        stored: np.ndarray = np.load(vectors_path, allow_pickle=False)
        return stored
    want = manifest_for(kb, encoder.name)
    docs = documents_of(kb)
    keys = [document_key(doc) for doc in docs]
    known = stored_vectors(directory, encoder.name)
    missing = {key: doc for key, doc in zip(keys, docs, strict=True) if key not in known}
    logger.info(
        "building the knowledge index (%d entries) with %s: %d of %d documents to encode",
        len(kb),
        encoder.name,
        len(missing),
        len(docs),
    )
    if missing:
        known.update(zip(missing, embed(encoder, list(missing.values())), strict=True))
    vectors = np.stack([known[key] for key in keys])
    directory.mkdir(parents=True, exist_ok=True)
    manifest_path.unlink(missing_ok=True)  # until all three files agree, the index is not current
    np.save(vectors_path, vectors, allow_pickle=False)
    (directory / "documents.json").write_text(json.dumps(keys), encoding="utf-8")
    write_manifest(manifest_path, {**want, "documents": len(vectors)})
    return vectors


def is_current(directory: Path, kb: KnowledgeBase, encoder_name: str) -> bool:
    return manifest_matches(directory, manifest_for(kb, encoder_name))


def manifest_matches(directory: Path, want: dict[str, str]) -> bool:
    """Whether directory holds embeddings built from what `want` describes (encoder, corpus hash)."""
    manifest_path = directory / "manifest.json"
    if not (directory / "embeddings.npy").exists():
        return False
    have = read_manifest(manifest_path)
    return have is not None and {k: have.get(k) for k in want} == want
