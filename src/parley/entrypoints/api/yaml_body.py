"""A YAML file sent as a request body: as it is, or wrapped in JSON as ``{"text": ...}``."""

from __future__ import annotations

import json

from fastapi import Request

from parley.errors import InvalidValue

__all__ = ["YAML_TYPES", "yaml_text"]

YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)


async def yaml_text(request: Request, what: str, the: str) -> str:
    """The YAML text of the body; ``what`` and ``the`` name the file in errors
    (``an agreement``, ``the agreement``).

    Raises:
        InvalidValue: JSON without a ``text`` string, another media type, or bytes that
            are not UTF-8.
    """
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            value = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InvalidValue("body", "is not JSON") from e
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            raise InvalidValue("body", f'expected {{"text": "<{the} as YAML>"}}')
        return str(value["text"])
    if kind and kind not in YAML_TYPES:
        raise InvalidValue(
            "content-type", f"{kind} is not {what} (send application/yaml or text/plain)"
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidValue("body", "is not UTF-8 text") from e
