"""What a resident reads: the answer, its statutes, what the assistant is, and a path to a person."""

from __future__ import annotations

from knowledge.answering import load_messages
from knowledge.consultant import Consultant


def test_an_answer_names_its_statutes_and_offers_a_person(consultant: Consultant) -> None:
    consultation = consultant.consult("去民政局办离婚说要等一个月冷静，是真的吗")
    reply = consultation.reply
    assert consultation.result.confident and reply.kind == "answer"
    assert reply.entry_id == "marriage-divorce-cooling-off"
    assert "法律依据：" in reply.text and "《民法典》第一千零七十七条" in reply.text
    assert reply.citations and all(label.startswith("民法典") for label in reply.citations)
    assert reply.text.rstrip().endswith(load_messages().disclaimer)
    assert reply.buttons[-1].payload == "/request_human"
    assert 1 <= len(reply.buttons) - 1 <= 3  # related questions
    assert reply.custom()["citations"][0]["url"].startswith("/statutes/view?cite=")


def test_no_confident_answer_is_said_plainly_with_human_paths(consultant: Consultant) -> None:
    consultation = consultant.consult("帮我写一篇作文")
    reply = consultation.reply
    assert not consultation.result.confident and reply.kind == "unsure"
    assert reply.entry_id is None and not reply.citations
    assert "12348" in reply.text
    assert {b.payload for b in reply.buttons} == {"/request_lawyer", "/request_human"}


def test_each_service_is_explained_from_the_knowledge_base(consultant: Consultant) -> None:
    for service in ("mediation", "legal_aid", "notarization", "lawyer"):
        reply = consultant.explain_service(service)  # type: ignore[arg-type]
        assert reply.citations, service
        assert reply.buttons[-1].payload == "/request_human"
