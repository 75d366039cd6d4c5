"""Full text of a cited article ("查看法条")."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from api.deps import StatutesDep
from api.resident_texts import resident_texts
from api.routes.problems import refusals

router = APIRouter(prefix="/api/statutes", tags=["statutes"])


class ArticleOut(BaseModel):
    law: str
    article: str
    text: str
    version: str = Field(description="the date of the shipped text's version, e.g. 2023-09-01")
    superseded: str | None = Field(
        default=None, description="when the shipped text has been revised: a warning to show above the article"
    )


@router.get("", response_model=ArticleOut, summary="Look up an article by citation", responses=refusals(404, 422))
def get_article(
    statutes: StatutesDep, cite: str = Query(max_length=60, examples=["民法典第一千零七十七条"])
) -> ArticleOut:
    article = statutes.cite(cite)
    if article is None:
        raise HTTPException(status_code=404, detail=resident_texts().statute_not_found)
    note = statutes.superseded.get(article.law)
    return ArticleOut(
        law=article.law,
        article=article.number,
        text=article.text,
        version=statutes.versions.get(article.law, ""),
        superseded=resident_texts().statute_superseded.format(note=note) if note else None,
    )
