"""The console's data files and masking rules, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.console.personal import mask_word
from api.console.roles import ROLES_FILE, Roles, mask_phone
from api.console.texts import ConsoleTexts
from api.console.workflow import Workflow
from casebook.models import CaseKind
from casebook.settings import Settings


def test_every_kind_of_case_has_someone_to_handle_it_and_the_head_sees_all() -> None:
    roles = Roles.load()
    for kind in CaseKind:
        assert any(role.sees(kind) for role in roles if role.id != "head"), kind
    head = roles.get("head")
    assert head is not None and head.kinds == set(CaseKind) and head.audit and head.statistics


def test_every_text_file_loads_and_every_kind_and_status_has_words() -> None:
    texts = ConsoleTexts.load()
    flow = Workflow.load()
    assert "{minutes}" in texts.messages.locked
    assert set(flow.kinds) == set(CaseKind)
    assert all(label for label in flow.kinds.values())


def test_the_data_files_say_they_are_examples() -> None:
    assert "EXAMPLE DATA" in ROLES_FILE.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kinds": ["mediation", "unicorns"]}, "kinds"),
        ({"personal_data": "sometimes"}, "personal_data"),
        ({"extra_power": True}, "extra_power"),
        ({"permissions": ["change_status", "delete_cases"]}, "permissions"),
        ({"personal_data": False}, "take_over.*need personal_data"),
        ({"permissions": ["add_notes"]}, "assign_others needs the assign permission"),
        ({"permissions": ["assign", "message_residents"]}, "message_residents needs take_over"),
    ],
)
def test_a_broken_roles_file_is_rejected_naming_the_file(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    data["roles"]["clerk"].update(change)
    broken = tmp_path / "roles.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"(?s)roles\.yml: .*{message}"):
        Roles.load(broken)


def test_a_role_without_written_permissions_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    del data["roles"]["mediator"]["permissions"]  # a forgotten list must not mean "may do anything"
    broken = tmp_path / "roles.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="permissions"):
        Roles.load(broken)


def test_a_roles_file_where_nobody_reads_the_audit_log_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    data["roles"]["head"]["audit"] = False
    broken = tmp_path / "roles.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="audit log"):
        Roles.load(broken)


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王**"), ("欧阳娜娜", "欧***"), ("李", "*"), ("Li", "L*"), (" 张三 ", "张*")]
)
def test_names_keep_only_the_family_name(name: str, masked: str) -> None:
    assert mask_word(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        ("057188886666", "057*****6666"),
        ("138-0013-8000", "138****8000"),
        ("12345", "***45"),
    ],
)
def test_phone_numbers_keep_only_their_first_three_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_masked_text_hides_names_phones_and_id_numbers() -> None:
    editor = Roles.load().get("knowledge_editor")
    assert editor is not None
    text = "王小明（身份证110101199003071234）电话13800138000，对方是李四"
    masked = editor.text(text, names=("王小明", "李四", None))
    assert masked == "王**（身份证110***********1234）电话138****8000，对方是李*"
    head = Roles.load().get("head")
    assert head is not None and head.text(text, names=("王小明",)) == text


def test_console_settings_default_to_safe_values() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.console_secure_cookies is True
    assert (settings.console_max_failures, settings.console_lockout_minutes, settings.console_session_hours) == (
        5,
        15,
        8,
    )
    # Throttling that slows an account down but locks only the guessing client; an idle timeout.
    assert (settings.console_client_max_failures, settings.console_account_slowdown_after) == (20, 10)
    assert settings.console_account_slowdown_seconds == 3 and settings.console_password_checks == 2
    assert settings.console_idle_minutes == 30
