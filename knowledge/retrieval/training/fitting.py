"""Training the static model: sentence distillation, then fine-tuning on knowledge-base pairs."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.training.config import BuildConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    entry_id: str
    anchor: str
    positive: str


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
