"""What makes a citation trustworthy, as one list of problems per entry.

Used by the authoring command (a writer or reviewer checks a batch before it lands), by the
console's editor (citations checked live) and by the knowledge-base tests.
"""

from __future__ import annotations

from knowledge.entries import Citation, Entry
from knowledge.statutes import StatuteLibrary


def citation_problems(citation: Citation, library: StatuteLibrary) -> list[str]:
    """Why a citation cannot be shown to a resident; empty when it can."""
    if citation.law in library.superseded:
        return [f"{citation.label}：该文本已被修订（{library.superseded[citation.law]}），不能作为现行法引用"]
    if citation.law not in library.laws():
        return [f"{citation.law}：法规库里没有这部法律或司法解释"]
    article = library.article(citation.law, citation.article)
    if article is None:
        return [f"{citation.label}：该条不存在"]
    missing = [keyword for keyword in citation.keywords if keyword not in article.text]
    return [f"{citation.label}：条文中找不到 {missing}"] if missing else []


def entry_problems(entry: Entry, library: StatuteLibrary) -> list[str]:
    """Every citation problem of an entry, and versions it relied on that are no longer shipped."""
    problems = [problem for citation in entry.citations for problem in citation_problems(citation, library)]
    for law, version in entry.relies_on.items():
        shipped = library.versions.get(law)
        if shipped is not None and shipped != version.isoformat():
            problems.append(f"{law}：审核时依据 {version} 版本，现行文本为 {shipped} 版本，需要重新审核")
    return [f"{entry.id}: {problem}" for problem in problems]
