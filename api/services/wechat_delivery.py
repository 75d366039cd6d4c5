"""Customer-service messages (客服消息) to WeChat users, for replies too slow to give passively.

The access token comes from the stable-token endpoint: a POST with a JSON body, so the app
secret never appears in a URL or a request log, and workers asking at the same time get the
same token instead of invalidating each other's. It is cached until shortly before it expires.
The wire format is the one wechatpy's client uses; wechatpy's client itself is synchronous.
A conversation's resident is found through the channel's recipients table, never derived from
the conversation id (a keyed hash of the OpenID).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx

logger = logging.getLogger(__name__)

# Invalid credential, invalid token, expired token: fetch a new token and try once more.
_TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Refresh this long before WeChat's expiry, so a token never dies between fetch and use.
_EXPIRY_MARGIN_SECONDS = 60.0


class DeliveryError(Exception):
    """WeChat did not take the message (network, credentials, quota, 48-hour window...)."""


class Recipients(Protocol):
    """api.channels.wechat_recipients.WeChatRecipients: whom a conversation's messages go to."""

    def openid_of(self, conversation_id: str) -> str | None: ...


class WeChatDelivery:
    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        recipients: Recipients | None = None,
    ):
        self._app_id = app_id
        self._app_secret = app_secret
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._transport = transport
        self._clock = clock
        self._recipients = recipients
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()  # concurrent slow replies share one token fetch

    @property
    def configured(self) -> bool:
        return bool(self._app_id and self._app_secret)

    async def send_texts(self, openid: str, texts: list[str]) -> None:
        """Send each text as one customer-service message, in order. Raises DeliveryError."""
        if not self.configured:
            raise DeliveryError("WECHAT_APP_ID and WECHAT_APP_SECRET are not set")
        async with httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout, transport=self._transport) as http:
            for text in texts:
                await self._send_text(http, openid, text)

    async def send_to_conversation(self, conversation_id: str, texts: list[str]) -> bool:
        """Send to the resident of a WeChat conversation. False when there is nobody to send to:
        not a WeChat conversation, or the resident has not written for 48 hours. Raises DeliveryError."""
        if self._recipients is None:
            return False
        openid = await asyncio.to_thread(self._recipients.openid_of, conversation_id)
        if openid is None:
            return False
        await self.send_texts(openid, texts)
        return True

    async def _send_text(self, http: httpx.AsyncClient, openid: str, text: str) -> None:
        message = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        for attempt in (1, 2):
            token = await self._access_token(http)
            result = await self._post(http, "/cgi-bin/message/custom/send", message, params={"access_token": token})
            errcode = _errcode(result)
            if errcode == 0:
                return
            if errcode in _TOKEN_ERRORS and attempt == 1:
                logger.info("WeChat refused the access token (%s): fetching a new one", errcode)
                self._forget(token)
                continue
            raise DeliveryError(f"customer-service message refused: {errcode} {result.get('errmsg', '')}")

    async def _access_token(self, http: httpx.AsyncClient) -> str:
        async with self._lock:
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            body = {
                "grant_type": "client_credential",
                "appid": self._app_id,
                "secret": self._app_secret,
                "force_refresh": False,
            }
            result = await self._post(http, "/cgi-bin/stable_token", body)
            token, expires_in = result.get("access_token"), result.get("expires_in", 7200)
            if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
                raise DeliveryError(f"no access token: {_errcode(result)} {result.get('errmsg', '')}")
            self._token = token
            self._expires_at = self._clock() + max(float(expires_in) - _EXPIRY_MARGIN_SECONDS, 0.0)
            logger.info("fetched a WeChat access token valid for %ss", expires_in)
            return token

    def _forget(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def _post(
        self, http: httpx.AsyncClient, path: str, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        # Chinese as UTF-8 rather than \u escapes, as wechatpy's client sends it.
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = await http.post(
                path, content=content, params=params, headers={"Content-Type": "application/json; charset=utf-8"}
            )
            response.raise_for_status()
            result = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise DeliveryError(f"WeChat API unreachable or not JSON: {type(error).__name__}") from error
        if not isinstance(result, dict):
            raise DeliveryError("WeChat API answered something other than an object")
        return result


def _errcode(result: dict[str, Any]) -> int:
    try:
        return int(result.get("errcode", 0))
    except (TypeError, ValueError):
        return -1
