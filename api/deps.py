"""Typed dependencies for the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.rasa_client import RasaClient
from api.security.client_address import ClientAddresses
from api.security.conversation_ids import ConversationIds
from api.security.limiter import Limiter
from api.services.wechat_delivery import WeChatDelivery
from casebook.settings import Settings, get_settings
from knowledge.statutes import StatuteLibrary


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def get_engine(request: Request) -> Engine:
    """For work that outlives the request (WeChat's slow path): it opens its own sessions."""
    engine: Engine = request.app.state.engine
    return engine


def get_rasa(request: Request) -> RasaClient:
    client: RasaClient = request.app.state.rasa
    return client


def get_delivery(request: Request) -> WeChatDelivery:
    """WeChat's customer-service API, made at start: one per app, since it caches the access token."""
    delivery: WeChatDelivery = request.app.state.wechat_delivery
    return delivery


def get_conversation_ids(request: Request) -> ConversationIds:
    ids: ConversationIds = request.app.state.conversation_ids
    return ids


def get_limiter(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


def get_client_address(request: Request) -> str:
    """The resident's address: the peer, or behind a trusted proxy the address it saw (TRUSTED_PROXIES)."""
    addresses: ClientAddresses = request.app.state.client_addresses
    return addresses.of(request.scope)


def get_statutes(request: Request) -> StatuteLibrary:
    statutes: StatuteLibrary = request.app.state.statutes
    return statutes


SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
DeliveryDep = Annotated[WeChatDelivery, Depends(get_delivery)]
ConversationIdsDep = Annotated[ConversationIds, Depends(get_conversation_ids)]
LimiterDep = Annotated[Limiter, Depends(get_limiter)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]
StatutesDep = Annotated[StatuteLibrary, Depends(get_statutes)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
