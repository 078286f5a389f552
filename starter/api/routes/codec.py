"""The Temporal Web UI's codec server: decrypt payloads for those allowed to see them."""

from __future__ import annotations

import json
from typing import Annotated

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, FastAPI, Header, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from starter.api.config import ApiConfig
from starter.api.errors import bearer_matches, error
from starter.runtime.codec import CodecError, EncryptionCodec
from starter.runtime.lead_codec import LeadErased, LeadKeySource, LeadSealingCodec


def add_codec_routes(app: FastAPI, config: ApiConfig, lead_keys: LeadKeySource) -> None:
    """Mount /codec/encode and /codec/decode when payload keys are configured. Decoding
    opens each lead's payloads with its key from the app database; an erased lead's
    stay sealed (the Web UI shows them as they are)."""
    if not config.codec_token:
        raise RuntimeError("the codec endpoints need LEAD_ROUTER_CODEC_TOKEN")
    token = config.codec_token
    codec = LeadSealingCodec(lead_keys, EncryptionCodec(config.codec_keys or {}))

    async def decode(payloads: list[Payload]) -> list[Payload]:
        opened = []
        for payload in payloads:
            try:
                opened.extend(await codec.decode([payload]))
            except LeadErased:
                opened.append(payload)
        return opened

    router = APIRouter(prefix="/codec", tags=["codec"])
    if config.codec_origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[config.codec_origin],
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
        )

    async def convert(request: Request, authorization: str | None, encode: bool) -> Response:
        if not bearer_matches(authorization, token):
            return error(401, "missing or wrong bearer token")
        try:
            body = json.loads(await request.body())
            payloads = [json_format.ParseDict(p, Payload()) for p in body.get("payloads", [])]
            out = await (codec.encode(payloads) if encode else decode(payloads))
        except (ValueError, TypeError, AttributeError, json_format.ParseError, CodecError) as exc:
            return error(400, f"not a payloads document: {exc}")
        except InvalidTag:
            return error(400, "a payload does not decrypt with the configured keys")
        return JSONResponse({"payloads": [json_format.MessageToDict(p) for p in out]})

    @router.post("/encode")
    async def codec_encode(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Encrypt payloads (Temporal codec server protocol)."""
        return await convert(request, authorization, encode=True)

    @router.post("/decode")
    async def codec_decode(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Decrypt payloads for the Temporal Web UI (Temporal codec server protocol)."""
        return await convert(request, authorization, encode=False)

    app.include_router(router)
