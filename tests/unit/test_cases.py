"""Cases handed to staff: references, idempotence, one open case per request."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import Session, select

from api.models import Case, CaseCreate, CaseKind, CaseStatus
from api.services.cases import new_reference, open_case


def test_references_are_dated_and_easy_to_read_aloud() -> None:
    reference = new_reference(CaseKind.handoff, datetime(2026, 11, 22, tzinfo=UTC))
    assert re.fullmatch(r"RG20261122-[2-9A-HJKMNP-Z]{4}", reference)
    assert new_reference(CaseKind.danger).startswith("JJ")


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
