"""The staff console's pages under /console, one module per page: signing in, the queue and its
export, a case, taking over its conversation, the reports (gaps, audit, statistics) and the
office's own knowledge entries. Server-rendered HTML; every form post carries the session's CSRF
token."""

from __future__ import annotations

from fastapi import APIRouter

from api.console.routes import case, knowledge, queue, reports, signin, takeover

router = APIRouter()
for _module in (signin, queue, case, takeover, reports, knowledge):
    router.include_router(_module.router)
