"""The statute texts the knowledge base cites, parsed into articles.

Files are Markdown copies of official texts (knowledge/statutes/*.md); each article starts a
line with 第N条 (or 第N条之一). The Civil Code is split into books but cited as one law. The
Supreme People's Court's interpretations (statutes/司法解释/) are cited by the short names in
data/interpretations.yml. A text's version is the latest date its heading records (adopted,
revised, amended) unless its file name gives one, so an entry can say which versions it relied on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.datafile import DATA_DIR, read_yaml
from knowledge.numerals import chinese_to_int, int_to_chinese

STATUTES_DIR = Path(__file__).parent / "statutes"
SUPERSEDED_FILE = DATA_DIR / "superseded_statutes.yml"
INTERPRETATIONS_FILE = DATA_DIR / "interpretations.yml"
INTERPRETATIONS_DIR = "司法解释"

_ARTICLE_LINE = re.compile(r"^(第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)[\s　]*(.*)$")
_HEADING_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_CITATION = re.compile(
    r"^(?P<law>.+?)(?P<article>第(?:[零〇一二三四五六七八九十百千]+|\d+)条(?:之[一二三四五六七八九十]+)?)$"
)


@dataclass(frozen=True)
class Article:
    law: str
    number: str  # as written in the text: 第一千零七十七条
    text: str  # the article's full text, paragraphs joined by newlines

    @property
    def label(self) -> str:
        return f"{self.law}{self.number}"


def law_name(path: Path) -> str:
    """File stem to the name a citation uses: 法律援助法(2021-08-20) → 法律援助法; 民法典物权编 → 民法典."""
    stem = path.stem.split("(")[0]
    return "民法典" if stem.startswith("民法典") else stem


def load_interpretation_names(path: Path = INTERPRETATIONS_FILE) -> dict[str, str]:
    """File stem of each shipped interpretation → the short name citations use."""
    data = read_yaml(path) or {}
    return {str(stem): str(short) for short, stem in data.items()}


def text_version(path: Path, text: str) -> str:
    """The version a text is: the date its file name gives, else the latest date its heading records."""
    if match := re.search(r"\((\d{4}-\d{2}-\d{2})\)$", path.stem):
        return match.group(1)
    heading = text.split("\n第", 1)[0]
    dates = [f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in _HEADING_DATE.findall(heading)]
    return max(dates) if dates else ""


def normalize_article_number(number: str) -> str:
    """Accept 第1077条 as well as 第一千零七十七条."""
    match = re.fullmatch(r"第(\d+)条(之[一二三四五六七八九十]+)?", number)
    if match:
        return f"第{int_to_chinese(int(match.group(1)))}条{match.group(2) or ''}"
    return number


def parse_articles(law: str, text: str) -> dict[str, Article]:
    articles: dict[str, Article] = {}
    current: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is not None:
            articles[current] = Article(law, current, "\n".join(line for line in lines if line))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or line.startswith("<!--"):
            continue  # chapter headings and metadata are not article text
        match = _ARTICLE_LINE.match(line)
        if match:
            flush()
            current, lines = match.group(1), [line]
        elif current is not None:
            lines.append(line)
    flush()
    return articles


def load_superseded(path: Path = SUPERSEDED_FILE) -> dict[str, str]:
    """Law name → what replaced it, for the shipped texts that are no longer current."""
    data = read_yaml(path) or {}
    return {law: str(item["note"]) for law, item in data.items()}


class StatuteLibrary:
    """Look up the full text of an article by law name and article number."""

    def __init__(
        self,
        laws: dict[str, dict[str, Article]],
        superseded: dict[str, str] | None = None,
        versions: dict[str, str] | None = None,
    ):
        self._laws = laws
        self.superseded = superseded or {}
        self.versions = versions or {}

    @classmethod
    def load(
        cls,
        directory: Path = STATUTES_DIR,
        superseded_file: Path = SUPERSEDED_FILE,
        interpretations_file: Path = INTERPRETATIONS_FILE,
    ) -> StatuteLibrary:
        laws: dict[str, dict[str, Article]] = {}
        versions: dict[str, str] = {}
        short_names = load_interpretation_names(interpretations_file)
        paths = [(law_name(p), p) for p in sorted(directory.glob("*.md")) if p.name != "INDEX.md"]
        for path in sorted((directory / INTERPRETATIONS_DIR).glob("*.md")):
            if path.stem not in short_names:
                raise ValueError(f"interpretations.yml gives no short name for {path.name}")
            paths.append((short_names[path.stem], path))
        for name, path in paths:
            text = path.read_text(encoding="utf-8")
            laws.setdefault(name, {}).update(parse_articles(name, text))
            versions[name] = max(versions.get(name, ""), text_version(path, text))
        if not laws:
            raise FileNotFoundError(f"no statute texts in {directory}")
        superseded = load_superseded(superseded_file)
        unknown = (set(superseded) | set(short_names.values())) - set(laws)
        if unknown:
            raise ValueError(f"statute data names laws that are not shipped: {sorted(unknown)}")
        return cls(laws, superseded, versions)

    def laws(self) -> list[str]:
        return sorted(self._laws)

    def current_articles(self) -> list[Article]:
        """Every article of every shipped text that is still in force, in a stable order."""
        return [
            article
            for law in self.laws()
            if law not in self.superseded
            for article in sorted(self._laws[law].values(), key=lambda a: article_sort_key(a.number))
        ]

    def article(self, law: str, number: str) -> Article | None:
        return self._laws.get(law, {}).get(normalize_article_number(number))

    def cite(self, citation: str) -> Article | None:
        """Resolve a citation string such as 民法典第一千零七十七条 or 民法典第1077条."""
        match = _CITATION.match(citation.strip().replace("《", "").replace("》", ""))
        if not match:
            return None
        return self.article(match.group("law"), match.group("article"))

    def article_count(self, law: str) -> int:
        return len(self._laws.get(law, {}))


def article_sort_key(number: str) -> int:
    return chinese_to_int(number.removeprefix("第").split("条")[0])
