"""The notarization guidance catalogue: matters, where to apply, fees, and the reply a resident reads.

Everything place-specific and every word a resident sees is in data/notarization.yml; this
module validates it at load, matches a resident's words to matters, computes fees from the
example scale and assembles the guidance text.
"""

from __future__ import annotations

import string
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, ClassVar, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.entries import Citation

NOTARIZATION_FILE = Path(__file__).parent / "data" / "notarization.yml"

OfficeRuleId = Literal["general", "property", "general_even_for_property"]

# 公证法第二十六条 names these as matters a person must notarize in person; a matter cites it
# exactly when its data says the statute (not only the offices' practice) requires presence.
_ARTICLE_26 = ("公证法", "第二十六条")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_placeholders(owner: str, template: str, allowed: set[str]) -> None:
    unknown = _placeholders(template) - allowed
    if unknown:
        raise ValueError(f"{owner}: unknown placeholders {sorted(unknown)}, allowed {sorted(allowed)}")


def _yuan(amount: Decimal, wan: str) -> str:
    """1700 → '1700', 1234.5 → '1234.50', 200000 → '20万' (with wan '{count}万'), for the reply text."""
    if amount != amount.to_integral_value():
        return f"{amount:.2f}"
    whole = int(amount)
    return wan.format(count=whole // 10000) if whole >= 10000 and whole % 10000 == 0 else str(whole)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleText(_Frozen):
    text: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)


class FeeBracket(_Frozen):
    up_to: Decimal | None = Field(default=None, gt=0)  # None: the open top bracket
    rate_percent: Decimal = Field(ge=0, le=100)


class FixedFee(_Frozen):
    kind: Literal["fixed"]
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    yuan: Decimal = Field(ge=0)


class ValueFee(_Frozen):
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


class FeeTexts(_Frozen):
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
            _check_placeholders(f"fee_scale.texts.{name}", getattr(self, name), allowed)
        return self


class FeeScale(_Frozen):
    note: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)
    texts: FeeTexts
    items: list[FeeItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[FixedFee | ValueFee]) -> list[FixedFee | ValueFee]:
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise ValueError(f"duplicate fee item id: {item.id}")
            seen.add(item.id)
        return items


class FeeReduction(_Frozen):
    eligible: str = Field(min_length=1)
    not_eligible: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)


class ReplyTexts(_Frozen):
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
    def _known_placeholders(self) -> ReplyTexts:
        for name, allowed in self._ALLOWED.items():
            _check_placeholders(f"texts.{name}", getattr(self, name), allowed)
        return self


class NotaryMatter(_Frozen):
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


class NotaryData(_Frozen):
    district: str = Field(min_length=1)
    assistance_point: RuleText
    office_rules: dict[OfficeRuleId, RuleText]
    timeline: RuleText
    caveat: RuleText
    fee_reduction: FeeReduction
    fee_scale: FeeScale
    texts: ReplyTexts
    matters: list[NotaryMatter] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> NotaryData:
        missing_rules = set(get_args(OfficeRuleId)) - set(self.office_rules)
        if missing_rules:
            raise ValueError(f"office_rules lacks {sorted(missing_rules)}")
        _check_placeholders("assistance_point.text", self.assistance_point.text, {"assistance_point"})
        _check_placeholders("timeline.text", self.timeline.text, {"district", "days"})
        fee_ids = {item.id for item in self.fee_scale.items}
        seen: set[str] = set()
        for matter in self.matters:
            if matter.id in seen:
                raise ValueError(f"duplicate matter id: {matter.id}")
            seen.add(matter.id)
            if matter.fee_item not in fee_ids:
                raise ValueError(f"matter {matter.id}: unknown fee item {matter.fee_item}")
        return self


class FeeQuote(_Frozen):
    amount: Decimal | None  # None when a value-based fee needs a value not given
    basis: str  # how the amount was found, in the resident's language


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


class NotaryCatalogue:
    """The notarization matters of data/notarization.yml and the guidance built from them."""

    def __init__(self, data: NotaryData):
        self.data = data
        self.matters: list[NotaryMatter] = list(data.matters)
        self._by_id = {matter.id: matter for matter in self.matters}
        self._fees = {item.id: item for item in data.fee_scale.items}
        self._aliases = [(matter, _normalize(alias)) for matter in self.matters for alias in matter.aliases]

    @classmethod
    def from_data(cls, raw: object) -> NotaryCatalogue:
        return cls(NotaryData.model_validate(raw))

    @classmethod
    def load(cls, path: Path = NOTARIZATION_FILE) -> NotaryCatalogue:
        try:
            return cls.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))
        except ValueError as error:  # pydantic's ValidationError and YAML errors
            raise ValueError(f"{path.name}: {error}") from error

    def get(self, matter_id: str) -> NotaryMatter:
        try:
            return self._by_id[matter_id]
        except KeyError:
            raise KeyError(f"unknown notarization matter: {matter_id!r}") from None

    def __contains__(self, matter_id: object) -> bool:
        return matter_id in self._by_id

    def __len__(self) -> int:
        return len(self.matters)

    def citations(self) -> list[tuple[str, Citation]]:
        """Every citation in the data with where it sits, for the test that checks them all."""
        data = self.data
        found: list[tuple[str, Citation]] = [(f"matter {m.id}", c) for m in self.matters for c in m.citations]
        rules = {f"office_rules.{rule}": text for rule, text in data.office_rules.items()}
        rules |= {"assistance_point": data.assistance_point, "timeline": data.timeline, "caveat": data.caveat}
        found += [(owner, c) for owner, rule in rules.items() for c in rule.citations]
        found += [("fee_reduction", c) for c in data.fee_reduction.citations]
        found += [("fee_scale", c) for c in data.fee_scale.citations]
        return found

    def match(self, text: str, limit: int = 3) -> list[NotaryMatter]:
        """Matters whose aliases occur in the text, best first; [] when none does.

        A hit inside a longer hit (继承 inside 放弃继承) does not count: the longer phrase says
        more about what the resident means. A matter scores the characters its hits cover.
        """
        normalized = _normalize(text)
        hits: list[tuple[int, int, NotaryMatter]] = []
        for matter, alias in self._aliases:
            start = normalized.find(alias)
            while start != -1:
                hits.append((start, start + len(alias), matter))
                start = normalized.find(alias, start + 1)
        scores: dict[str, int] = {}
        for start, end, matter in hits:
            inside_longer = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in hits)
            if not inside_longer:
                scores[matter.id] = scores.get(matter.id, 0) + end - start
        order = {matter.id: index for index, matter in enumerate(self.matters)}
        ranked = sorted(scores, key=lambda matter_id: (-scores[matter_id], order[matter_id]))
        return [self._by_id[matter_id] for matter_id in ranked[:limit]]

    def fee(self, matter_id: str, value: Decimal | None = None) -> FeeQuote:
        item = self._fees[self.get(matter_id).fee_item]
        texts = self.data.fee_scale.texts
        if isinstance(item, FixedFee):
            basis = texts.fixed.format(item=item.name, unit=item.unit, amount=self._money(item.yuan))
            return FeeQuote(amount=item.yuan, basis=basis)
        if value is None:
            basis = texts.value_needed.format(
                item=item.name,
                value_basis=item.value_basis,
                brackets=self._describe_brackets(item),
                minimum=self._money(item.minimum),
            )
            return FeeQuote(amount=None, basis=basis)
        if value < 0:
            raise ValueError(f"a value for a fee cannot be negative: {value}")
        computed = item.compute(value)
        if computed < item.minimum:
            basis = texts.minimum_applied.format(
                item=item.name,
                value_basis=item.value_basis,
                value=self._money(value),
                minimum=self._money(item.minimum),
            )
            return FeeQuote(amount=item.minimum, basis=basis)
        basis = texts.computed.format(
            item=item.name, value_basis=item.value_basis, value=self._money(value), amount=self._money(computed)
        )
        return FeeQuote(amount=computed, basis=basis)

    def _money(self, amount: Decimal) -> str:
        return _yuan(amount, self.data.fee_scale.texts.wan)

    def _describe_brackets(self, item: ValueFee) -> str:
        texts = self.data.fee_scale.texts
        parts: list[str] = []
        lower: Decimal | None = None
        for bracket in item.brackets:
            rate = f"{bracket.rate_percent.normalize():f}"
            if bracket.up_to is None:
                parts.append(texts.last_bracket.format(lower=self._money(lower or Decimal(0)), rate=rate))
            elif lower is None:
                parts.append(texts.first_bracket.format(upper=self._money(bracket.up_to), rate=rate))
            else:
                parts.append(
                    texts.middle_bracket.format(lower=self._money(lower), upper=self._money(bracket.up_to), rate=rate)
                )
            lower = bracket.up_to
        return texts.bracket_separator.join(parts)

    def _cited(self, matter: NotaryMatter, eligible_for_legal_aid: bool) -> list[Citation]:
        data = self.data
        groups = [matter.citations, data.office_rules[matter.office_rule].citations, data.timeline.citations]
        groups.append(data.caveat.citations)
        if eligible_for_legal_aid:
            groups.append(data.fee_reduction.citations)
        unique: dict[str, Citation] = {}
        for citation in (citation for group in groups for citation in group):
            unique.setdefault(citation.label, citation)  # the same article from several rules: cite it once
        return list(unique.values())

    def citation_labels(self, matter_id: str, *, eligible_for_legal_aid: bool = False) -> list[str]:
        """The articles guidance() rests on (公证法第二十五条…), for links to their texts."""
        return [c.label for c in self._cited(self.get(matter_id), eligible_for_legal_aid)]

    def guidance(
        self, matter_id: str, *, notary_office: str, assistance_point: str, eligible_for_legal_aid: bool = False
    ) -> str:
        """The reply for one matter: materials, presence, office, timeline, fee, assistance point,
        ending with the line that it is guidance, not a lawyer's opinion."""
        data, texts = self.data, self.data.texts
        matter = self.get(matter_id)
        lines = [texts.heading.format(title=matter.title), texts.materials_heading]
        lines += [texts.material_item.format(number=n, material=m) for n, m in enumerate(matter.materials, 1)]
        if matter.in_person:
            presence = texts.in_person_required.format(note=matter.in_person_note)
            if matter.in_person_by_statute:
                presence += texts.in_person_statute
        else:
            presence = texts.agent_allowed.format(note=matter.in_person_note)
        lines.append(presence)
        rule = data.office_rules[matter.office_rule].text
        lines.append(texts.where.format(rule=rule, district=data.district, notary_office=notary_office))
        timeline = data.timeline.text.format(district=data.district, days=matter.typical_working_days)
        lines.append(timeline + (matter.timeline_note or ""))
        reduction = data.fee_reduction.eligible if eligible_for_legal_aid else data.fee_reduction.not_eligible
        fee = texts.fee.format(basis=self.fee(matter_id).basis, scale_note=data.fee_scale.note)
        lines.append(fee + reduction)
        lines.append(data.assistance_point.text.format(assistance_point=assistance_point))
        if matter.note:
            lines.append(texts.note.format(note=matter.note))
        lines.append(data.caveat.text)
        cited = "、".join(f"《{c.law}》{c.article}" for c in self._cited(matter, eligible_for_legal_aid))
        lines.append(texts.citations.format(citations=cited))
        lines.append(texts.disclaimer)
        return "\n".join(lines)
