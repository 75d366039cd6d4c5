"""The legal-aid pre-check's result and the wording of it: reasons from the data file's templates.

Every sentence comes from knowledge/data/legal_aid.yml (`texts`); this module fills the templates
and lays the reply out, so `rules.py` decides and never words.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import Field

from knowledge.datafile import Frozen
from knowledge.entries import Citation
from knowledge.legal_aid.schema import CitedText, LegalAidTexts, Matter, Note, ReasonTemplates, Template

Verdict = Literal["likely_eligible", "likely_not", "needs_review"]


class Reason(Frozen):
    text: str
    citation: str | None = None  # a label such as 法律援助法第三十一条


class ReplyParts(Frozen):
    """The data-file wording a result needs to render itself."""

    texts: LegalAidTexts
    urgent: str | None
    objection: str
    forms_of_help: str


class PrecheckResult(Frozen):
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


_MATTER_TEMPLATES = {
    "covered": "covered_matter",
    "review": "review_matter",
    "provincial": "provincial_matter",
    "ground": "ground_matter",
    "not_covered": "not_covered",
}


def matter_reason(reasons_t: ReasonTemplates, matter: Matter) -> Reason:
    """What kind of matter it is, citing the template's article or else the matter's own."""
    template: Template = getattr(reasons_t, _MATTER_TEMPLATES[matter.kind])
    return reason_from(template, matter.citation, title=matter.title)


def reason_from(template: Template, citation: Citation | None = None, **values: object) -> Reason:
    cited = template.citation or citation
    return Reason(text=template.text.format(**values), citation=cited.label if cited else None)


def note_reason(note: Note) -> Reason:
    return Reason(text=note.text, citation=note.citation.label if note.citation else None)


def cited_reason(item: CitedText) -> Reason:
    return Reason(text=item.text, citation=item.citation.label)


def yuan(amount: Decimal) -> str:
    """Money for display: two decimals at most, none when whole (2100, 1033.33)."""
    rounded = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded:.0f}" if rounded == rounded.to_integral_value() else f"{rounded:.2f}"
