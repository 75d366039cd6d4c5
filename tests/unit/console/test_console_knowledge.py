"""Writing and approving the office's own knowledge entries in the console: from a gap to a draft,
the live citation check, approval by a colleague only, withdrawal, CSRF, and the audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from console_helpers import add_user, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from casebook import office_entries
from casebook.console_tables import AuditEntry
from casebook.entry_export import read_back
from casebook.office_entries import EntryStatus, OfficeEntry
from casebook.services.gaps import record_knowledge_gap

QUESTIONS = [
    "村里修路占了我家的自留地，补偿该找谁要",
    "村委会修村道占用我家承包地，一直没给钱怎么办",
    "集体修路占了农户的地给不给补偿",
    "修路把我家地占了不给补偿找哪个部门",
]
ANSWER = (
    "村里修路占用村民的自留地、承包地，应当给予补偿：经过依法征收的，应当及时足额支付土地补偿费、"
    "安置补助费以及地上附着物和青苗的补偿费用。先找村民委员会和乡镇人民政府问清批准文件和补偿方案；"
    "协商不成，可以申请人民调解，也可以依法申请行政复议或者提起诉讼。"
)


def entry_form(token: str, **changes: Any) -> dict[str, Any]:
    """The form as the page posts it: four citation rows, the unused ones empty."""
    form: dict[str, Any] = {
        "csrf_token": token,
        "area": "拆迁安置",
        "sub_area": "修路占地补偿",
        "questions": "\n".join(QUESTIONS),
        "answer": ANSWER,
        "route": "mediation",
        "law": ["土地管理法", "", "", ""],
        "article": ["第48条", "", "", ""],
        "keywords": ["补偿、青苗", "", "", ""],
    }
    return {**form, **changes}


def audited(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def stored(engine: Engine) -> list[OfficeEntry]:
    with Session(engine) as db:
        return list(db.exec(select(OfficeEntry)).all())


def draft_as(client: TestClient, engine: Engine, username: str, role: str = "knowledge_editor") -> int:
    add_user(engine, username, role)
    token = signed_in(client, username)
    response = post(client, "/console/knowledge", entry_form(token))
    assert response.status_code == 303, response.text[-500:]
    found = re.fullmatch(r"/console/knowledge/(\d+)\?done=drafted", response.headers["location"])
    assert found
    client.cookies.clear()
    return int(found.group(1))


def a_colleague_s_draft_before_a_reviewer(client: TestClient, engine: Engine) -> tuple[int, str]:
    """wang.editor's draft, and chen.reviewer signed in (their form token)."""
    entry_id = draft_as(client, engine, "wang.editor")
    add_user(engine, "chen.reviewer", "knowledge_reviewer")
    return entry_id, signed_in(client, "chen.reviewer")


def test_an_editor_writes_a_gap_up_as_a_draft_from_the_gaps_page(client: TestClient, engine: Engine) -> None:
    with Session(engine) as db:
        gap = record_knowledge_gap(
            db,
            conversation_id="web-1",
            question="我电话13800138000，村里修路占了我家自留地，补偿找谁要",
            point="村里修路占了我家自留地，补偿找谁要",
            best_entry_id=None,
            best_score=None,
        )
    add_user(engine, "wang.editor", "knowledge_editor")
    token = signed_in(client, "wang.editor")
    assert f'href="/console/knowledge/new?gap={gap.id}"' in client.get("/console/gaps").text
    form = client.get("/console/knowledge/new", params={"gap": gap.id})
    assert form.status_code == 200
    assert ">村里修路占了我家自留地，补偿找谁要</textarea>" in form.text  # the point is the first question
    assert 'src="/static/console-knowledge.js"' in form.text

    response = post(client, "/console/knowledge", entry_form(token, gap=str(gap.id)))
    assert response.status_code == 303
    (entry,) = stored(engine)
    assert (entry.status, entry.author, entry.gap_id) == (EntryStatus.draft, "wang.editor", gap.id)
    assert entry.citations == [{"law": "土地管理法", "article": "第四十八条", "keywords": ["补偿", "青苗"]}]
    (row,) = audited(engine, "knowledge_draft")
    assert (row.actor, row.detail["entry"], row.detail["gap"]) == ("wang.editor", entry.entry_id, gap.id)
    page = client.get(response.headers["location"]).text
    assert "草稿已保存" in page and "需要另一位同事审核" in page and 'id="approve-form"' not in page
    gaps = client.get("/console/gaps").text  # a colleague sees it is being written up
    assert f'href="/console/knowledge/new?gap={gap.id}"' not in gaps
    assert f'href="/console/knowledge/{entry.id}">已写成条目（待审核）' in gaps


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"questions": "\n".join(QUESTIONS[:3])}, "questions"),
        ({"answer": "找村委会。"}, "answer"),
        ({"area": "土地纠纷"}, "area"),
        ({"law": ["", "", "", ""], "article": ["", "", "", ""], "keywords": ["", "", "", ""]}, "citations"),
        ({"article": ["四十八", "", "", ""]}, "citations"),
    ],
)
def test_a_form_that_is_not_yet_an_entry_comes_back_with_the_reason_in_chinese(
    client: TestClient, engine: Engine, changes: dict[str, Any], field: str
) -> None:
    add_user(engine, "wang.editor", "knowledge_editor")
    token = signed_in(client, "wang.editor")
    response = post(client, "/console/knowledge", entry_form(token, **changes))
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.text
    assert "修路占地补偿" in response.text  # what was typed is kept
    assert stored(engine) == [] and audited(engine, "knowledge_draft") == []


def test_a_citation_the_library_does_not_bear_out_is_refused_with_the_library_s_reason(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine, "wang.editor", "knowledge_editor")
    token = signed_in(client, "wang.editor")
    response = post(client, "/console/knowledge", entry_form(token, keywords=["离婚", "", "", ""]))
    assert response.status_code == 400
    assert "引用的条文有问题" in response.text and "条文中找不到" in response.text
    assert stored(engine) == []


def test_a_draft_post_without_the_session_s_csrf_token_is_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine, "wang.editor", "knowledge_editor")
    signed_in(client, "wang.editor")
    response = post(client, "/console/knowledge", entry_form("forged"))
    assert response.status_code == 403 and 'data-code="csrf_failed"' in response.text
    assert stored(engine) == []


@pytest.mark.parametrize(
    ("query", "ok", "says"),
    [
        ({"law": "土地管理法", "article": "48", "keywords": "补偿"}, True, "征收土地应当给予公平、合理的补偿"),
        ({"law": "土地管理法", "article": "第四十八条", "keywords": "离婚"}, False, "条文中找不到"),
        ({"law": "治安管理处罚法", "article": "第一条", "keywords": "治安"}, False, "已被修订"),
        ({"law": "土地管理法", "article": "四十八", "keywords": "补偿"}, False, "条号要写成"),
        ({"law": "土地管理法", "article": "", "keywords": ""}, False, "请填写法律名称、条号"),
    ],
)
def test_the_live_check_answers_the_article_text_or_why_it_cannot_be_cited(
    client: TestClient, engine: Engine, query: dict[str, str], ok: bool, says: str
) -> None:
    add_user(engine, "wang.editor", "knowledge_editor")
    signed_in(client, "wang.editor")
    response = client.get("/console/knowledge/citation", params=query)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    result = response.json()
    assert result["ok"] is ok
    assert says in (result.get("text", "") if ok else "；".join(result["problems"]))


def test_the_live_check_is_only_for_those_who_write_or_review_entries(client: TestClient, engine: Engine) -> None:
    add_user(engine, "tiao", "mediator")
    signed_in(client, "tiao")
    assert client.get("/console/knowledge/citation", params={"law": "土地管理法"}).status_code == 403


def test_a_reviewer_approves_a_colleague_s_draft_and_it_is_live(client: TestClient, engine: Engine) -> None:
    entry_id, token = a_colleague_s_draft_before_a_reviewer(client, engine)
    page = client.get(f"/console/knowledge/{entry_id}").text
    assert 'id="approve-form"' in page and "征收土地应当给予公平、合理的补偿" in page  # the text to check against
    response = post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"].endswith("?done=approved")
    with Session(engine) as db:
        (live,) = office_entries.live_entries(db)
    assert (live.id, live.reviewed_by) == (f"office-{entry_id}", "chen.reviewer")
    (row,) = audited(engine, "knowledge_approve")
    assert (row.actor, row.detail["entry"], row.detail["author"]) == ("chen.reviewer", live.id, "wang.editor")
    assert "条目已上线" in client.get(response.headers["location"]).text


def test_an_approval_of_a_text_since_edited_is_refused_until_the_reviewer_reads_it_again(
    client: TestClient, engine: Engine
) -> None:
    entry_id, token = a_colleague_s_draft_before_a_reviewer(client, engine)
    page = client.get(f"/console/knowledge/{entry_id}").text
    read = re.search(r'name="read" value="(\w+)"', page)
    assert read is not None
    with Session(engine) as db:  # the writer shortens the answer while the page is open
        (entry,) = db.exec(select(OfficeEntry)).all()
        entry.answer = entry.answer[:-10] + "。"
        db.add(entry)
        db.commit()
    response = post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token, "read": read[1]})
    assert response.status_code == 409 and "请刷新页面" in response.text
    assert [e.status for e in stored(engine)] == [EntryStatus.draft] and audited(engine, "knowledge_approve") == []


def test_a_reviewer_downloads_the_live_entries_as_yaml_for_the_shared_knowledge_base(
    client: TestClient, engine: Engine
) -> None:
    entry_id, token = a_colleague_s_draft_before_a_reviewer(client, engine)
    assert 'id="export-entries"' in client.get("/console/knowledge").text
    post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token})
    response = client.get("/console/knowledge/export")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert re.search(r'attachment; filename="office-entries-\d{8}-\d{4}\.yml"', response.headers["content-disposition"])
    (exported,) = read_back(response.text)
    assert (exported.id, exported.reviewed_by) == (f"office-{entry_id}", "chen.reviewer")
    (row,) = audited(engine, "knowledge_export")
    assert (row.actor, row.detail["entries"]) == ("chen.reviewer", 1)
    client.cookies.clear()
    signed_in(client, "wang.editor")  # a writer does not publish
    assert client.get("/console/knowledge/export").status_code == 403


def test_the_head_cannot_approve_a_draft_of_their_own(client: TestClient, engine: Engine) -> None:
    entry_id = draft_as(client, engine, "zhang.head", role="head")
    token = signed_in(client, "zhang.head")
    assert 'id="approve-form"' not in client.get(f"/console/knowledge/{entry_id}").text
    response = post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token})
    assert response.status_code == 403 and "不能批准自己起草的条目" in response.text
    assert [e.status for e in stored(engine)] == [EntryStatus.draft] and audited(engine, "knowledge_approve") == []


def test_an_editor_may_not_approve_and_a_reviewer_may_not_draft(client: TestClient, engine: Engine) -> None:
    entry_id = draft_as(client, engine, "wang.editor")
    add_user(engine, "li.editor", "knowledge_editor")
    token = signed_in(client, "li.editor")
    assert post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token}).status_code == 403
    assert post(client, f"/console/knowledge/{entry_id}/withdraw", {"csrf_token": token}).status_code == 403
    client.cookies.clear()
    add_user(engine, "chen.reviewer", "knowledge_reviewer")
    token = signed_in(client, "chen.reviewer")
    assert post(client, "/console/knowledge", entry_form(token)).status_code == 403
    assert [e.status for e in stored(engine)] == [EntryStatus.draft]


def test_only_the_writer_edits_their_draft(client: TestClient, engine: Engine) -> None:
    entry_id = draft_as(client, engine, "wang.editor")
    add_user(engine, "li.editor", "knowledge_editor")
    token = signed_in(client, "li.editor")
    assert client.get(f"/console/knowledge/{entry_id}/edit").status_code == 403
    refused = post(client, f"/console/knowledge/{entry_id}", entry_form(token, sub_area="村道占地"))
    assert refused.status_code == 400 and "只有起草人能修改" in refused.text
    client.cookies.clear()
    token = signed_in(client, "wang.editor")
    assert "修路占地补偿" in client.get(f"/console/knowledge/{entry_id}/edit").text
    response = post(client, f"/console/knowledge/{entry_id}", entry_form(token, sub_area="村道占地"))
    assert response.status_code == 303
    assert [e.sub_area for e in stored(engine)] == ["村道占地"]
    assert [row.actor for row in audited(engine, "knowledge_edit")] == ["wang.editor"]


def test_withdrawing_takes_an_entry_off_and_is_audited(client: TestClient, engine: Engine) -> None:
    entry_id = draft_as(client, engine, "wang.editor")
    add_user(engine, "zhang.head", "head")
    token = signed_in(client, "zhang.head")
    assert post(client, f"/console/knowledge/{entry_id}/approve", {"csrf_token": token}).status_code == 303
    assert post(client, f"/console/knowledge/{entry_id}/withdraw", {"csrf_token": "forged"}).status_code == 403
    response = post(client, f"/console/knowledge/{entry_id}/withdraw", {"csrf_token": token})
    assert response.status_code == 303
    with Session(engine) as db:
        assert office_entries.live_entries(db) == []
    assert [row.detail["was"] for row in audited(engine, "knowledge_withdraw")] == ["approved"]
    listed = client.get("/console/knowledge", params={"status": "withdrawn"}).text
    assert f'id="entry-{entry_id}"' in listed
    again = post(client, f"/console/knowledge/{entry_id}/withdraw", {"csrf_token": token})
    assert again.status_code == 409 and "已经撤下" in again.text


def test_an_unknown_entry_or_status_is_the_console_s_error_page(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang.head", "head")
    signed_in(client, "zhang.head")
    missing = client.get("/console/knowledge/999")
    assert missing.status_code == 404 and 'data-code="entry_not_found"' in missing.text
    assert client.get("/console/knowledge", params={"status": "lost"}).status_code == 400
    assert client.get("/console/knowledge/new", params={"gap": 999}).status_code == 404
    assert 'id="error-page"' in client.get("/console/knowledge/abc").text
