"""What the console and its admin command say outside the templates (texts.yml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from knowledge.datafile import load_yaml_model

TEXTS_FILE = Path(__file__).parent / "texts.yml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Messages(_Section):
    login_failed: str
    locked: str
    signed_out: str
    session_expired: str
    csrf_failed: str
    forbidden: str
    case_not_found: str
    transition_not_allowed: str
    reason_required: str
    reason_too_long: str
    note_empty: str
    note_too_long: str
    assign_not_allowed: str
    assignee_invalid: str
    transcript_unavailable: str
    transcript_empty: str
    kind_not_allowed: str
    bad_filter: str
    bad_input: str
    action_not_allowed: str
    status_changed: str
    personal_hidden: str
    takeover_engine_down: str
    takeover_message_refused: str
    takeover_case_closed: str
    login_slow_down: str
    login_busy: str
    entry_not_found: str
    gap_not_found: str
    entry_not_draft: str
    entry_changed: str
    entry_not_yours: str
    own_draft: str
    entry_withdrawn: str
    export_failed: str
    citation_problems: str


class DeadlineTexts(_Section):
    ok: str
    near: str
    overdue: str
    met: str
    waiting: str


class AdminTexts(_Section):
    password_prompt: str
    password_again: str
    password_mismatch: str
    password_missing: str
    password_weak: str
    username_invalid: str
    username_taken: str
    role_unknown: str
    user_created: str
    user_unknown: str
    user_unlocked: str
    password_set: str
    user_deactivated: str
    no_users: str
    user_line: str
    state_active: str
    state_locked: str
    state_inactive: str
    audit_intact: str
    audit_unchained: str
    audit_broken: str
    audit_reasons: dict[Literal["content", "link", "unchained", "tail"], str]


class ExportColumns(_Section):
    reference: str
    kind: str
    status: str
    created_at: str
    channel: str
    area: str
    route: str
    applicant_name: str
    phone: str
    assignee: str
    deadline: str
    not_accepted_reason: str


class KnowledgeTexts(_Section):
    statuses: dict[str, str]  # by EntryStatus
    fields: dict[str, str]  # by field of the entry form
    check_incomplete: str
    check_bad_article: str
    done: dict[str, str]  # the notice after a step

    @model_validator(mode="after")
    def _complete(self) -> KnowledgeTexts:
        wanted = {
            "statuses": {"draft", "approved", "withdrawn"},
            "fields": {"area", "sub_area", "questions", "answer", "citations", "route"},
            "done": {"drafted", "edited", "approved", "withdrawn"},
        }
        for name, keys in wanted.items():
            if set(getattr(self, name)) != keys:
                raise ValueError(f"knowledge.{name} needs exactly {sorted(keys)}")
        return self


class ConsoleTexts(_Section):
    """Everything the console says to staff outside its templates."""

    messages: Messages
    deadlines: DeadlineTexts
    admin: AdminTexts
    export: ExportColumns
    knowledge: KnowledgeTexts
    audit_actions: dict[str, str]

    @classmethod
    def load(cls, path: Path = TEXTS_FILE) -> ConsoleTexts:
        return load_yaml_model(cls, path)


@cache
def console_texts() -> ConsoleTexts:
    return ConsoleTexts.load()
