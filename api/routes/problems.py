"""The API's refusals, one table for every route's `responses=`, so the OpenAPI document says
what each route really answers (schemathesis checks it: tests/contract/).

Every refusal is JSON with a Chinese `detail` that the page shows as it is. A 422 also lists
which fields were wrong (`errors`), for developers; FastAPI's own 422 shape, where `detail` is a
list, is never sent (api/main.py turns validation errors into this one).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    detail: str = Field(description="what went wrong, in Chinese, to show to the resident as it is")


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="where the problem is, e.g. ['body', 'sender']")
    msg: str


class InvalidRequest(Problem):
    errors: list[FieldProblem] = Field(
        default_factory=list,
        description="the fields that failed validation (empty when the request was read but refused)",
    )


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}

# What each status means wherever it is documented.
REFUSALS: dict[int, dict[str, Any]] = {
    400: {"model": Problem, "description": "The request could not be read (e.g. a malformed WeChat message)"},
    403: {"model": Problem, "description": "Signature or permission check failed"},
    404: {"model": Problem, "description": "Nothing by that name"},
    413: {"model": Problem, "description": "Body over the size cap (MAX_BODY_BYTES, docs/limits.md)"},
    422: {"model": InvalidRequest, "description": "The request's fields are not valid"},
    429: {
        "model": Problem,
        "description": "Too many requests from this client or conversation (api/security/limits.yml)",
        "headers": _RETRY_AFTER,
    },
    503: {
        "model": Problem,
        "description": "The dialogue engine, the database or the channel is unavailable for now: try again"
        " shortly (the web page keeps the unsent text)",
    },
}


def refusals(*codes: int, besides: dict[int | str, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may answer with these statuses (`besides`: its own, e.g. a 200
    that is not JSON)."""
    return {**(besides or {}), **{code: REFUSALS[code] for code in codes}}
