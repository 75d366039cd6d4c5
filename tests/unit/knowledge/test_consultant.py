"""A consultation as a resident reads it: safety first, the point answered or honestly deferred,
and the office's services offered when the story calls for them."""

from __future__ import annotations

import re

from knowledge.answering import load_messages
from knowledge.consultant import Consultant
from knowledge.statutes import StatuteLibrary


def test_violence_at_home_comes_first_with_the_numbers_and_the_protection_order(consultant: Consultant) -> None:
    consultation = consultant.consult("我男人一喝酒就打我，孩子才一岁半，我想离婚，孩子能跟我吗")
    text = consultation.reply.text
    assert consultation.safety == ["violence"]
    assert text.startswith(load_messages().safety["violence"].text)
    assert all(number in text.split("\n\n")[0] for number in ("110", "12338", "人身安全保护令", "告诫书"))
    assert "反家庭暴力法第二十三条" in consultation.reply.citations
    assert consultation.reply.kind in ("answer", "clarify", "defer")  # the question itself is still handled


def test_a_detained_relative_hears_about_defence_lawyers_and_legal_aid(consultant: Consultant) -> None:
    reply = consultant.consult("我儿子前天被派出所抓走了，说是打架，家里该怎么办").reply
    first = reply.text.split("\n\n")[0]
    assert "法律援助" in first and "辩护人" in first and "24小时" in first


def test_no_money_for_a_lawyer_in_a_wage_story_offers_legal_aid_and_the_migrant_worker_exemption(
    consultant: Consultant,
) -> None:
    consultation = consultant.consult("在工地干了八个月，包工头一直拖着工钱不给，我没钱请律师怎么办")
    reply = consultation.reply
    assert "legal_aid" in consultation.services
    assert reply.buttons[0].payload == "/request_legal_aid"
    assert load_messages().wage_legal_aid.text in reply.text
    assert "法律援助法第四十二条" in reply.citations


def test_wanting_someone_to_settle_a_neighbour_dispute_offers_the_mediation_intake(consultant: Consultant) -> None:
    reply = consultant.consult("楼上装修把我家天花板弄裂了，他不认账，想找人调解一下").reply
    assert "/request_mediation" in [b.payload for b in reply.buttons]
    assert "不收任何费用" in reply.text


def test_a_point_no_entry_answers_is_deferred_with_the_area_and_quoted_current_articles(
    consultant: Consultant, statutes: StatuteLibrary
) -> None:
    consultation = consultant.consult(
        "我和老伴都七十多了，想把存款提前分给三个儿子，以后他们不管我们咋办，能写进协议吗"
    )
    reply = consultation.reply
    if reply.kind != "defer":  # the knowledge base grew an answer: then the reply is an entry
        assert reply.entry_id or reply.options
        return
    messages = load_messages()
    assert reply.text.startswith(messages.defer.intro)
    assert "12348" in reply.text and reply.entry_id is None
    assert {b.payload for b in reply.buttons} == {"/request_lawyer", "/request_human"}
    assert len(reply.citations) <= 1
    for label in reply.citations:
        article = statutes.cite(label)
        assert article is not None and article.law not in statutes.superseded
        quoted = re.search(re.escape(f"《{article.law}》{article.number}：") + r"(.{10})", reply.text)
        assert quoted and quoted.group(1) in article.text.replace("\n", " ")


def test_a_confirmation_offers_the_entry_in_its_own_words_and_a_way_out(consultant: Consultant) -> None:
    from knowledge.answering import clarify_reply

    entries = [consultant.kb.get("marriage-child-support"), consultant.kb.get("marriage-child-custody")]
    reply = clarify_reply(entries)
    assert reply.kind == "clarify" and reply.options == ["marriage-child-support", "marriage-child-custody"]
    assert [b.payload for b in reply.buttons[:2]] == [entries[0].questions[0], entries[1].questions[0]]
    assert reply.buttons[-1] == load_messages().clarify_none
    assert reply.text.startswith("您想问的是下面哪一个？")
    assert f"1. {entries[0].questions[0]}" in reply.text and f"2. {entries[1].questions[0]}" in reply.text
    one = clarify_reply(entries[:1])
    assert entries[0].questions[0] in one.text and one.buttons[-1] == load_messages().clarify_one_none


def test_every_text_around_an_answer_cites_current_articles_that_say_what_it_claims(
    statutes: StatuteLibrary,
) -> None:
    for owner, cited in load_messages().cited_texts():
        for citation in cited.citations:
            article = statutes.article(citation.law, citation.article)
            assert article is not None, f"{owner}: {citation.label} is not in the shipped texts"
            assert citation.law not in statutes.superseded, f"{owner}: {citation.label} is superseded"
            for keyword in citation.keywords:
                assert keyword in article.text, f"{owner}: {citation.label} does not say {keyword}"


def test_small_talk_is_not_dressed_up_as_law(consultant: Consultant) -> None:
    reply = consultant.consult("帮我写一篇作文").reply
    assert reply.kind == "unsure" and not reply.citations


def test_other_questions_in_one_message_are_offered_as_buttons(consultant: Consultant) -> None:
    reply = consultant.consult("孩子抚养费怎么算？他在外面欠的赌债我要还吗").reply
    assert load_messages().more_questions in reply.text
    entries = {e.questions[0]: e.id for e in consultant.kb.entries}
    offered = [entries[b.payload] for b in reply.buttons if not b.payload.startswith("/")]
    assert len(offered) == len(set(offered))  # no entry offered twice
    assert set(offered) - set(reply.options) - {reply.entry_id}  # the other questions' entries


def test_a_single_question_gets_no_extra_buttons(consultant: Consultant) -> None:
    reply = consultant.consult("去民政局办离婚说要等一个月冷静，是真的吗").reply
    assert load_messages().more_questions not in reply.text


def test_a_deferral_quotes_only_articles_its_nearest_entries_cite_and_no_criminal_provision(
    consultant: Consultant,
) -> None:
    deferred = 0
    for message in (
        "村里的祠堂要翻修，每户摊五百，不交就不让上族谱，合法吗",
        "殡葬费用应该由谁来出，兄弟几个吵起来了",
        "我买的二手车里程表被调过，能退车吗",
    ):
        consultation = consultant.consult(message)
        assert not consultation.safety and not consultation.services  # every citation is the deferral's
        if consultation.reply.kind != "defer":
            continue
        deferred += 1
        candidates = consultation.verdict.candidates[:3]
        near = {c.label for candidate in candidates for c in consultant.kb.get(candidate.entry_id).citations}
        for label in consultation.reply.citations:
            assert label in near and not label.startswith(("刑法", "刑事诉讼法"))
    assert deferred  # the knowledge base answers none of these points (yet)
