"""Assemble the API: routers, web chat page, and the resources they share."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import database_errors
from api.channels.wechat_recipients import WeChatRecipients
from api.channels.wechat_texts import wechat_texts
from api.console import routes as console_routes
from api.console.deps import get_roles
from api.console.password_policy import password_policy
from api.console.texts import console_texts
from api.console.workflow import workflow
from api.observability.request_ids import RequestIds
from api.rasa_client import RasaClient
from api.resident_texts import resident_texts
from api.routes import chat, conversation, health, metrics, pages, statutes, wechat
from api.security.conversation_ids import ConversationIds
from api.security.edge_limits import add_edge_limits
from api.security.headers import SecurityHeaders
from api.services.wechat_delivery import WeChatDelivery
from casebook.db import create_db_engine, init_db
from casebook.settings import Settings, get_settings
from knowledge.statutes import StatuteLibrary
from telemetry.logs import use_json_logs

STATIC_DIR = Path(__file__).parent / "static"
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.log_format == "json":
        use_json_logs()  # after uvicorn set up its loggers, so its lines are JSON too

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every file of words and rules read and checked now: a broken one stops the start, not a request.
        resident_texts(), wechat_texts(), console_texts(), workflow(), password_policy(), get_roles()
        app.state.engine = create_db_engine(settings.database_url_absolute)
        init_db(app.state.engine)
        app.state.statutes = StatuteLibrary.load()
        app.state.conversation_ids = ConversationIds.from_settings(settings)
        app.state.limiter.open()  # connects the shared Redis store when REDIS_URL is set
        app.state.rasa = RasaClient(
            settings.rasa_url, timeout=settings.rasa_timeout_seconds, auth_token=settings.rasa_auth_token
        )
        app.state.wechat_delivery = WeChatDelivery(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret.get_secret_value(),
            base_url=settings.wechat_api_base_url,
            recipients=WeChatRecipients(app.state.engine),
        )
        yield
        await app.state.rasa.aclose()
        await app.state.limiter.aclose()
        app.state.engine.dispose()

    app = FastAPI(
        title="法律服务助手 API",
        description="司法所法律服务助手：居民对话渠道、法条查询与案件数据库。",
        version="0.1.0",
        lifespan=lifespan,
        # The interactive API pages are for developers (API_DOCS=true), not the public site.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.dependency_overrides[get_settings] = lambda: settings

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        # Residents' clients get a readable Chinese message; developers get the details too.
        return JSONResponse(
            status_code=422, content={"detail": resident_texts().invalid_request, "errors": jsonable_errors(error)}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _unreadable_body(request: Request, error: StarletteHTTPException) -> Response:
        # FastAPI answers a JSON body that is not UTF-8 with an English 400; a resident's client
        # gets the same Chinese 422 as for any other unreadable JSON (the published contract).
        if error.status_code == 400 and isinstance(error.__cause__, UnicodeDecodeError):
            return JSONResponse(status_code=422, content={"detail": resident_texts().invalid_request, "errors": []})
        return await http_exception_handler(request, error)

    database_errors.install(app)  # the database unreachable: 503 "please retry", not a 500 page

    app.include_router(chat.router)
    app.include_router(conversation.router)
    app.include_router(statutes.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(pages.router)
    app.include_router(wechat.router)
    app.include_router(console_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.limiter = add_edge_limits(app, settings)  # runs before the routes (api/security/edge_limits.py)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: refusals carry the headers too
    app.add_middleware(RequestIds)  # around everything: every answer and log line has its request id

    @app.get("/", include_in_schema=False)
    def web_chat() -> FileResponse:
        return FileResponse(STATIC_DIR / "chat.html")

    return app


def jsonable_errors(error: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in error.errors()]
