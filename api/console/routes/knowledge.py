"""The office's own knowledge entries: written from a knowledge gap, each citation checked against
the statute library as it is typed, approved by a colleague (never the writer), withdrawn when it
no longer holds. Every step is in the audit log; the action server answers from an approved
entry within seconds (actions/office_knowledge.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.console.deps import ConsoleContext, ConsoleDenied, ConsoleDep, PostingDep, Staff, StaffDep, TextsDep
from api.console.entry_form import CitationRow, EntryForm
from api.console.pages import PAGE_HEADERS, console_router, entry_refusal, page_context, redirect, render, zone
from api.deps import StatutesDep
from casebook import audit, office_entries
from casebook.entry_draft import EntryDraft
from casebook.entry_export import entries_yaml, read_back
from casebook.models import KnowledgeGap
from casebook.office_entries import EntryRefused, EntryStatus, OfficeEntry
from knowledge.areas import load_taxonomy
from knowledge.authoring.citations import citation_problems
from knowledge.statutes import StatuteLibrary

router = console_router()


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
    context: ConsoleContext,
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
        **page_context(context),
        form=form,
        action=action,
        gap=gap,
        gap_point=context.staff.role.text(gap.point or gap.question) if gap else "",
        wrong={name: context.texts.knowledge.fields[name] for name in wrong or []},
        error=error,
        areas=load_taxonomy().areas,
        routes={key: context.workflow.routes[key] for key in ("mediation", "legal_aid", "notarization", "lawyer")},
        laws=[law for law in library.laws() if law not in library.superseded],
    )


def _gap(session: Session, staff: Staff, gap_id: int | None) -> KnowledgeGap | None:
    if gap_id is None:
        return None
    gap = session.get(KnowledgeGap, gap_id) if staff.role.knowledge_gaps else None
    if gap is None:
        raise ConsoleDenied(404, "gap_not_found")
    return gap


@router.get("/knowledge")
def entries_page(context: ConsoleDep, status: str = "draft", done: str = "") -> HTMLResponse:
    session, texts = context.session, context.texts
    if not context.staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    if status not in EntryStatus.__members__:
        raise ConsoleDenied(400, "bad_filter")
    return render(
        "knowledge.html",
        **page_context(context),
        entries=office_entries.entries_with(session, EntryStatus(status)),
        status=status,
        counts=office_entries.counts(session),
        statuses=texts.knowledge.statuses,
        notice=texts.knowledge.done.get(done),
    )


@router.get("/knowledge/export")
def export_entries(context: ConsoleDep) -> Response:
    """The live entries as a YAML file for the shared knowledge base (as `make export-knowledge`)."""
    context.staff.require("approve_knowledge")
    session, now = context.session, context.clock()
    local = now.astimezone(zone(context.settings))
    entries = office_entries.live_entries(session)
    text = entries_yaml(entries, on=local.date())
    if read_back(text) != entries:  # what leaves the office must load where it is going
        raise ConsoleDenied(500, "export_failed")
    filename = f"office-entries-{local:%Y%m%d-%H%M}.yml"
    detail = {"entries": len(entries)}
    audit.record(session, action="knowledge_export", at=now, user=context.staff.user, detail=detail)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/knowledge/citation")
def check_citation(
    staff: StaffDep, library: StatutesDep, texts: TextsDep, law: str = "", article: str = "", keywords: str = ""
) -> JSONResponse:
    """The live check of one citation row: the article's text, or why it cannot be cited."""
    if not staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    row = CitationRow(law.strip()[:50], article.strip()[:20], keywords.strip()[:200])
    try:
        citation = row.citation()
    except ValidationError as error:
        article_wrong = any(problem["loc"][0] == "article" for problem in error.errors()) and row.article
        problem = texts.knowledge.check_bad_article if article_wrong else texts.knowledge.check_incomplete
        return JSONResponse({"ok": False, "problems": [problem]}, headers=PAGE_HEADERS)
    problems = citation_problems(citation, library)
    found = library.article(citation.law, citation.article)
    body: dict[str, Any] = {"ok": not problems, "label": citation.label, "problems": problems}
    if found is not None and not problems:
        body["text"] = found.text
    return JSONResponse(body, headers=PAGE_HEADERS)


@router.get("/knowledge/new")
def new_entry_page(context: ConsoleDep, library: StatutesDep, gap: int | None = None) -> HTMLResponse:
    """A blank form, or one for a knowledge gap: the resident's point is its first question."""
    staff = context.staff
    staff.require("edit_knowledge")
    found = _gap(context.session, staff, gap)
    form = EntryForm(questions=staff.role.text(found.point or found.question) if found else "")
    return _form_page(context, library, form, action="/console/knowledge", gap=found)


def _save(
    context: ConsoleContext,
    library: StatuteLibrary,
    form: EntryForm,
    save: Callable[[EntryDraft, datetime], tuple[OfficeEntry, dict[str, object]]],
    *,
    action: str,
    audited: str,
    done: str,
    gap: KnowledgeGap | None = None,
) -> Response:
    """A posted entry form: `save` the draft and audit it as `audited` with the detail it returns,
    or show the form again saying what is wrong, keeping nothing of a refused save."""
    draft = form.draft()
    if not isinstance(draft, EntryDraft):
        return _form_page(context, library, form, action=action, gap=gap, wrong=draft)
    session, now = context.session, context.clock()
    try:
        entry, detail = save(draft, now)
    except EntryRefused as refused:
        session.rollback()
        error = entry_refusal(context.texts, refused)
        return _form_page(context, library, form, action=action, gap=gap, error=error)
    audit.record(session, action=audited, at=now, user=context.staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done={done}")


@router.post("/knowledge")
def create_entry(
    context: PostingDep,
    library: StatutesDep,
    form: TypedEntryDep,
    gap: Annotated[int | None, Form()] = None,
) -> Response:
    staff, session = context.staff, context.session
    staff.require("edit_knowledge")
    found = _gap(session, staff, gap)

    def save(draft: EntryDraft, now: datetime) -> tuple[OfficeEntry, dict[str, object]]:
        author = staff.user.username
        entry = office_entries.draft_entry(session, draft=draft, author=author, library=library, now=now, gap_id=gap)
        return entry, {"entry": entry.entry_id, "area": entry.area, "gap": gap}

    action = "/console/knowledge"
    return _save(context, library, form, save, action=action, audited="knowledge_draft", done="drafted", gap=found)


@router.get("/knowledge/{entry_id}")
def entry_page(entry_id: int, context: ConsoleDep, library: StatutesDep, done: str = "") -> HTMLResponse:
    """The entry as residents will read it, beside the text of each article it cites."""
    staff, texts = context.staff, context.texts
    if not staff.role.works_knowledge:
        raise ConsoleDenied(403, "forbidden")
    entry = _entry(context.session, entry_id)
    citations = entry.draft().citations
    mine = entry.author == staff.user.username
    return render(
        "knowledge_entry.html",
        **page_context(context),
        entry=entry,
        citations=[(c, library.article(c.law, c.article), citation_problems(c, library)) for c in citations],
        statuses=texts.knowledge.statuses,
        routes=context.workflow.routes,
        mine=mine,
        may_edit=mine and entry.status == EntryStatus.draft and staff.role.may("edit_knowledge"),
        may_approve=not mine and entry.status == EntryStatus.draft and staff.role.may("approve_knowledge"),
        may_withdraw=entry.status != EntryStatus.withdrawn and staff.role.may("approve_knowledge"),
        notice=texts.knowledge.done.get(done),
    )


@router.get("/knowledge/{entry_id}/edit")
def edit_entry_page(entry_id: int, context: ConsoleDep, library: StatutesDep) -> HTMLResponse:
    context.staff.require("edit_knowledge")
    entry = _entry(context.session, entry_id)
    if entry.author != context.staff.user.username:
        raise ConsoleDenied(403, "entry_not_yours")
    if entry.status != EntryStatus.draft:
        raise ConsoleDenied(409, "entry_not_draft")
    form = EntryForm.of(entry.draft())
    return _form_page(context, library, form, action=f"/console/knowledge/{entry.id}")


@router.post("/knowledge/{entry_id}")
def edit_entry(entry_id: int, context: PostingDep, library: StatutesDep, form: TypedEntryDep) -> Response:
    staff, session = context.staff, context.session
    staff.require("edit_knowledge")
    entry = _entry(session, entry_id)

    def save(draft: EntryDraft, now: datetime) -> tuple[OfficeEntry, dict[str, object]]:
        editor = staff.user.username
        office_entries.edit_draft(session, entry=entry, draft=draft, editor=editor, library=library, now=now)
        return entry, {"entry": entry.entry_id}

    action = f"/console/knowledge/{entry.id}"
    return _save(context, library, form, save, action=action, audited="knowledge_edit", done="edited")


@router.post("/knowledge/{entry_id}/approve")
def approve_entry(
    entry_id: int,
    context: PostingDep,
    library: StatutesDep,
    read: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Live for residents once committed: the action server picks it up within seconds. A refused
    step (EntryRefused) becomes an error page in ConsoleRoute, with nothing of it kept."""
    staff, session = context.staff, context.session
    staff.require("approve_knowledge")
    entry = _entry(session, entry_id)
    now = context.clock()
    approved = office_entries.approve(
        session,
        entry=entry,
        approver=staff.user.username,
        library=library,
        now=now,
        today=now.astimezone(zone(context.settings)).date(),
        read=read,
    )
    detail = {"entry": approved.id, "author": entry.author, "relies_on": entry.relies_on}
    audit.record(session, action="knowledge_approve", at=now, user=staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=approved")


@router.post("/knowledge/{entry_id}/withdraw")
def withdraw_entry(entry_id: int, context: PostingDep) -> Response:
    staff, session = context.staff, context.session
    staff.require("approve_knowledge")
    entry = _entry(session, entry_id)
    was = entry.status.value
    now = context.clock()
    office_entries.withdraw(session, entry=entry, by=staff.user.username, now=now)
    detail = {"entry": entry.entry_id, "was": was}
    audit.record(session, action="knowledge_withdraw", at=now, user=staff.user, detail=detail, commit=False)
    session.commit()
    return redirect(f"/console/knowledge/{entry.id}?done=withdrawn")
