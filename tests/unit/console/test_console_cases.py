"""A case page, notes, assignment, search, the CSV export and the knowledge-gap list."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from console_helpers import FakeRasa, add_case, add_user, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console.display import csv_cell
from casebook.console_tables import AuditEntry, CaseNote, CaseWork
from casebook.models import CaseKind
from casebook.services.applications import SlotRequest
from casebook.services.gaps import record_knowledge_gap

MEDIATION_DETAILS = {
    "other_party": "隔壁李大爷",
    "dispute_type": "相邻关系",
    "dispute_place": "示例区东城街道",
    "dispute_summary": "楼上漏水三个月没人管",
    "request": "请调解委员会出面协调维修",
    "committee_id": "dongcheng-street",
    "committee": "东城街道人民调解委员会",
    "came_in_by": "application",
}


def test_a_case_page_shows_the_data_the_assistants_view_and_the_transcript(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    case = add_case(engine, CaseKind.mediation, conversation="conv-m1", details=MEDIATION_DETAILS)
    rasa.trackers["conv-m1"] = {
        "events": [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "楼上漏水不管怎么办", "timestamp": 1_772_400_000},
            {
                "event": "bot",
                "text": "可以申请人民调解，要现在申请吗？",
                "data": {"buttons": [{"title": "申请调解", "payload": "/request_mediation"}]},
                "timestamp": 1_772_400_001,
            },
            {"event": "bot", "text": None, "data": {"custom": {"receipt": {"reference": case.reference}}}},
            {"event": "user", "text": "<script>alert(1)</script>", "timestamp": 1_772_400_010},
        ]
    }
    add_user(engine, "tiao", "mediator")
    signed_in(client, "tiao")
    page = client.get(f"/console/cases/{case.reference}").text
    for text in ("王小明", "13800138000", "人民调解申请", "新提交", "劳动纠纷", "人民调解"):
        assert text in page
    # The form's details in words; internal ids left out.
    for text in ("对方当事人", "隔壁李大爷", "东城街道人民调解委员会", "当事人申请", "楼上漏水三个月没人管"):
        assert text in page
    assert "dongcheng-street" not in page
    assert 'id="transcript-lines"' in page
    assert page.index("楼上漏水不管怎么办") < page.index("可以申请人民调解") and "申请调解" in page
    # Residents' text is escaped, never markup.
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'id="takeover-start"' in page  # taking over the conversation


def test_the_case_page_works_while_the_dialogue_engine_is_down(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    rasa.down = True
    add_user(engine, "shen", "legal_aid_reviewer")
    signed_in(client, "shen")
    response = client.get(f"/console/cases/{case.reference}")
    assert response.status_code == 200
    assert "王小明" in response.text and 'id="transcript-unavailable"' in response.text
    assert "对话记录暂时无法获取" in response.text


def test_a_booking_is_shown_with_the_case(client: TestClient, engine: Engine) -> None:
    start = datetime(2026, 3, 10, 9, 30)
    case = add_case(
        engine,
        CaseKind.notarization,
        details={"matter_id": "will", "matter": "遗嘱公证", "appointment": "2026-03-10 09:30"},
        slot=SlotRequest("notary-desk", start, start + timedelta(minutes=30)),
    )
    add_user(engine, "gong", "notary_assistant")
    signed_in(client, "gong")
    page = client.get(f"/console/cases/{case.reference}").text
    assert "遗嘱公证" in page and "2026-03-10 09:30–10:00" in page and "已预约" in page and "will" not in page


def test_a_lawyer_session_shows_its_own_video_room_not_one_made_from_the_reference(
    client: TestClient, engine: Engine
) -> None:
    start = datetime(2026, 3, 10, 14, 0)
    case = add_case(engine, CaseKind.lawyer, slot=SlotRequest("lawyer-li", start, start + timedelta(minutes=30)))
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    page = client.get(f"/console/cases/{case.reference}").text
    room = re.search(r'id="booking-room">视频会议室：<a href="https://meet\.example\.org/fawu-([0-9a-f]{32})"', page)
    assert room is not None, page
    assert case.reference.lower() not in room.group(0)


def test_an_unknown_reference_is_not_found(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    response = client.get("/console/cases/TJ20260101-XXXX")
    assert response.status_code == 404 and "没有找到这个案件" in response.text


def test_notes_are_added_shown_and_checked(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.lawyer)
    add_user(engine, "qian", "clerk", display_name="钱前台")
    token = signed_in(client, "qian")
    path = f"/console/cases/{case.reference}/notes"
    assert post(client, path, {"text": "  已电话确认，居民准时参加。 ", "csrf_token": token}).status_code == 303
    page = client.get(f"/console/cases/{case.reference}").text
    assert "已电话确认，居民准时参加。" in page and "钱前台" in page
    empty = post(client, path, {"text": "   ", "csrf_token": token})
    assert empty.status_code == 400 and "备注不能为空" in empty.text
    long = post(client, path, {"text": "长" * 2001, "csrf_token": token})
    assert long.status_code == 400 and "2000" in long.text
    with Session(engine) as db:
        assert [n.text for n in db.exec(select(CaseNote)).all()] == ["已电话确认，居民准时参加。"]


def test_the_head_assigns_cases_to_colleagues_who_handle_that_kind(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "zhang", "head")
    reviewer = add_user(engine, "shen", "legal_aid_reviewer", display_name="沈审查")
    notary = add_user(engine, "gong", "notary_assistant")
    token = signed_in(client, "zhang")
    path = f"/console/cases/{case.reference}/assign"
    page = client.get(f"/console/cases/{case.reference}").text
    assert f'<option value="{reviewer}"' in page and f'<option value="{notary}"' not in page
    wrong = post(client, path, {"assignee": str(notary), "csrf_token": token})
    assert wrong.status_code == 400 and "不能承办这类案件" in wrong.text
    assert post(client, path, {"assignee": "99999", "csrf_token": token}).status_code == 400
    assert post(client, path, {"assignee": str(reviewer), "csrf_token": token}).status_code == 303
    page = client.get(f"/console/cases/{case.reference}").text
    assert '<dd id="case-assignee">沈审查</dd>' in page and "承办人：无 → shen" in page
    assert post(client, path, {"assignee": "", "csrf_token": token}).status_code == 303
    with Session(engine) as db:
        work = db.get(CaseWork, case.id)
        assert work is not None and work.assignee_id is None


def test_others_may_take_an_unassigned_case_or_give_back_their_own(
    client: TestClient, anonymous: TestClient, engine: Engine
) -> None:
    case = add_case(engine, CaseKind.mediation)
    first = add_user(engine, "tiao", "mediator")
    second = add_user(engine, "tiao2", "mediator")
    token = signed_in(client, "tiao")
    other_token = signed_in(anonymous, "tiao2")
    path = f"/console/cases/{case.reference}/assign"
    assert 'id="take-button"' in client.get(f"/console/cases/{case.reference}").text
    # Nobody but a role with assign_others hands a case to someone else.
    assert post(client, path, {"assignee": str(second), "csrf_token": token}).status_code == 403
    assert post(client, path, {"assignee": str(first), "csrf_token": token}).status_code == 303
    assert 'id="release-button"' in client.get(f"/console/cases/{case.reference}").text
    # A colleague cannot take it away, nor give it back on the holder's behalf.
    assert post(anonymous, path, {"assignee": str(second), "csrf_token": other_token}).status_code == 403
    assert post(anonymous, path, {"assignee": "", "csrf_token": other_token}).status_code == 403
    assert post(client, path, {"assignee": "", "csrf_token": token}).status_code == 303
    mine = client.get("/console/queue", params={"mine": "1"}).text
    assert f'id="case-{case.reference}"' not in mine


def test_the_queue_filters_by_kind_status_and_assignee(client: TestClient, engine: Engine) -> None:
    mediation = add_case(engine, CaseKind.mediation)
    legal_aid = add_case(engine, CaseKind.legal_aid)
    me = add_user(engine, "zhang", "head")
    token = signed_in(client, "zhang")
    post(client, f"/console/cases/{legal_aid.reference}/assign", {"assignee": str(me), "csrf_token": token})
    post(
        client,
        f"/console/cases/{mediation.reference}/status",
        {"to": "not_accepted", "reason": "属于法院已受理的案件", "csrf_token": token},
    )

    def listed(**params: str) -> set[str]:
        page = client.get("/console/queue", params=params).text
        return {ref for ref in (mediation.reference, legal_aid.reference) if f'id="case-{ref}"' in page}

    assert listed() == {legal_aid.reference}  # finished cases leave the default view
    assert listed(status="all") == {legal_aid.reference, mediation.reference}
    assert listed(status="not_accepted") == {mediation.reference}
    assert listed(status="all", kind="mediation") == {mediation.reference}
    assert listed(status="all", mine="1") == {legal_aid.reference}
    assert client.get("/console/queue", params={"kind": "unicorn"}).status_code == 400
    assert client.get("/console/queue", params={"status": "unicorn"}).status_code == 400


@pytest.mark.parametrize("query", ["reference", "reference-lower", "name", "phone", "phone-part"])
def test_search_finds_a_case_by_reference_name_or_phone(client: TestClient, engine: Engine, query: str) -> None:
    wanted = add_case(engine, CaseKind.legal_aid, name="欧阳娜娜", phone="13712345678")
    other = add_case(engine, CaseKind.legal_aid, name="王小明", phone="13800138000")
    add_user(engine, "shen", "legal_aid_reviewer")
    signed_in(client, "shen")
    q = {
        "reference": wanted.reference,
        "reference-lower": f" {wanted.reference.lower()} ",
        "name": "欧阳",
        "phone": "137 1234 5678",
        "phone-part": "345678",
    }[query]
    page = client.get("/console/queue", params={"q": q}).text
    assert f'id="case-{wanted.reference}"' in page and f'id="case-{other.reference}"' not in page


def test_search_words_are_not_sql_wildcards(client: TestClient, engine: Engine) -> None:
    add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    signed_in(client, "shen")
    for q in ("%", "_", "%%%"):
        assert 'id="queue-empty"' in client.get("/console/queue", params={"q": q}).text


def test_the_export_lists_the_roles_cases_as_it_sees_them(client: TestClient, engine: Engine) -> None:
    legal_aid = add_case(engine, CaseKind.legal_aid)
    add_case(engine, CaseKind.mediation)
    add_user(engine, "shen", "legal_aid_reviewer")
    signed_in(client, "shen")
    response = client.get("/console/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="cases-')
    assert response.text.startswith("\ufeff")  # Excel reads the Chinese correctly
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["编号", "类型", "状态", "提交时间"]
    assert len(rows) == 2
    assert rows[1][0] == legal_aid.reference and rows[1][1] == "法律援助预审" and rows[1][2] == "新提交"
    # A file leaves the console's access control: names and phones in clear need export_personal_data.
    assert "王**" in rows[1] and "138****8000" in rows[1] and "王小明" not in response.text


def test_only_a_role_with_export_personal_data_exports_names_and_phones_in_clear(
    client: TestClient, engine: Engine
) -> None:
    add_case(engine, CaseKind.legal_aid)
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    rows = list(csv.reader(io.StringIO(client.get("/console/export.csv").text.lstrip("\ufeff"))))
    assert "王小明" in rows[1] and "13800138000" in rows[1]
    with Session(engine) as db:
        exported = db.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert exported.detail["personal_data"] is True


def test_the_export_cannot_smuggle_formulas_into_a_spreadsheet(client: TestClient, engine: Engine) -> None:
    add_case(engine, CaseKind.legal_aid, name='=HYPERLINK("http://evil","点我")', phone="13800138000")
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    rows = list(csv.reader(io.StringIO(client.get("/console/export.csv").text.lstrip("\ufeff"))))
    assert rows[1][7] == '\'=HYPERLINK("http://evil","点我")'
    for value, safe in [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
    ]:
        assert csv_cell(value) == safe
    assert csv_cell("王小明") == "王小明" and csv_cell(None) == "" and csv_cell(12) == "12"


def test_knowledge_gaps_are_listed_for_the_roles_that_fill_them(client: TestClient, engine: Engine) -> None:
    with Session(engine) as db:
        record_knowledge_gap(
            db,
            conversation_id="g-1",
            question="我家那条养了八年的狗，电话13800138000，被邻居毒死了能索赔吗",
            point="被邻居毒死了能索赔吗",
            best_entry_id="tort-1",
            best_score=0.41,
        )
    add_user(engine, "editor", "knowledge_editor")
    signed_in(client, "editor")
    page = client.get("/console/gaps").text
    assert "被邻居毒死了能索赔吗" in page and "138****8000" in page and "tort-1" in page and "0.41" in page
    assert '<td class="point">被邻居毒死了能索赔吗</td>' in page


@pytest.mark.parametrize("path", ["/console/queue?page=abc", "/console/gaps?page=-x", "/console/audit?page=第二页"])
def test_a_malformed_address_gets_the_consoles_own_chinese_page_not_json(
    client: TestClient, engine: Engine, path: str
) -> None:
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    response = client.get(path)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "填写的内容不符合要求" in response.text
