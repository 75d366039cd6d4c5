"""Cases handed to staff: references, idempotence, one open case per request."""

from __future__ import annotations

import re
from collections import Counter

from sqlmodel import Session, select

from casebook.models import Case, CaseCreate, CaseKind, CaseStatus
from casebook.services.cases import new_reference, open_case


def test_references_are_easy_to_read_aloud_and_too_many_to_guess() -> None:
    reference = new_reference(CaseKind.handoff)
    # Two groups of four from 31 characters (no 0/O, 1/I/L): 31**8 ≈ 8.5e11 per kind, no date.
    assert re.fullmatch(r"RG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", reference)
    assert new_reference(CaseKind.danger).startswith("JJ-")
    drawn = [new_reference(CaseKind.lawyer) for _ in range(2000)]
    assert len(set(drawn)) == 2000
    # Every position is random: no character dominates any place.
    for position in (3, 4, 5, 6, 8, 9, 10, 11):
        assert Counter(r[position] for r in drawn).most_common(1)[0][1] < 200


def test_another_alert_adds_to_the_open_case_instead_of_opening_one(session: Session) -> None:
    data = CaseCreate(kind=CaseKind.danger, conversation_id="c-1")
    first, _ = open_case(session, data=data)
    for _ in range(3):
        again, created = open_case(session, data=data)
        assert not created and again.reference == first.reference
    assert len(session.exec(select(Case)).all()) == 1
    assert session.exec(select(Case)).one().details["repeats"] == 3


def test_asking_twice_gives_the_same_case(session: Session) -> None:
    data = CaseCreate(kind=CaseKind.handoff, conversation_id="c-1", area="劳动纠纷", route="faq")
    first, created = open_case(session, data=data)
    again, created_again = open_case(session, data=data)
    assert created and not created_again
    assert again.reference == first.reference
    assert len(session.exec(select(Case)).all()) == 1


def test_other_conversations_and_kinds_get_their_own_cases(session: Session) -> None:
    a, _ = open_case(session, data=CaseCreate(kind=CaseKind.handoff, conversation_id="c-1"))
    b, _ = open_case(session, data=CaseCreate(kind=CaseKind.handoff, conversation_id="c-2"))
    c, _ = open_case(session, data=CaseCreate(kind=CaseKind.danger, conversation_id="c-1"))
    assert len({a.reference, b.reference, c.reference}) == 3


def test_a_closed_case_does_not_swallow_a_new_request(session: Session) -> None:
    data = CaseCreate(kind=CaseKind.handoff, conversation_id="c-1")
    first, _ = open_case(session, data=data)
    first.status, first.open_key = CaseStatus.closed, None
    session.add(first)
    session.commit()
    second, created = open_case(session, data=data)
    assert created and second.reference != first.reference
