"""The verdict answers only when an entry is likely to answer the point, else asks or defers."""

from __future__ import annotations

import pytest

from knowledge.consultant import Consultant
from knowledge.entries import KnowledgeBase
from knowledge.verdict import FEATURES, Candidate, VerdictModel, load_verdict_model


def model(**changes: object) -> VerdictModel:
    """A verdict whose probability is driven by the first feature alone, for readable cases."""
    n = len(FEATURES)
    data: dict[str, object] = {
        "features": list(FEATURES),
        "mean": [0.0] * n,
        "scale": [1.0] * n,
        "weights": [1.0] + [0.0] * (n - 1),
        "bias": 0.0,
        "answer_at": 0.8,
        "clarify_at": 0.5,
        "clarify_max": 3,
        "fitted_on": "test",
    }
    return VerdictModel.model_validate(data | changes)


def candidate(entry_id: str, logit: float) -> Candidate:
    return Candidate(entry_id, (logit,) + (0.0,) * (len(FEATURES) - 1))


def test_a_likely_answer_is_given_and_the_best_probability_wins_over_retrieval_order() -> None:
    verdict = model().decide([candidate("neighbour", 0.5), candidate("answer", 3.0)])
    assert verdict.kind == "answer"
    assert verdict.entry_ids[0] == "answer"


def test_one_plausible_entry_is_offered_for_confirmation() -> None:
    verdict = model().decide([candidate("maybe", 0.5), candidate("unlikely", -3.0)])
    assert (verdict.kind, verdict.entry_ids) == ("clarify", ["maybe"])


def test_several_plausible_entries_are_offered_as_a_choice_of_at_most_three() -> None:
    verdict = model().decide([candidate(f"e{i}", 0.5 + i / 100) for i in range(5)])
    assert verdict.kind == "clarify"
    assert verdict.entry_ids == ["e4", "e3", "e2"]


def test_nothing_plausible_is_deferred() -> None:
    assert model().decide([candidate("far", -2.0), candidate("farther", -3.0)]).kind == "defer"
    assert model().decide([]).kind == "defer"


def test_a_model_fitted_on_other_features_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="fitted on features"):
        model(features=["dense"])
    with pytest.raises(ValueError, match="clarify_at"):
        model(answer_at=0.4, clarify_at=0.6)
    with pytest.raises(ValueError, match="scale"):
        model(scale=[0.0] * len(FEATURES))


def test_the_shipped_verdict_loads_and_says_what_it_was_fitted_on() -> None:
    shipped = load_verdict_model()
    assert "answer_labels" in shipped.fitted_on
    assert shipped.clarify_at <= shipped.answer_at


def test_each_entry_is_answered_when_asked_in_its_own_words(consultant: Consultant, kb: KnowledgeBase) -> None:
    # A clarification button repeats an entry's first phrasing: it must lead to that entry.
    missed = []
    for entry in kb.entries:
        reply = consultant.consult(entry.questions[0]).reply
        if (reply.kind, reply.entry_id) != ("answer", entry.id):
            missed.append(entry.id)
    assert missed == []
