"""Request bodies declared in the OpenAPI schema for routes that read their body themselves.

Those routes parse the raw body so that every refusal has the gateway's own error shape ({"error", "field"})
and status; FastAPI then knows nothing of the body. Declaring it keeps /openapi.json a true contract, for
integrators and for the schema-driven fuzz tests (schemathesis).
"""

from __future__ import annotations

from pydantic import BaseModel


def json_body(model: type[BaseModel] | dict) -> dict:
    schema = model if isinstance(model, dict) else model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


CHAT = json_body(
    {
        "type": "object",
        "required": ["sender_id", "text"],
        "properties": {
            "sender_id": {"type": "string", "minLength": 1, "maxLength": 128},
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
    }
)
WIDGET_MESSAGE = json_body(
    {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            "title": {"type": "string", "maxLength": 200},
        },
    }
)
