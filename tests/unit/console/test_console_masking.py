"""What a role without personal data reads on a case page: nothing personal from anywhere in the
conversation, however the resident wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from console_helpers import FakeRasa, add_case, add_user, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.console.personal import PERSONAL_DATA_FILE, PersonalData
from casebook.models import CaseKind
from casebook.service_forms import service_forms


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 1_700_000_000}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": 1_700_000_001}


def asking(slot: str | None) -> dict[str, Any]:
    return {"event": "slot", "name": "requested_slot", "value": slot}


def filled(slot: str, value: str) -> dict[str, Any]:
    return {"event": "slot", "name": slot, "value": value}


# A mediation form, a restart, then 转人工: the handoff case carries no names of its own.
MEDIATION_THEN_HANDOFF = [
    user("我想申请调解"),
    asking("applicant_name"),
    bot("请问您怎么称呼？"),
    user("王小明"),
    filled("applicant_name", "王小明"),
    asking("applicant_phone"),
    bot("您的联系电话？"),
    user("+86 138 0013 8000"),
    filled("applicant_phone", "13800138000"),
    asking("other_party"),
    bot("对方是谁？"),
    user("隔壁的李四"),
    filled("other_party", "李四"),
    asking("dispute_place"),
    bot("纠纷发生在哪里？"),
    user("东湖村3组"),
    filled("dispute_place", "东湖村3组"),
    asking(None),
    bot("请核对：\n· 姓名：王小明\n· 电话：138 0013 8000\n· 对方：李四\n· 发生地点：东湖村3组"),
    {"event": "restart"},
    user("李四又来闹了，我要转人工，身份证110101 19900307 123X"),
    bot("好的，已为您转人工。"),
]


def test_a_handoff_transcript_hides_what_an_earlier_form_of_the_conversation_collected(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    case = add_case(engine, CaseKind.handoff, conversation="web-" + "a" * 32)
    rasa.trackers[case.conversation_id] = {"events": MEDIATION_THEN_HANDOFF}
    add_user(engine, "editor", "knowledge_editor")
    signed_in(client, "editor")
    page = client.get(f"/console/cases/{case.reference}").text
    for secret in ("王小明", "李四", "东湖村", "138 0013 8000", "0013", "19900307"):
        assert secret not in page, secret
    assert "〔个人信息，已隐去〕" in page  # the answers to the form's personal questions
    assert "我要转人工" in page and "请问您怎么称呼？" in page  # what staff need to read stays
    assert rasa.asked == ["ALL"]  # the console asks for what came before a restart too


def test_names_from_other_cases_of_the_same_conversation_are_hidden(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    conversation = "wechat-" + "b" * 32
    add_case(
        engine,
        CaseKind.mediation,
        conversation=conversation,
        name="赵大宝",
        details={"other_party": "钱多多", "dispute_place": "西山村"},
    )
    handoff = add_case(engine, CaseKind.handoff, conversation=conversation)
    rasa.trackers[conversation] = {"events": [user("钱多多在西山村堵我家门，赵大宝该怎么办")]}
    add_user(engine, "editor", "knowledge_editor")
    signed_in(client, "editor")
    page = client.get(f"/console/cases/{handoff.reference}").text
    assert "钱多多" not in page and "西山村" not in page and "赵大宝" not in page
    assert "钱**" in page and "赵**" in page and "堵我家门" in page


def test_a_role_with_personal_data_reads_the_conversation_as_it_was(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    case = add_case(engine, CaseKind.handoff, conversation="web-" + "c" * 32)
    rasa.trackers[case.conversation_id] = {"events": MEDIATION_THEN_HANDOFF}
    add_user(engine, "tiao", "mediator")
    signed_in(client, "tiao")
    page = client.get(f"/console/cases/{case.reference}").text
    assert "王小明" in page and "东湖村3组" in page and "+86 138 0013 8000" in page


def test_every_personal_field_of_the_forms_is_listed_with_the_label_the_summary_uses() -> None:
    personal = PersonalData.load()
    spec = service_forms()
    for form in spec.forms:
        for slot, label in spec.labelled(form):
            if slot in personal.slots:
                assert label in personal.slots[slot], (slot, label)
    assert {"applicant_name", "applicant_phone", "other_party", "dispute_place", "monthly_income"} <= set(
        personal.slots
    )


def test_a_broken_personal_data_file_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "personal_data.yml"
    broken.write_text(PERSONAL_DATA_FILE.read_text(encoding="utf-8") + "\nmore: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"personal_data\.yml"):
        PersonalData.load(broken)
