"""The notarization data file (knowledge/data/notarization.yml): matters, offices' rules, fee scale, wording.

Everything place-specific and every word a resident sees is in the file; this schema checks it at
load (ids, fee brackets, template placeholders, when 公证法第二十六条 is cited).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import Field, field_validator, model_validator

from knowledge.datafile import DATA_DIR, Frozen, check_placeholders, unique_ids
from knowledge.entries import Citation

NOTARIZATION_FILE = DATA_DIR / "notarization.yml"

OfficeRuleId = Literal["general", "property", "general_even_for_property"]

# 公证法第二十六条 names these as matters a person must notarize in person; a matter cites it
# exactly when its data says the statute (not only the offices' practice) requires presence.
_ARTICLE_26 = ("公证法", "第二十六条")


class RuleText(Frozen):
    text: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)


class FeeBracket(Frozen):
    up_to: Decimal | None = Field(default=None, gt=0)  # None: the open top bracket
    rate_percent: Decimal = Field(ge=0, le=100)


class FixedFee(Frozen):
    kind: Literal["fixed"]
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    yuan: Decimal = Field(ge=0)


class ValueFee(Frozen):
    """A fee computed from a value by marginal brackets, as provincial scales do for contracts."""

    kind: Literal["value"]
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    value_basis: str = Field(min_length=1)  # what the value is: 标的额, 继承的遗产价值
    minimum: Decimal = Field(ge=0)
    brackets: list[FeeBracket] = Field(min_length=1)

    @model_validator(mode="after")
    def _brackets_ascend_to_an_open_top(self) -> ValueFee:
        bounds = [bracket.up_to for bracket in self.brackets]
        if bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError(f"fee item {self.id}: only the last bracket is open (no up_to)")
        closed = [bound for bound in bounds if bound is not None]
        if any(lower >= upper for lower, upper in pairwise(closed)):
            raise ValueError(f"fee item {self.id}: bracket limits must increase")
        return self

    def compute(self, value: Decimal) -> Decimal:
        total, lower = Decimal(0), Decimal(0)
        for bracket in self.brackets:
            upper = bracket.up_to if bracket.up_to is not None else value
            if value > lower:
                total += (min(value, upper) - lower) * bracket.rate_percent / 100
            lower = upper
        return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


FeeItem = Annotated[FixedFee | ValueFee, Field(discriminator="kind")]


class FeeTexts(Frozen):
    fixed: str
    computed: str
    minimum_applied: str
    value_needed: str
    first_bracket: str
    middle_bracket: str
    last_bracket: str
    bracket_separator: str
    wan: str  # how whole multiples of 10,000 yuan are written: {count}万

    _ALLOWED: ClassVar[dict[str, set[str]]] = {
        "fixed": {"item", "unit", "amount"},
        "computed": {"item", "value_basis", "value", "amount"},
        "minimum_applied": {"item", "value_basis", "value", "minimum"},
        "value_needed": {"item", "value_basis", "brackets", "minimum"},
        "first_bracket": {"upper", "rate"},
        "middle_bracket": {"lower", "upper", "rate"},
        "last_bracket": {"lower", "rate"},
        "bracket_separator": set(),
        "wan": {"count"},
    }

    @model_validator(mode="after")
    def _known_placeholders(self) -> FeeTexts:
        for name, allowed in self._ALLOWED.items():
            check_placeholders(f"fee_scale.texts.{name}", getattr(self, name), allowed)
        return self


class FeeScale(Frozen):
    note: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)
    texts: FeeTexts
    items: list[FeeItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[FixedFee | ValueFee]) -> list[FixedFee | ValueFee]:
        unique_ids("fee item", (item.id for item in items))
        return items


class FeeReduction(Frozen):
    eligible: str = Field(min_length=1)
    not_eligible: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)


class NotarizationTexts(Frozen):
    heading: str
    materials_heading: str
    material_item: str
    in_person_required: str
    in_person_statute: str
    agent_allowed: str
    where: str
    fee: str
    note: str
    citations: str
    disclaimer: str = Field(min_length=1)  # the reply is guidance, not a lawyer's opinion: its last line

    _ALLOWED: ClassVar[dict[str, set[str]]] = {
        "heading": {"title"},
        "materials_heading": set(),
        "material_item": {"number", "material"},
        "in_person_required": {"note"},
        "in_person_statute": set(),
        "agent_allowed": {"note"},
        "where": {"rule", "district", "notary_office"},
        "fee": {"basis", "scale_note"},
        "note": {"note"},
        "citations": {"citations"},
        "disclaimer": set(),
    }

    @model_validator(mode="after")
    def _known_placeholders(self) -> NotarizationTexts:
        for name, allowed in self._ALLOWED.items():
            check_placeholders(f"texts.{name}", getattr(self, name), allowed)
        return self


class NotaryMatter(Frozen):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    # How residents say it; matched as substrings, so each needs at least two characters.
    aliases: list[Annotated[str, Field(min_length=2)]] = Field(min_length=1)
    materials: list[Annotated[str, Field(min_length=2)]] = Field(min_length=1)
    in_person: bool
    in_person_by_statute: bool  # named in 公证法第二十六条, not only required by the offices' practice
    in_person_note: str = Field(min_length=1)
    office_rule: OfficeRuleId
    typical_working_days: int = Field(ge=1, le=15)  # the statutory limit is 15 (公证法第三十条)
    timeline_note: str | None = None
    fee_item: str
    note: str | None = None
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _presence_matches_its_citation(self) -> NotaryMatter:
        if len(set(self.aliases)) != len(self.aliases):
            raise ValueError(f"matter {self.id}: repeated alias")
        if self.in_person_by_statute and not self.in_person:
            raise ValueError(f"matter {self.id}: in_person_by_statute requires in_person")
        cites_26 = any((c.law, c.article) == _ARTICLE_26 for c in self.citations)
        if cites_26 != self.in_person_by_statute:
            raise ValueError(f"matter {self.id}: cite 公证法第二十六条 exactly when in_person_by_statute is true")
        return self


class NotarizationFile(Frozen):
    district: str = Field(min_length=1)
    assistance_point: RuleText
    office_rules: dict[OfficeRuleId, RuleText]
    timeline: RuleText
    caveat: RuleText
    fee_reduction: FeeReduction
    fee_scale: FeeScale
    texts: NotarizationTexts
    matters: list[NotaryMatter] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> NotarizationFile:
        missing_rules = set(get_args(OfficeRuleId)) - set(self.office_rules)
        if missing_rules:
            raise ValueError(f"office_rules lacks {sorted(missing_rules)}")
        check_placeholders("assistance_point.text", self.assistance_point.text, {"assistance_point"})
        check_placeholders("timeline.text", self.timeline.text, {"district", "days"})
        fee_ids = {item.id for item in self.fee_scale.items}
        unique_ids("matter", (matter.id for matter in self.matters))
        for matter in self.matters:
            if matter.fee_item not in fee_ids:
                raise ValueError(f"matter {matter.id}: unknown fee item {matter.fee_item}")
        return self
