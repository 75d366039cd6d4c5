"""Legal-aid eligibility pre-check (法律援助法), driven by knowledge/data/legal_aid.yml.

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

import string
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.entries import Citation

DEFAULT_PATH = Path(__file__).parent / "data" / "legal_aid.yml"

Verdict = Literal["likely_eligible", "likely_not", "needs_review"]
MatterKind = Literal["covered", "review", "provincial", "ground", "criminal_defence", "not_covered"]
_Hardship = Literal["pass", "fail", "unknown"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# The data file


class Note(_Frozen):
    text: str = Field(min_length=1)
    citation: Citation | None = None


class CitedText(_Frozen):
    text: str = Field(min_length=1)
    citation: Citation


class _Item(_Frozen):
    """Something a resident can name in their own words: a matter, a status, an urgent situation."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    # "A|B+C|D": (A or B) and (C or D) must appear; see the data file's header.
    keywords: list[str] = []

    @field_validator("keywords")
    @classmethod
    def _well_formed(cls, keywords: list[str]) -> list[str]:
        for keyword in keywords:
            if any(not alternative.strip() for group in keyword.split("+") for alternative in group.split("|")):
                raise ValueError(f"malformed keyword {keyword!r}: empty part")
        return keywords


class Matter(_Item):
    kind: MatterKind
    item: int | None = Field(default=None, ge=1)  # item number within the cited article
    materials: list[str] = []
    notes: list[Note] = []
    # Replace the usual where-to-apply and timeline texts (criminal defence: 第三十六条, 第三十九条).
    where: CitedText | None = None
    timeline: CitedText | None = None
    citation: Citation | None = None

    @model_validator(mode="after")
    def _explained(self) -> Matter:
        if self.kind in ("covered", "review", "ground") and self.citation is None:
            raise ValueError(f"matter {self.id}: a {self.kind} matter needs the citation that lists it")
        if self.kind != "covered" and not self.notes:
            raise ValueError(f"matter {self.id}: a {self.kind} matter needs notes explaining it")
        return self


class Status(_Item):
    """A 第三十二条 ground or a 第四十二条 status."""

    item: int = Field(ge=1)
    open_ended: bool = False  # "法律、法规、规章规定的其他…": only the office can confirm it
    proof: list[str] = Field(min_length=1)
    # The matters the ground or status concerns (None: all). Every 第三十二条 ground but the
    # open-ended one names its matters: it lifts the hardship condition for the related claim only.
    matters: list[str] | None = None
    citation: Citation


class UrgentSituation(_Item):
    item: int = Field(ge=1)
    open_ended: bool = False
    citation: Citation


class Figure(_Frozen):
    name: str = Field(min_length=1)
    amount: Decimal = Field(gt=0)  # yuan per person per month
    source: str = Field(min_length=1)


class IncomePerMemberAtMost(_Frozen):
    kind: Literal["income_per_member_at_most"]
    figure: str
    citation: Citation


class IncomePerMemberAtMostMultipleOf(_Frozen):
    kind: Literal["income_per_member_at_most_multiple_of"]
    figure: str
    multiple: Decimal = Field(gt=0)
    citation: Citation


HardshipRule = Annotated[IncomePerMemberAtMost | IncomePerMemberAtMostMultipleOf, Field(discriminator="kind")]


class Materials(_Frozen):
    common: list[str] = Field(min_length=1)
    finances: list[str] = Field(min_length=1)  # only when the hardship test is applied


class ApplyAt(CitedText):
    office: str = Field(min_length=1)  # office ids of knowledge/data/district/offices.yml
    helper_office: str = Field(min_length=1)


class UrgentText(CitedText):
    with_lawyer: str = Field(min_length=1)


class Template(_Frozen):
    text: str = Field(min_length=1)
    citation: Citation | None = None  # None: the engine cites the matter or status concerned


class ReasonTemplates(_Frozen):
    covered_matter: Template
    review_matter: Template
    provincial_matter: Template
    ground_matter: Template
    criminal_defence: Template
    not_covered: Template
    has_lawyer: Template
    exempt: Template
    exempt_open_ended: Template
    exempt_not_for_matter: Template
    presumed: Template
    presumed_open_ended: Template
    presumed_not_for_matter: Template
    hardship_pass: Template
    hardship_fail: Template
    hardship_unknown: Template


class HardshipRuleTexts(_Frozen):
    income_per_member_at_most: str
    income_per_member_at_most_multiple_of: str


class VerdictTexts(_Frozen):
    likely_eligible: str
    likely_not: str
    needs_review: str


class ReplyTexts(_Frozen):
    hardship_rule: HardshipRuleTexts
    reasons: ReasonTemplates
    verdicts: VerdictTexts
    title: str
    reasons_heading: str
    materials_heading: str
    where_heading: str
    timeline_heading: str
    urgent_heading: str
    objection_heading: str
    other_help_heading: str
    cited: str
    urgent_situations: str
    separator: str = "、"
    human_paths: str = Field(min_length=1)
    disclaimer: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_placeholders(self) -> ReplyTexts:
        # A typo in a placeholder would otherwise surface only when that branch is first taken.
        money = {"rule", "household_size", "income", "per_member"}
        allowed: dict[str, tuple[str, set[str]]] = {
            "hardship_rule.income_per_member_at_most": (
                self.hardship_rule.income_per_member_at_most,
                {"figure_name", "figure_amount", "source"},
            ),
            "hardship_rule.income_per_member_at_most_multiple_of": (
                self.hardship_rule.income_per_member_at_most_multiple_of,
                {"figure_name", "figure_amount", "source", "multiple", "threshold"},
            ),
            "reasons.presumed_not_for_matter": (self.reasons.presumed_not_for_matter.text, {"title", "matters"}),
            "reasons.exempt_not_for_matter": (self.reasons.exempt_not_for_matter.text, {"title", "matters"}),
            "reasons.hardship_pass": (self.reasons.hardship_pass.text, money),
            "reasons.hardship_fail": (self.reasons.hardship_fail.text, money),
            "reasons.hardship_unknown": (self.reasons.hardship_unknown.text, {"rule"}),
            "cited": (self.cited, {"text", "citation"}),
            "urgent_situations": (self.urgent_situations, {"situations"}),
        }
        titled = (
            "covered_matter",
            "review_matter",
            "provincial_matter",
            "ground_matter",
            "not_covered",
            "exempt",
            "exempt_open_ended",
            "presumed",
        )
        for name in (*titled, "presumed_open_ended"):
            allowed[f"reasons.{name}"] = (getattr(self.reasons, name).text, {"title"})
        for name in ("criminal_defence", "has_lawyer"):
            allowed[f"reasons.{name}"] = (getattr(self.reasons, name).text, set())
        for where, (template, names) in allowed.items():
            used = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
            if used - names:
                raise ValueError(f"texts.{where}: unknown placeholder(s) {sorted(used - names)}")
        return self


class LegalAidData(_Frozen):
    reviewed_on: date
    hardship: HardshipRule
    figures: dict[str, Figure]
    matters: list[Matter] = Field(min_length=1)
    exemptions: list[Status] = Field(min_length=1)
    presumed_statuses: list[Status] = Field(min_length=1)
    urgent_situations: list[UrgentSituation] = Field(min_length=1)
    materials: Materials
    apply: ApplyAt
    timeline: CitedText
    objection: CitedText
    integrity: CitedText
    urgent: UrgentText
    forms_of_help: CitedText
    texts: ReplyTexts

    @model_validator(mode="after")
    def _consistent(self) -> LegalAidData:
        _unique("matter", (m.id for m in self.matters))
        # Grounds and statuses arrive in one set (PrecheckAnswers.statuses): one namespace.
        _unique("status", (s.id for s in [*self.exemptions, *self.presumed_statuses]))
        _unique("urgent situation", (u.id for u in self.urgent_situations))
        if self.hardship.figure not in self.figures:
            raise ValueError(f"hardship rule uses unknown figure {self.hardship.figure!r}")
        matter_ids = {m.id for m in self.matters}
        for status in self.exemptions:
            if status.open_ended and status.matters is not None:
                raise ValueError(
                    f"exemption {status.id}: the open-ended ground is checked by the office for any matter"
                )
            if not status.open_ended and not status.matters:
                raise ValueError(f"exemption {status.id}: a 第三十二条 ground needs the matters it concerns")
        for status in [*self.exemptions, *self.presumed_statuses]:
            unknown = set(status.matters or []) - matter_ids
            if unknown:
                raise ValueError(f"status {status.id}: unknown matters {sorted(unknown)}")
        tied = {m for s in self.exemptions for m in s.matters or []}
        for matter in self.matters:
            if matter.kind == "ground" and matter.id not in tied:
                raise ValueError(f"matter {matter.id}: a ground matter needs a 第三十二条 ground that concerns it")
        return self


def _unique(what: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ValueError(f"duplicate {what} id: {item_id}")
        seen.add(item_id)


# ---------------------------------------------------------------------------------------------
# Answers in, result out


class PrecheckAnswers(_Frozen):
    """What the form collected."""

    matter: str  # a matter id from the data
    statuses: frozenset[str] = frozenset()  # ids of 第三十二条 grounds / 第四十二条 statuses that apply
    household_size: int | None = Field(default=None, ge=1)
    monthly_household_income: Decimal | None = Field(default=None, ge=0)  # yuan per month
    has_lawyer: bool = False  # a lawyer is already engaged (a relative helping informally is not)
    urgent: frozenset[str] = frozenset()  # ids of 第四十四条 situations


class Reason(_Frozen):
    text: str
    citation: str | None = None  # a label such as 法律援助法第三十一条


class ReplyParts(_Frozen):
    """The data-file wording a result needs to render itself."""

    texts: ReplyTexts
    urgent: str | None
    objection: str
    forms_of_help: str


class PrecheckResult(_Frozen):
    verdict: Verdict
    reasons: list[Reason]
    materials: list[str]
    where_to_apply: str
    timeline: str
    urgent_help: bool
    hardship_rule: str | None  # the standard applied, in words; None when no income test applied
    reply: ReplyParts = Field(exclude=True, repr=False)

    def text(self) -> str:
        """The Chinese reply; always says it is a pre-check and offers the human paths."""
        texts = self.reply.texts
        lines = [texts.title + getattr(texts.verdicts, self.verdict)]
        if self.urgent_help and self.reply.urgent:
            lines.append(texts.urgent_heading + self.reply.urgent)
        if self.reasons:
            lines.append(texts.reasons_heading)
            for number, reason in enumerate(self.reasons, start=1):
                body = (
                    texts.cited.format(text=reason.text, citation=reason.citation) if reason.citation else reason.text
                )
                lines.append(f"{number}. {body}")
        if self.materials:
            lines.append(texts.materials_heading)
            lines.extend(f"- {material}" for material in self.materials)
        lines.append(texts.where_heading + self.where_to_apply)
        lines.append(texts.timeline_heading + self.timeline)
        if self.verdict == "likely_eligible":
            lines.append(self.reply.forms_of_help)
        else:
            lines.append(texts.objection_heading + self.reply.objection)
        lines.append(texts.other_help_heading + texts.human_paths)
        lines.append(texts.disclaimer)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The engine


class LegalAidRules:
    def __init__(self, data: LegalAidData):
        self.data = data
        self._matters = {m.id: m for m in data.matters}
        self._exemptions = {s.id: s for s in data.exemptions}
        self._presumed = {s.id: s for s in data.presumed_statuses}
        self._urgent = {u.id: u for u in data.urgent_situations}

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> LegalAidRules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls.from_dict(raw)
        except ValueError as error:  # pydantic's ValidationError and YAML errors
            raise ValueError(f"{path.name}: {error}") from error

    @classmethod
    def from_dict(cls, raw: Any) -> LegalAidRules:
        return cls(LegalAidData.model_validate(raw))

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
        values = {"figure_name": figure.name, "figure_amount": _yuan(figure.amount), "source": figure.source}
        if isinstance(rule, IncomePerMemberAtMostMultipleOf):
            template = self.data.texts.hardship_rule.income_per_member_at_most_multiple_of
            values |= {"multiple": _yuan(rule.multiple), "threshold": _yuan(self.hardship_threshold)}
        else:
            template = self.data.texts.hardship_rule.income_per_member_at_most
        return template.format(**values)

    def citations(self) -> list[tuple[str, Citation]]:
        """Every citation in the data with where it sits, for the test that checks them."""
        return list(_citations(self.data, "legal_aid"))

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
            reasons += [_reason(reasons_t.criminal_defence), *map(_note, matter.notes)]
        elif answers.has_lawyer:
            verdict = "likely_not"
            reasons.append(_reason(reasons_t.has_lawyer))
            materials = []
        elif grounds:
            # The re-trial condition of a review matter stays for the office to check (第三十三条).
            verdict = "needs_review" if matter.kind == "review" else "likely_eligible"
            if matter.kind in ("covered", "review"):
                reasons.append(_matter_reason(reasons_t, matter))
            if matter.kind == "review":
                reasons += map(_note, matter.notes)
            reasons += [_reason(reasons_t.exempt, s.citation, title=s.title) for s in grounds]
            materials += [proof for s in grounds for proof in s.proof]
        elif matter.kind in ("not_covered", "ground"):
            reasons += [_matter_reason(reasons_t, matter), *map(_note, matter.notes)]
            reasons += self._not_for_matter(exempt, matter)
            reasons += [_reason(reasons_t.exempt_open_ended, s.citation, title=s.title) for s in open_exempt]
            verdict = "needs_review" if open_exempt or matter.kind == "ground" else "likely_not"
        else:
            outcome: _Hardship | Literal["presumed"]
            reasons += [_matter_reason(reasons_t, matter), *map(_note, matter.notes)]
            reasons += self._not_for_matter([*exempt, *presumed], matter)
            applicable = [s for s in presumed if _applies(s, matter)]
            if proven := [s for s in applicable if not s.open_ended]:
                outcome = "presumed"
                reasons += [_reason(reasons_t.presumed, s.citation, title=s.title) for s in proven]
                materials += [proof for s in proven for proof in s.proof]
            else:
                hardship_rule = self.hardship_rule_text
                outcome, reason = self._hardship(answers, hardship_rule)
                reasons += [reason, _cited_reason(self.data.integrity)]
                materials += self.data.materials.finances
                open_ended = [*open_exempt, *applicable]  # only open-ended ones are left here
                reasons += [
                    _reason(
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
            reasons.append(_reason(template, status.citation, title=status.title, matters=titles))
        return reasons

    def _hardship(self, answers: PrecheckAnswers, rule: str) -> tuple[_Hardship, Reason]:
        reasons_t = self.data.texts.reasons
        citation = self.data.hardship.citation
        size, income = answers.household_size, answers.monthly_household_income
        if size is None or income is None:
            return "unknown", _reason(reasons_t.hardship_unknown, citation, rule=rule)
        # Compare totals, not a rounded per-member figure, so "at the figure" is exact.
        within = income <= self.hardship_threshold * size
        values = {"rule": rule, "household_size": size, "income": _yuan(income), "per_member": _yuan(income / size)}
        if within:
            return "pass", _reason(reasons_t.hardship_pass, citation, **values)
        return "fail", _reason(reasons_t.hardship_fail, citation, **values)

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


_MATTER_TEMPLATES = {
    "covered": "covered_matter",
    "review": "review_matter",
    "provincial": "provincial_matter",
    "ground": "ground_matter",
    "not_covered": "not_covered",
}


def _matter_reason(reasons_t: ReasonTemplates, matter: Matter) -> Reason:
    """What kind of matter it is, citing the template's article or else the matter's own."""
    template: Template = getattr(reasons_t, _MATTER_TEMPLATES[matter.kind])
    return _reason(template, matter.citation, title=matter.title)


def _reason(template: Template, citation: Citation | None = None, **values: object) -> Reason:
    cited = template.citation or citation
    return Reason(text=template.text.format(**values), citation=cited.label if cited else None)


def _note(note: Note) -> Reason:
    return Reason(text=note.text, citation=note.citation.label if note.citation else None)


def _cited_reason(item: CitedText) -> Reason:
    return Reason(text=item.text, citation=item.citation.label)


def _yuan(amount: Decimal) -> str:
    """Money for display: two decimals at most, none when whole (2100, 1033.33)."""
    rounded = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded:.0f}" if rounded == rounded.to_integral_value() else f"{rounded:.2f}"


def _normalize(text: str) -> str:
    return "".join(text.split()).casefold()


def _keyword_score(keyword: str, text: str) -> int:
    """Characters matched, 0 unless every +-group has an alternative in the text."""
    total = 0
    for group in keyword.split("+"):
        best = max((len(alt) for alt in group.split("|") if _normalize(alt) in text), default=0)
        if not best:
            return 0
        total += best
    return total


def _scores(items: Iterable[_Item], text: str) -> dict[str, int]:
    """Best keyword score of every item that matches; the longest match is the most specific."""
    normalized = _normalize(text)
    scores: dict[str, int] = {}
    for item in items:
        score = max((_keyword_score(k, normalized) for k in item.keywords), default=0)
        if score:
            scores[item.id] = score
    return scores


def _citations(value: object, where: str) -> Iterator[tuple[str, Citation]]:
    if isinstance(value, Citation):
        yield where, value
    elif isinstance(value, BaseModel):
        label = getattr(value, "id", None)
        for name in type(value).model_fields:
            yield from _citations(getattr(value, name), f"{label or where}.{name}")
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            yield from _citations(element, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from _citations(element, f"{where}.{key}")
