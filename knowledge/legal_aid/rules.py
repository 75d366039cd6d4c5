"""Legal-aid eligibility pre-check (法律援助法): the engine over knowledge/data/legal_aid.yml.

The engine gives a PRE-CHECK, never a decision: the legal-aid office decides (法律援助法第四十三条).
Which matters qualify, which grounds remove or presume the hardship test, the district's hardship
standard and every sentence shown to the resident are data; this module only combines them.

Order of the checks (each choice follows the articles named):
1. Criminal defence (第二十四条至第二十八条) is arranged by police, procuratorate and court: explained,
   not screened → needs_review, whatever else was answered.
2. Already has a lawyer → likely_not: aid is for people who have no representative (第三十一条), and
   aid ends when the recipient hires one (第四十八条第六项). The form asks about a lawyer engaged,
   not about a relative who helps.
3. A 第三十二条 ground that concerns the matter → likely_eligible without any hardship test. A ground
   lifts the hardship condition only for the claim it names ("为维护英雄烈士的人格权益", "主张相关权益"),
   so each ground lists the matters it concerns; a 再审改判无罪 ground only the state-compensation claim
   that follows an acquittal on re-trial (第三十三条: the re-trial has to have been ordered first).
   A ground that does not concern the matter is explained and changes nothing: the matter goes
   through the steps below as if it had not been claimed.
4. A matter outside the listed ones → likely_not (needs_review if an open-ended "other as set by
   law" ground was claimed, which only the office can check). A claim that qualifies only through
   a 第三十二条 ground (kind `ground`) without that ground → needs_review: the office checks it.
5. Listed matter: hardship presumed on proof of a 第四十二条 status that applies to the matter
   (migrant workers: wages, confirming the employment the wages rest on, and work injury);
   otherwise the district's standard (第三十四条) decides: within → likely_eligible, above →
   likely_not, unknown → needs_review. Matters listed only on conditions the office checks
   (第三十一条第九项, 第三十三条 re-trial) and matters provinces commonly add under 第九项 (婚姻家庭,
   继承: kind `provincial`) get needs_review at best.
An open-ended status ("other as set by law") never decides, but turns a failed income check into
needs_review because the local rule it refers to might waive the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from knowledge.datafile import Frozen, load_yaml_model
from knowledge.entries import Citation
from knowledge.legal_aid.reply import (
    PrecheckResult,
    Reason,
    ReplyParts,
    Verdict,
    cited_reason,
    matter_reason,
    note_reason,
    reason_from,
    yuan,
)
from knowledge.legal_aid.schema import (
    LEGAL_AID_FILE,
    CitedText,
    IncomePerMemberAtMostMultipleOf,
    KeywordItem,
    LegalAidFile,
    Matter,
    Status,
    UrgentSituation,
    citations_in,
)
from knowledge.matching import compact

_Hardship = Literal["pass", "fail", "unknown"]


class PrecheckAnswers(Frozen):
    """What the form collected."""

    matter: str  # a matter id from the data
    statuses: frozenset[str] = frozenset()  # ids of 第三十二条 grounds / 第四十二条 statuses that apply
    household_size: int | None = Field(default=None, ge=1)
    monthly_household_income: Decimal | None = Field(default=None, ge=0)  # yuan per month
    has_lawyer: bool = False  # a lawyer is already engaged (a relative helping informally is not)
    urgent: frozenset[str] = frozenset()  # ids of 第四十四条 situations


class LegalAidRules:
    def __init__(self, data: LegalAidFile):
        self.data = data
        self._matters = {m.id: m for m in data.matters}
        self._exemptions = {s.id: s for s in data.exemptions}
        self._presumed = {s.id: s for s in data.presumed_statuses}
        self._urgent = {u.id: u for u in data.urgent_situations}

    @classmethod
    def load(cls, path: Path = LEGAL_AID_FILE) -> LegalAidRules:
        return cls(load_yaml_model(LegalAidFile, path))

    @classmethod
    def from_dict(cls, raw: Any) -> LegalAidRules:
        return cls(LegalAidFile.model_validate(raw))

    # -- the items, for forms and buttons

    @property
    def matters(self) -> list[Matter]:
        return list(self.data.matters)

    @property
    def exemptions(self) -> list[Status]:
        return list(self.data.exemptions)

    @property
    def presumed_statuses(self) -> list[Status]:
        return list(self.data.presumed_statuses)

    @property
    def urgent_situations(self) -> list[UrgentSituation]:
        return list(self.data.urgent_situations)

    @property
    def apply_office_id(self) -> str:
        return self.data.apply.office

    @property
    def helper_office_id(self) -> str:
        return self.data.apply.helper_office

    @property
    def hardship_threshold(self) -> Decimal:
        """Household income per member per month at or below which hardship is met."""
        rule = self.data.hardship
        amount = self.data.figures[rule.figure].amount
        return amount * rule.multiple if isinstance(rule, IncomePerMemberAtMostMultipleOf) else amount

    @property
    def hardship_rule_text(self) -> str:
        rule = self.data.hardship
        figure = self.data.figures[rule.figure]
        values = {"figure_name": figure.name, "figure_amount": yuan(figure.amount), "source": figure.source}
        if isinstance(rule, IncomePerMemberAtMostMultipleOf):
            template = self.data.texts.hardship_rule.income_per_member_at_most_multiple_of
            values |= {"multiple": yuan(rule.multiple), "threshold": yuan(self.hardship_threshold)}
        else:
            template = self.data.texts.hardship_rule.income_per_member_at_most
        return template.format(**values)

    def citations(self) -> list[tuple[str, Citation]]:
        """Every citation in the data with where it sits, for the test that checks them."""
        return list(citations_in(self.data, "legal_aid"))

    # -- matching a resident's words

    def match_matter(self, text: str) -> str | None:
        scores = _scores(self.data.matters, text)
        return max(scores, key=lambda item_id: scores[item_id]) if scores else None

    def match_statuses(self, text: str) -> frozenset[str]:
        return frozenset(_scores([*self.data.exemptions, *self.data.presumed_statuses], text))

    def match_urgent(self, text: str) -> frozenset[str]:
        return frozenset(_scores(self.data.urgent_situations, text))

    # -- the pre-check

    def needs_finances(self, answers_so_far: PrecheckAnswers) -> bool:
        """Whether the income answers could still change the pre-check (else the form skips them)."""
        matter = self._matter(answers_so_far.matter)
        exempt, presumed = self._statuses(answers_so_far.statuses)
        if matter.kind in ("criminal_defence", "not_covered", "ground") or answers_so_far.has_lawyer:
            return False
        if any(not s.open_ended and _applies(s, matter) for s in exempt):
            return False
        return not any(not s.open_ended and _applies(s, matter) for s in presumed)

    def precheck(self, answers: PrecheckAnswers) -> PrecheckResult:
        matter = self._matter(answers.matter)
        exempt, presumed = self._statuses(answers.statuses)
        grounds = [s for s in exempt if not s.open_ended and _applies(s, matter)]
        open_exempt = [s for s in exempt if s.open_ended]
        urgent = [self._urgent_situation(u) for u in sorted(answers.urgent)]
        reasons_t = self.data.texts.reasons
        reasons: list[Reason] = []
        materials = [*self.data.materials.common, *matter.materials]
        hardship_rule: str | None = None

        verdict: Verdict
        if matter.kind == "criminal_defence":
            verdict = "needs_review"
            reasons += [reason_from(reasons_t.criminal_defence), *map(note_reason, matter.notes)]
        elif answers.has_lawyer:
            verdict = "likely_not"
            reasons.append(reason_from(reasons_t.has_lawyer))
            materials = []
        elif grounds:
            # The re-trial condition of a review matter stays for the office to check (第三十三条).
            verdict = "needs_review" if matter.kind == "review" else "likely_eligible"
            if matter.kind in ("covered", "review"):
                reasons.append(matter_reason(reasons_t, matter))
            if matter.kind == "review":
                reasons += map(note_reason, matter.notes)
            reasons += [reason_from(reasons_t.exempt, s.citation, title=s.title) for s in grounds]
            materials += [proof for s in grounds for proof in s.proof]
        elif matter.kind in ("not_covered", "ground"):
            reasons += [matter_reason(reasons_t, matter), *map(note_reason, matter.notes)]
            reasons += self._not_for_matter(exempt, matter)
            reasons += [reason_from(reasons_t.exempt_open_ended, s.citation, title=s.title) for s in open_exempt]
            verdict = "needs_review" if open_exempt or matter.kind == "ground" else "likely_not"
        else:
            outcome: _Hardship | Literal["presumed"]
            reasons += [matter_reason(reasons_t, matter), *map(note_reason, matter.notes)]
            reasons += self._not_for_matter([*exempt, *presumed], matter)
            applicable = [s for s in presumed if _applies(s, matter)]
            if proven := [s for s in applicable if not s.open_ended]:
                outcome = "presumed"
                reasons += [reason_from(reasons_t.presumed, s.citation, title=s.title) for s in proven]
                materials += [proof for s in proven for proof in s.proof]
            else:
                hardship_rule = self.hardship_rule_text
                outcome, reason = self._hardship(answers, hardship_rule)
                reasons += [reason, cited_reason(self.data.integrity)]
                materials += self.data.materials.finances
                open_ended = [*open_exempt, *applicable]  # only open-ended ones are left here
                reasons += [
                    reason_from(
                        reasons_t.exempt_open_ended if s in open_exempt else reasons_t.presumed_open_ended,
                        s.citation,
                        title=s.title,
                    )
                    for s in open_ended
                ]
                materials += [proof for s in open_ended for proof in s.proof]
                if outcome == "fail" and open_ended:
                    outcome = "unknown"  # the rule the status refers to might waive the check
            if outcome == "fail":
                verdict = "likely_not"
            elif outcome == "unknown" or matter.kind in ("review", "provincial"):
                verdict = "needs_review"
            else:
                verdict = "likely_eligible"

        urgent_text: str | None = None
        if urgent:
            listed = self.data.texts.urgent_situations.format(
                situations=self.data.texts.separator.join(u.title for u in urgent)
            )
            action = self.data.urgent.with_lawyer if answers.has_lawyer else self._cited(self.data.urgent)
            urgent_text = listed + action
        return PrecheckResult(
            verdict=verdict,
            reasons=reasons,
            materials=list(dict.fromkeys(materials)),
            where_to_apply=self._cited(matter.where or self.data.apply),
            timeline=self._cited(matter.timeline or self.data.timeline),
            urgent_help=bool(urgent),
            hardship_rule=hardship_rule,
            reply=ReplyParts(
                texts=self.data.texts,
                urgent=urgent_text,
                objection=self._cited(self.data.objection),
                forms_of_help=self._cited(self.data.forms_of_help),
            ),
        )

    # -- helpers

    def _not_for_matter(self, statuses: list[Status], matter: Matter) -> list[Reason]:
        """Why a ground or status the resident named does not change the pre-check of this matter."""
        reasons_t = self.data.texts.reasons
        reasons = []
        for status in statuses:
            if status.open_ended or _applies(status, matter):
                continue
            template = (
                reasons_t.exempt_not_for_matter if status.id in self._exemptions else reasons_t.presumed_not_for_matter
            )
            titles = self.data.texts.separator.join(self._matters[m].title for m in status.matters or [])
            reasons.append(reason_from(template, status.citation, title=status.title, matters=titles))
        return reasons

    def _hardship(self, answers: PrecheckAnswers, rule: str) -> tuple[_Hardship, Reason]:
        reasons_t = self.data.texts.reasons
        citation = self.data.hardship.citation
        size, income = answers.household_size, answers.monthly_household_income
        if size is None or income is None:
            return "unknown", reason_from(reasons_t.hardship_unknown, citation, rule=rule)
        # Compare totals, not a rounded per-member figure, so "at the figure" is exact.
        within = income <= self.hardship_threshold * size
        values = {"rule": rule, "household_size": size, "income": yuan(income), "per_member": yuan(income / size)}
        if within:
            return "pass", reason_from(reasons_t.hardship_pass, citation, **values)
        return "fail", reason_from(reasons_t.hardship_fail, citation, **values)

    def _cited(self, item: CitedText) -> str:
        return self.data.texts.cited.format(text=item.text, citation=item.citation.label)

    def _matter(self, matter_id: str) -> Matter:
        if matter_id not in self._matters:
            raise ValueError(f"unknown legal-aid matter: {matter_id!r}")
        return self._matters[matter_id]

    def _statuses(self, ids: frozenset[str]) -> tuple[list[Status], list[Status]]:
        exempt: list[Status] = []
        presumed: list[Status] = []
        for status_id in sorted(ids):
            if status_id in self._exemptions:
                exempt.append(self._exemptions[status_id])
            elif status_id in self._presumed:
                presumed.append(self._presumed[status_id])
            else:
                raise ValueError(f"unknown legal-aid status: {status_id!r}")
        # Keep the data file's order, so replies read the same whatever order the form used.
        order = {s.id: n for n, s in enumerate([*self.data.exemptions, *self.data.presumed_statuses])}
        return sorted(exempt, key=lambda s: order[s.id]), sorted(presumed, key=lambda s: order[s.id])

    def _urgent_situation(self, situation_id: str) -> UrgentSituation:
        if situation_id not in self._urgent:
            raise ValueError(f"unknown urgent situation: {situation_id!r}")
        return self._urgent[situation_id]


def _applies(status: Status, matter: Matter) -> bool:
    return status.matters is None or matter.id in status.matters


def _keyword_score(keyword: str, text: str) -> int:
    """Characters matched, 0 unless every +-group has an alternative in the text."""
    total = 0
    for group in keyword.split("+"):
        best = max((len(alt) for alt in group.split("|") if compact(alt) in text), default=0)
        if not best:
            return 0
        total += best
    return total


def _scores(items: Iterable[KeywordItem], text: str) -> dict[str, int]:
    """Best keyword score of every item that matches; the longest match is the most specific."""
    normalized = compact(text)
    scores: dict[str, int] = {}
    for item in items:
        score = max((_keyword_score(k, normalized) for k in item.keywords), default=0)
        if score:
            scores[item.id] = score
    return scores
