"""The notarization guidance: matching a resident's words to matters, fees from the example scale,
and the reply a resident reads, all from knowledge/data/notarization.yml (see `schema.py`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from knowledge.datafile import Frozen, load_yaml_model
from knowledge.entries import Citation
from knowledge.matching import fold
from knowledge.notarization.schema import NOTARIZATION_FILE, FixedFee, NotarizationFile, NotaryMatter, ValueFee


def _yuan(amount: Decimal, wan: str) -> str:
    """1700 → '1700', 1234.5 → '1234.50', 200000 → '20万' (with wan '{count}万'), for the reply text.

    Not legal_aid's `yuan`: fees are written with 万 and with the cents a resident typed, and
    sharing one function would change what either reply reads."""
    if amount != amount.to_integral_value():
        return f"{amount:.2f}"
    whole = int(amount)
    return wan.format(count=whole // 10000) if whole >= 10000 and whole % 10000 == 0 else str(whole)


class FeeQuote(Frozen):
    amount: Decimal | None  # None when a value-based fee needs a value not given
    basis: str  # how the amount was found, in the resident's language


class NotarizationRules:
    """The notarization matters of data/notarization.yml and the guidance built from them."""

    def __init__(self, data: NotarizationFile):
        self.data = data
        self.matters: list[NotaryMatter] = list(data.matters)
        self._by_id = {matter.id: matter for matter in self.matters}
        self._fees = {item.id: item for item in data.fee_scale.items}
        self._aliases = [(matter, fold(alias)) for matter in self.matters for alias in matter.aliases]

    @classmethod
    def from_dict(cls, raw: object) -> NotarizationRules:
        return cls(NotarizationFile.model_validate(raw))

    @classmethod
    def load(cls, path: Path = NOTARIZATION_FILE) -> NotarizationRules:
        return cls(load_yaml_model(NotarizationFile, path))

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
        normalized = fold(text)
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
