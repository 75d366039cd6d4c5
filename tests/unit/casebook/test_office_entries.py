"""The life of an office entry: drafted, approved by someone other than its writer, withdrawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from casebook_helpers import ROAD_QUESTIONS, road_draft
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casebook import office_entries
from casebook.office_entries import EntryRefused, EntryStatus, OfficeEntry
from knowledge.entries import Entry
from knowledge.statutes import StatuteLibrary

NOW = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
TODAY = date(2026, 12, 6)


def drafted(session: Session, statutes: StatuteLibrary, author: str = "wang.editor") -> OfficeEntry:
    entry = office_entries.draft_entry(session, draft=road_draft(), author=author, library=statutes, now=NOW, gap_id=7)
    session.commit()
    return entry


def test_a_draft_is_stored_with_its_writer_and_gap_and_is_not_live(session: Session, statutes: StatuteLibrary) -> None:
    entry = drafted(session, statutes)
    assert entry.entry_id == f"office-{entry.id}"
    assert (entry.status, entry.author, entry.gap_id) == (EntryStatus.draft, "wang.editor", 7)
    assert entry.questions == ROAD_QUESTIONS and entry.citations[0]["law"] == "土地管理法"
    assert office_entries.live_entries(session) == []


def test_a_draft_needs_four_phrasings_a_readable_answer_and_a_citation() -> None:
    for wrong in (
        {"questions": ROAD_QUESTIONS[:3]},
        {"questions": [*ROAD_QUESTIONS[:3], ROAD_QUESTIONS[0]]},
        {"answer": "找村委会。"},
        {"answer": "长" * 401},
        {"citations": []},
        {"area": "土地纠纷"},  # not an area of the taxonomy
        {"route": "faq"},
    ):
        with pytest.raises(ValidationError):
            road_draft(**wrong)


@pytest.mark.parametrize(
    ("citation", "problem"),
    [
        ({"law": "土地管理法", "article": "第四十八条", "keywords": ["离婚"]}, "条文中找不到"),
        ({"law": "土地管理法", "article": "第九百条", "keywords": ["补偿"]}, "该条不存在"),
        ({"law": "土地法", "article": "第一条", "keywords": ["土地"]}, "法规库里没有"),
        ({"law": "治安管理处罚法", "article": "第一条", "keywords": ["治安"]}, "已被修订"),
    ],
)
def test_a_draft_citing_what_the_library_does_not_say_is_refused_with_the_reason(
    session: Session, statutes: StatuteLibrary, citation: dict[str, object], problem: str
) -> None:
    with pytest.raises(EntryRefused) as refused:
        office_entries.draft_entry(
            session, draft=road_draft(citations=[citation]), author="wang.editor", library=statutes, now=NOW
        )
    assert refused.value.code == "citation_problems"
    assert problem in refused.value.problems[0]


def test_another_person_approves_and_the_review_is_stamped_as_on_shipped_entries(
    session: Session, statutes: StatuteLibrary
) -> None:
    entry = drafted(session, statutes)
    later = NOW + timedelta(hours=2)
    approved = office_entries.approve(
        session, entry=entry, approver="zhang.head", library=statutes, now=later, today=TODAY
    )
    session.commit()
    assert isinstance(approved, Entry) and approved.id == entry.entry_id
    assert (approved.reviewed_by, approved.reviewed_on) == ("zhang.head", TODAY)
    assert approved.relies_on == {"土地管理法": date.fromisoformat(statutes.versions["土地管理法"])}
    assert (entry.status, entry.approver) == (EntryStatus.approved, "zhang.head")
    assert office_entries.live_entries(session) == [approved]


def test_nobody_approves_their_own_draft(session: Session, statutes: StatuteLibrary) -> None:
    entry = drafted(session, statutes, author="zhang.head")
    with pytest.raises(EntryRefused) as refused:
        office_entries.approve(session, entry=entry, approver="zhang.head", library=statutes, now=NOW, today=TODAY)
    assert refused.value.code == "own_draft"
    assert entry.status == EntryStatus.draft and office_entries.live_entries(session) == []


def test_only_the_writer_edits_a_draft_and_only_while_it_is_one(session: Session, statutes: StatuteLibrary) -> None:
    entry = drafted(session, statutes)
    shorter = road_draft(sub_area="村道占地")
    with pytest.raises(EntryRefused, match="entry_not_yours"):
        office_entries.edit_draft(session, entry=entry, draft=shorter, editor="li.other", library=statutes, now=NOW)
    office_entries.edit_draft(session, entry=entry, draft=shorter, editor="wang.editor", library=statutes, now=NOW)
    assert entry.sub_area == "村道占地"
    office_entries.approve(session, entry=entry, approver="zhang.head", library=statutes, now=NOW, today=TODAY)
    with pytest.raises(EntryRefused, match="entry_not_draft"):
        office_entries.edit_draft(
            session, entry=entry, draft=road_draft(), editor="wang.editor", library=statutes, now=NOW
        )
    with pytest.raises(EntryRefused, match="entry_not_draft"):
        office_entries.approve(session, entry=entry, approver="li.other", library=statutes, now=NOW, today=TODAY)


def test_a_draft_edited_after_the_reviewer_read_it_is_not_approved_unread(
    session: Session, statutes: StatuteLibrary
) -> None:
    entry = drafted(session, statutes)
    read = entry.fingerprint
    office_entries.edit_draft(
        session, entry=entry, draft=road_draft(sub_area="村道占地"), editor="wang.editor", library=statutes, now=NOW
    )
    with pytest.raises(EntryRefused, match="entry_changed"):
        office_entries.approve(
            session, entry=entry, approver="zhang.head", library=statutes, now=NOW, today=TODAY, read=read
        )
    office_entries.approve(
        session, entry=entry, approver="zhang.head", library=statutes, now=NOW, today=TODAY, read=entry.fingerprint
    )
    assert entry.status == EntryStatus.approved


def test_of_two_reviewers_approving_at_once_the_second_is_told_it_is_done(
    engine: Engine, statutes: StatuteLibrary
) -> None:
    with Session(engine) as writer:
        entry_id = drafted(writer, statutes).id
    with Session(engine) as first, Session(engine) as second:
        mine, theirs = first.get(OfficeEntry, entry_id), second.get(OfficeEntry, entry_id)
        assert mine is not None and theirs is not None  # both pages show the same draft
        office_entries.approve(first, entry=mine, approver="zhang.head", library=statutes, now=NOW, today=TODAY)
        first.commit()
        with pytest.raises(EntryRefused, match="entry_not_draft"):
            office_entries.approve(second, entry=theirs, approver="li.other", library=statutes, now=NOW, today=TODAY)
    with Session(engine) as reader:
        approved = reader.get(OfficeEntry, entry_id)
        assert approved is not None and approved.approver == "zhang.head"


def test_withdrawing_a_draft_a_colleague_approved_meanwhile_says_it_is_no_longer_a_draft(
    engine: Engine, statutes: StatuteLibrary
) -> None:
    with Session(engine) as writer:
        entry_id = drafted(writer, statutes).id
    with Session(engine) as approving, Session(engine) as withdrawing:
        mine, theirs = approving.get(OfficeEntry, entry_id), withdrawing.get(OfficeEntry, entry_id)
        assert mine is not None and theirs is not None and theirs.status == EntryStatus.draft
        office_entries.approve(approving, entry=mine, approver="zhang.head", library=statutes, now=NOW, today=TODAY)
        approving.commit()
        with pytest.raises(EntryRefused, match="entry_not_draft"):  # not "already withdrawn": it is live
            office_entries.withdraw(withdrawing, entry=theirs, by="li.other", now=NOW)
        assert theirs.status == EntryStatus.approved


def test_a_withdrawn_entry_is_no_longer_live_and_cannot_be_withdrawn_twice(
    session: Session, statutes: StatuteLibrary
) -> None:
    entry = drafted(session, statutes)
    office_entries.approve(session, entry=entry, approver="zhang.head", library=statutes, now=NOW, today=TODAY)
    office_entries.withdraw(session, entry=entry, by="zhang.head", now=NOW + timedelta(days=30))
    session.commit()
    assert (entry.status, entry.withdrawn_by) == (EntryStatus.withdrawn, "zhang.head")
    assert office_entries.live_entries(session) == []
    assert office_entries.counts(session) == {EntryStatus.draft: 0, EntryStatus.approved: 0, EntryStatus.withdrawn: 1}
    with pytest.raises(EntryRefused, match="entry_withdrawn"):
        office_entries.withdraw(session, entry=entry, by="zhang.head", now=NOW)


def test_the_changes_marker_moves_with_every_step(session: Session, statutes: StatuteLibrary) -> None:
    empty = office_entries.changes_marker(session)
    entry = drafted(session, statutes)
    after_draft = office_entries.changes_marker(session)
    office_entries.approve(
        session, entry=entry, approver="zhang.head", library=statutes, now=NOW + timedelta(minutes=1), today=TODAY
    )
    session.commit()
    after_approval = office_entries.changes_marker(session)
    office_entries.withdraw(session, entry=entry, by="zhang.head", now=NOW + timedelta(minutes=2))
    session.commit()
    assert len({empty, after_draft, after_approval, office_entries.changes_marker(session)}) == 4
