"""The legal-aid reply: every kind of result worded, always a pre-check with the human paths, cited
articles that resolve, where to apply, how to object."""

from __future__ import annotations

from legal_aid_helpers import HIGH, LOW, NONE, check

from knowledge.legal_aid.reply import PrecheckResult
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.statutes import StatuteLibrary

# -- the reply


def every_kind_of_result(legal_aid_rules: LegalAidRules) -> list[PrecheckResult]:
    statuses = [s.id for s in [*legal_aid_rules.exemptions, *legal_aid_rules.presumed_statuses]]
    results = []
    for matter in legal_aid_rules.matters:
        for finances in (LOW, HIGH, NONE):
            results.append(check(legal_aid_rules, matter.id, finances=finances))
        results.append(check(legal_aid_rules, matter.id, has_lawyer=True))
        results.extend(check(legal_aid_rules, matter.id, {status}) for status in statuses)
        results.append(
            check(legal_aid_rules, matter.id, urgent=frozenset(u.id for u in legal_aid_rules.urgent_situations))
        )
    return results


def test_every_kind_of_result_occurs(legal_aid_rules: LegalAidRules) -> None:
    verdicts = {result.verdict for result in every_kind_of_result(legal_aid_rules)}
    assert verdicts == {"likely_eligible", "likely_not", "needs_review"}


def test_text_always_says_pre_check_and_offers_the_human_paths(legal_aid_rules: LegalAidRules) -> None:
    for result in every_kind_of_result(legal_aid_rules):
        text = result.text()
        assert legal_aid_rules.data.texts.disclaimer in text
        assert "预检" in text and "法律援助机构" in text and "决定" in text
        for path in ("人民调解", "12348", "律师"):
            assert path in text, (result.verdict, path)
        assert getattr(legal_aid_rules.data.texts.verdicts, result.verdict) in text
        assert result.where_to_apply in text and result.timeline in text
        for reason in result.reasons:
            assert reason.text in text
            if reason.citation:
                assert reason.citation in text


def test_every_cited_label_in_a_result_resolves(legal_aid_rules: LegalAidRules, statutes: StatuteLibrary) -> None:
    # The web page links each label to /api/statutes?cite=…: it has to resolve.
    labels = {r.citation for result in every_kind_of_result(legal_aid_rules) for r in result.reasons if r.citation}
    assert labels and all(statutes.cite(label) is not None for label in labels)


def test_where_to_apply_names_the_offices(legal_aid_rules: LegalAidRules) -> None:
    assert legal_aid_rules.apply_office_id == "legal-aid-center"
    assert legal_aid_rules.helper_office_id == "justice-office"
    result = check(legal_aid_rules, "unpaid_wages", finances=LOW)
    assert "法律援助中心" in result.where_to_apply and "司法所" in result.where_to_apply
    assert "第三十八条" in result.where_to_apply
    assert "七天" in result.timeline and "三天" in result.timeline and "一次性" in result.timeline


def test_a_refusal_explains_how_to_object(legal_aid_rules: LegalAidRules) -> None:
    text = check(legal_aid_rules, "unpaid_wages", finances=HIGH).text()
    assert legal_aid_rules.data.objection.text in text and "第四十九条" in text


def test_status_order_does_not_change_the_reply(legal_aid_rules: LegalAidRules) -> None:
    one = check(legal_aid_rules, "unpaid_wages", {"migrant_worker", "social_assistance", "abuse_or_dv_victim"})
    two = check(legal_aid_rules, "unpaid_wages", {"abuse_or_dv_victim", "social_assistance", "migrant_worker"})
    assert one.text() == two.text()


def test_the_result_serializes_without_its_wording(legal_aid_rules: LegalAidRules) -> None:
    dumped = check(legal_aid_rules, "unpaid_wages", finances=LOW).model_dump()
    assert "reply" not in dumped and dumped["verdict"] == "likely_eligible"
