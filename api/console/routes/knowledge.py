"""The office's own knowledge entries: written from a knowledge gap, each citation checked against
the statute library as it is typed, approved by a colleague (never the writer), withdrawn when it
no longer holds. Every step is in the audit log; the action server answers from an approved
entry within seconds (actions/office_knowledge.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.console.deps import ClockDep, ConsoleDenied, PostingStaffDep, Staff, StaffDep, TextsDep, WorkflowDep
from api.console.entry_form import CitationRow, EntryForm
from api.console.pages import PAGE_HEADERS, console_router, message, page_context, redirect, render, zone
from api.console.roles import Permission
from api.console.texts import Texts
from api.deps import SessionDep, SettingsDep, StatutesDep
from casebook import audit, office_entries
from casebook.entry_draft import EntryDraft
from casebook.entry_export import entries_yaml, read_back
from casebook.models import KnowledgeGap
from casebook.office_entries import EntryRefused, EntryStatus, OfficeEntry
from casebook.settings import Settings
from knowledge.areas import load_taxonomy
from knowledge.authoring.citations import citation_problems
from knowledge.statutes import StatuteLibrary

router = console_router()


def _require(staff: Staff, permission: Permission) -> None:
    if not staff.role.may(permission):
        raise ConsoleDenied(403, "action_not_allowed")


def _entry(session: Session, entry_id: int) -> OfficeEntry:
    entry = session.get(OfficeEntry, entry_id)
    if entry is None:
        raise ConsoleDenied(404, "entry_not_found")
    return entry


def typed_entry(
    area: Annotated[str, Form(max_length=32)] = "",
    sub_area: Annotated[str, Form(max_length=100)] = "",
    questions: Annotated[str, Form(max_length=5000)] = "",
    answer: Annotated[str, Form(max_length=2000)] = "",
    route: Annotated[str, Form(max_length=32)] = "",
    law: Annotated[list[str] | None, Form()] = None,
    article: Annotated[list[str] | None, Form()] = None,
    keywords: Annotated[list[str] | None, Form()] = None,
) -> EntryForm:
    """The entry form as posted; its citation rows come as parallel lists of law, article, keywords."""
    laws, articles, words = law or [], article or [], keywords or []
    if not len(laws) == len(articles) == len(words) or len(laws) > 20:
        raise ConsoleDenied(400, "bad_input")
    rows = [
        CitationRow(a[:50].strip(), b[:20].strip(), c[:200].strip())
        for a, b, c in zip(laws, articles, words, strict=True)
    ]
    return EntryForm(area.strip(), sub_area.strip(), questions, answer.strip(), route.strip(), rows)


TypedEntryDep = Annotated[EntryForm, Depends(typed_entry)]


def _form_page(
    staff: Staff,
    settings: Settings,
    workflow: WorkflowDep,
    messages_: Texts,
    library: StatuteLibrary,
    form: EntryForm,
    *,
    action: str,
    gap: KnowledgeGap | None = None,
    wrong: list[str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    return render(
        "knowledge_form.html",
        status_code=400 if (wrong or error) else 200,
        **page_context(staff, settings, workflow),
        form=form,
        action=action,
        gap=gap,
        gap_point=staff.role.text(gap.point or gap.question) if gap else "",
        wrong={name: messages_.knowledge.fields[name] for name in wrong or []},
        error=error,
        areas=load_taxonomy().areas,
        routes={key: workflow.routes[key] for key in ("mediation", "legal_aid", "notarization", "lawyer")},
        laws=[law for law in library.laws() if law not in library.superseded],
    )


def _refused(messages_: Texts, refused: EntryRefused) -> str:
    return message(messages_, refused.code, problems="；".join(refused.problems))


def _gap(session: Session, staff: Staff, gap_id: int | None) -> KnowledgeGap | None:
    if gap_id is None:
        return None
    gap = session.get(KnowledgeGap, gap_id) if staff.role.knowledge_gaps else None
    if gap is None:
        raise ConsoleDenied(404, "gap_not_found")
    return gap


@router.get("/knowledge")
def entries_page(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    status: str = "draft",
    done: str = "",
) -> HTMLResponse:
    if not staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    if status not in EntryStatus.__members__:
        raise ConsoleDenied(400, "bad_filter")
    return render(
        "knowledge.html",
        **page_context(staff, settings, workflow),
        entries=office_entries.entries_with(session, EntryStatus(status)),
        status=status,
        counts=office_entries.counts(session),
        statuses=messages_.knowledge.statuses,
        notice=messages_.knowledge.done.get(done),
    )


@router.get("/knowledge/export")
def export_entries(staff: StaffDep, session: SessionDep, settings: SettingsDep, clock: ClockDep) -> Response:
    """The live entries as a YAML file for the shared knowledge base (as `make export-knowledge`)."""
    _require(staff, "approve_knowledge")
    now = clock()
    entries = office_entries.live_entries(session)
    text = entries_yaml(entries, on=now.astimezone(zone(settings)).date())
    if read_back(text) != entries:  # what leaves the office must load where it is going
        raise ConsoleDenied(500, "export_failed")
    filename = f"office-entries-{now.astimezone(zone(settings)):%Y%m%d-%H%M}.yml"
    audit.record(session, action="knowledge_export", at=now, user=staff.user, detail={"entries": len(entries)})
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/knowledge/citation")
def check_citation(
    staff: StaffDep,
    library: StatutesDep,
    messages_: TextsDep,
    law: str = "",
    article: str = "",
    keywords: str = "",
) -> JSONResponse:
    """The live check of one citation row: the article's text, or why it cannot be cited."""
    if not staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    row = CitationRow(law.strip()[:50], article.strip()[:20], keywords.strip()[:200])
    try:
        citation = row.citation()
    except ValidationError as error:
        article_wrong = any(problem["loc"][0] == "article" for problem in error.errors()) and row.article
        problem = messages_.knowledge.check_bad_article if article_wrong else messages_.knowledge.check_incomplete
        return JSONResponse({"ok": False, "problems": [problem]}, headers=PAGE_HEADERS)
    problems = citation_problems(citation, library)
    found = library.article(citation.law, citation.article)
    body: dict[str, Any] = {"ok": not problems, "label": citation.label, "problems": problems}
    if found is not None and not problems:
        body["text"] = found.text
    return JSONResponse(body, headers=PAGE_HEADERS)


@router.get("/knowledge/new")
def new_entry_page(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    library: StatutesDep,
    gap: int | None = None,
) -> HTMLResponse:
    """A blank form, or one for a knowledge gap: the resident's point is its first question."""
    _require(staff, "edit_knowledge")
    found = _gap(session, staff, gap)
    form = EntryForm(questions=staff.role.text(found.point or found.question) if found else "")
    return _form_page(staff, settings, workflow, messages_, library, form, action="/console/knowledge", gap=found)


@router.post("/knowledge")
def create_entry(
    staff: PostingStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    library: StatutesDep,
    clock: ClockDep,
    form: TypedEntryDep,
    gap: Annotated[int | None, Form()] = None,
) -> Response:
    _require(staff, "edit_knowledge")
    found = _gap(session, staff, gap)
    action = "/console/knowledge"
    draft = form.draft()
    if not isinstance(draft, EntryDraft):
        return _form_page(staff, settings, workflow, messages_, library, form, action=action, gap=found, wrong=draft)
    now = clock()
    try:
        entry = office_entries.draft_entry(
            session, draft=draft, author=staff.user.username, library=library, now=now, gap_id=gap
        )
    except EntryRefused as refused:
        session.rollback()
        error = _refused(messages_, refused)
        return _form_page(staff, settings, workflow, messages_, library, form, action=action, gap=found, error=error)
    detail = {"entry": entry.entry_id, "area": entry.area, "gap": gap}
    audit.record(session, action="knowledge_draft", at=now, user=staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=drafted")


@router.get("/knowledge/{entry_id}")
def entry_page(
    entry_id: int,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    library: StatutesDep,
    done: str = "",
) -> HTMLResponse:
    """The entry as residents will read it, beside the text of each article it cites."""
    if not staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    entry = _entry(session, entry_id)
    citations = entry.draft().citations
    mine = entry.author == staff.user.username
    return render(
        "knowledge_entry.html",
        **page_context(staff, settings, workflow),
        entry=entry,
        citations=[(c, library.article(c.law, c.article), citation_problems(c, library)) for c in citations],
        statuses=messages_.knowledge.statuses,
        routes=workflow.routes,
        mine=mine,
        may_edit=mine and entry.status == EntryStatus.draft and staff.role.may("edit_knowledge"),
        may_approve=not mine and entry.status == EntryStatus.draft and staff.role.may("approve_knowledge"),
        may_withdraw=entry.status != EntryStatus.withdrawn and staff.role.may("approve_knowledge"),
        notice=messages_.knowledge.done.get(done),
    )


@router.get("/knowledge/{entry_id}/edit")
def edit_entry_page(
    entry_id: int,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    library: StatutesDep,
) -> HTMLResponse:
    _require(staff, "edit_knowledge")
    entry = _entry(session, entry_id)
    if entry.author != staff.user.username:
        raise ConsoleDenied(403, "entry_not_yours")
    if entry.status != EntryStatus.draft:
        raise ConsoleDenied(409, "entry_not_draft")
    form = EntryForm.of(entry.draft())
    return _form_page(staff, settings, workflow, messages_, library, form, action=f"/console/knowledge/{entry.id}")


@router.post("/knowledge/{entry_id}")
def edit_entry(
    entry_id: int,
    staff: PostingStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    library: StatutesDep,
    clock: ClockDep,
    form: TypedEntryDep,
) -> Response:
    _require(staff, "edit_knowledge")
    entry = _entry(session, entry_id)
    action = f"/console/knowledge/{entry.id}"
    draft = form.draft()
    if not isinstance(draft, EntryDraft):
        return _form_page(staff, settings, workflow, messages_, library, form, action=action, wrong=draft)
    now = clock()
    try:
        office_entries.edit_draft(
            session, entry=entry, draft=draft, editor=staff.user.username, library=library, now=now
        )
    except EntryRefused as refused:
        session.rollback()
        error = _refused(messages_, refused)
        return _form_page(staff, settings, workflow, messages_, library, form, action=action, error=error)
    audit.record(
        session, action="knowledge_edit", at=now, user=staff.user, detail={"entry": entry.entry_id}, commit=False
    )
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=edited")


def _step_refused(messages_: Texts, refused: EntryRefused) -> HTMLResponse:
    status_code = {"own_draft": 403, "entry_not_draft": 409, "entry_changed": 409, "entry_withdrawn": 409}.get(
        refused.code, 400
    )
    return render("error.html", status_code=status_code, error=_refused(messages_, refused), code=refused.code)


@router.post("/knowledge/{entry_id}/approve")
def approve_entry(
    entry_id: int,
    staff: PostingStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    messages_: TextsDep,
    library: StatutesDep,
    clock: ClockDep,
    read: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Live for residents once committed: the action server picks it up within seconds."""
    _require(staff, "approve_knowledge")
    entry = _entry(session, entry_id)
    now = clock()
    try:
        approved = office_entries.approve(
            session,
            entry=entry,
            approver=staff.user.username,
            library=library,
            now=now,
            today=now.astimezone(zone(settings)).date(),
            read=read,
        )
    except EntryRefused as refused:
        session.rollback()
        return _step_refused(messages_, refused)
    detail = {"entry": approved.id, "author": entry.author, "relies_on": entry.relies_on}
    audit.record(session, action="knowledge_approve", at=now, user=staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=approved")


@router.post("/knowledge/{entry_id}/withdraw")
def withdraw_entry(
    entry_id: int, staff: PostingStaffDep, session: SessionDep, messages_: TextsDep, clock: ClockDep
) -> Response:
    _require(staff, "approve_knowledge")
    entry = _entry(session, entry_id)
    was = entry.status.value
    now = clock()
    try:
        office_entries.withdraw(session, entry=entry, by=staff.user.username, now=now)
    except EntryRefused as refused:
        session.rollback()
        return _step_refused(messages_, refused)
    detail = {"entry": entry.entry_id, "was": was}
    audit.record(session, action="knowledge_withdraw", at=now, user=staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=withdrawn")
