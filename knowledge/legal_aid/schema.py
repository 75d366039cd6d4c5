"""The legal-aid data file (knowledge/data/legal_aid.yml): its schema, checked at load.

Which matters qualify, which grounds remove or presume the hardship test, the district's hardship
standard and every sentence the resident reads are data; `rules.py` only combines them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from knowledge.datafile import DATA_DIR, Frozen, check_placeholders, unique_ids
from knowledge.entries import Citation

LEGAL_AID_FILE = DATA_DIR / "legal_aid.yml"

MatterKind = Literal["covered", "review", "provincial", "ground", "criminal_defence", "not_covered"]


class Note(Frozen):
    text: str = Field(min_length=1)
    citation: Citation | None = None


class CitedText(Frozen):
    text: str = Field(min_length=1)
    citation: Citation


class KeywordItem(Frozen):
    """Something a resident can name in their own words: a matter, a status, an urgent situation."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    # "A|B+C|D": (A or B) and (C or D) must appear; see the data file's header.
    keywords: list[str] = Field(default_factory=list)

    @field_validator("keywords")
    @classmethod
    def _well_formed(cls, keywords: list[str]) -> list[str]:
        for keyword in keywords:
            if any(not alternative.strip() for group in keyword.split("+") for alternative in group.split("|")):
                raise ValueError(f"malformed keyword {keyword!r}: empty part")
        return keywords


class Matter(KeywordItem):
    kind: MatterKind
    item: int | None = Field(default=None, ge=1)  # item number within the cited article
    materials: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
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


class Status(KeywordItem):
    """A 第三十二条 ground or a 第四十二条 status."""

    item: int = Field(ge=1)
    open_ended: bool = False  # "法律、法规、规章规定的其他…": only the office can confirm it
    proof: list[str] = Field(min_length=1)
    # The matters the ground or status concerns (None: all). Every 第三十二条 ground but the
    # open-ended one names its matters: it lifts the hardship condition for the related claim only.
    matters: list[str] | None = None
    citation: Citation


class UrgentSituation(KeywordItem):
    item: int = Field(ge=1)
    open_ended: bool = False
    citation: Citation


class Figure(Frozen):
    name: str = Field(min_length=1)
    amount: Decimal = Field(gt=0)  # yuan per person per month
    source: str = Field(min_length=1)


class IncomePerMemberAtMost(Frozen):
    kind: Literal["income_per_member_at_most"]
    figure: str
    citation: Citation


class IncomePerMemberAtMostMultipleOf(Frozen):
    kind: Literal["income_per_member_at_most_multiple_of"]
    figure: str
    multiple: Decimal = Field(gt=0)
    citation: Citation


HardshipRule = Annotated[IncomePerMemberAtMost | IncomePerMemberAtMostMultipleOf, Field(discriminator="kind")]


class Materials(Frozen):
    common: list[str] = Field(min_length=1)
    finances: list[str] = Field(min_length=1)  # only when the hardship test is applied


class ApplyAt(CitedText):
    office: str = Field(min_length=1)  # office ids of knowledge/data/district/offices.yml
    helper_office: str = Field(min_length=1)


class UrgentText(CitedText):
    with_lawyer: str = Field(min_length=1)


class Template(Frozen):
    text: str = Field(min_length=1)
    citation: Citation | None = None  # None: the engine cites the matter or status concerned


class ReasonTemplates(Frozen):
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


class HardshipRuleTexts(Frozen):
    income_per_member_at_most: str
    income_per_member_at_most_multiple_of: str


class VerdictTexts(Frozen):
    likely_eligible: str
    likely_not: str
    needs_review: str


class LegalAidTexts(Frozen):
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
    def _known_placeholders(self) -> LegalAidTexts:
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
            check_placeholders(f"texts.{where}", template, names)
        return self


class LegalAidFile(Frozen):
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
    texts: LegalAidTexts

    @model_validator(mode="after")
    def _consistent(self) -> LegalAidFile:
        unique_ids("matter", (m.id for m in self.matters))
        # Grounds and statuses arrive in one set (PrecheckAnswers.statuses): one namespace.
        unique_ids("status", (s.id for s in [*self.exemptions, *self.presumed_statuses]))
        unique_ids("urgent situation", (u.id for u in self.urgent_situations))
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


def citations_in(value: object, where: str) -> Iterator[tuple[str, Citation]]:
    """Every citation inside a data-file model, with the path to it (legal_aid.matters.wages.citation)."""
    if isinstance(value, Citation):
        yield where, value
    elif isinstance(value, BaseModel):
        label = getattr(value, "id", None)
        for name in type(value).model_fields:
            yield from citations_in(getattr(value, name), f"{label or where}.{name}")
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            yield from citations_in(element, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from citations_in(element, f"{where}.{key}")
