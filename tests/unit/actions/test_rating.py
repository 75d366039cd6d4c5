"""One rating per conversation: a script repeating /rate counts once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.rating import ActionRecordRating
from casebook.models import Rating

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]


def rate(turn: Turn, score: Any, sender: str = "web-r") -> Tracker:
    return turn(f'/rate{{"rating":"{score}"}}', "rate", entities=[{"entity": "rating", "value": score}], sender=sender)


def test_a_second_rating_replaces_the_first(turn: Turn, run: Run, real_db: Engine) -> None:
    for score in ("1", "1", "1", "3"):
        messages, _ = run(ActionRecordRating(), rate(turn, score))
        assert messages[0]["response"] == "utter_thanks_for_rating"
    run(ActionRecordRating(), rate(turn, "2", sender="web-other"))
    with Session(real_db) as session:
        ratings = {r.conversation_id: r.score for r in session.exec(select(Rating)).all()}
    assert ratings == {"web-r": 3, "web-other": 2}


@pytest.mark.parametrize("score", [{"x": 1}, ["3"], 7, "3; drop table"])
def test_a_forged_rating_is_not_stored(turn: Turn, run: Run, real_db: Engine, score: Any) -> None:
    messages, _ = run(ActionRecordRating(), rate(turn, score))
    assert messages[0]["response"] == "utter_thanks_for_rating"
    with Session(real_db) as session:
        assert session.exec(select(Rating)).all() == []


@pytest.mark.parametrize(
    ("text", "entities", "score"),
    [
        ('/rate{"rating":"3"}', [{"entity": "rating", "value": "3"}], 3),
        ("不满意", [], 1),
        ("一般吧", [], 2),
        ("非常满意", [], 3),
    ],
)
def test_a_rating_is_stored_for_the_statistics(
    turn: Turn, run: Run, real_db: Engine, text: str, entities: list[dict[str, Any]], score: int
) -> None:
    messages, _ = run(ActionRecordRating(), turn(text, "rate", slots={"route": "mediation"}, entities=entities))
    assert messages[0]["response"] == "utter_thanks_for_rating"
    with Session(real_db) as session:
        rating = session.exec(select(Rating)).one()
    assert (rating.score, rating.route) == (score, "mediation")
