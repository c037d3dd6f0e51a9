"""Errors of the JSON API as problem details (RFC 9457).

Every error under ``/api`` — a wrong URL, a bad body, a missing token, a rate limit,
a crash — is answered with ``application/problem+json``::

    {"type": "/api/v1/docs#problem-validation_failed", "title": "Bad Request",
     "status": 400, "detail": "The request has invalid fields.",
     "code": "validation_failed",
     "errors": [{"field": "items.0.price_minor", "code": "invalid", "detail": "..."}]}

``code`` is stable: partners branch on it, never on ``detail``. A view raises
:class:`ApiProblem`; :func:`problem_response` turns any ``HTTPException`` (including
webargs' validation errors and Flask-Limiter's 429) into the payload. A view that
writes runs its use case in :func:`answering`, the API's
:func:`storefront.outcomes.committing`: a library's refusal is rolled back and answered
422 ``rejected`` with each wrong field (:func:`refusal_errors`).
"""

from __future__ import annotations

import http
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask import jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from catalog import safe_text
from catalog.errors import InvalidInput
from storefront.extensions import db
from storefront.outcomes import REFUSALS

PROBLEM_MIMETYPE = "application/problem+json"
API_PREFIX = "/api/"

#: The code of an error that carries none of its own, by HTTP status.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
}

#: Every stable code and what it means (listed on the docs page).
CODES: dict[str, str] = {
    "bad_request": "The request could not be understood.",
    "validation_failed": "Some fields are invalid: see `errors`.",
    "unauthorized": "A valid API token is needed: `Authorization: Bearer <token>`.",
    "forbidden": "The token may not do this.",
    "not_found": "No such resource, or not one this token may see.",
    "method_not_allowed": "This URL does not accept this HTTP method.",
    "not_acceptable": "The API only answers in JSON.",
    "conflict": "The request conflicts with the resource's current state.",
    "payload_too_large": "The body is too large.",
    "unsupported_media_type": "Send the body as `application/json`.",
    "unprocessable": "The request is well formed but was refused.",
    "rejected": "Some items break a business rule: see `errors`; nothing was changed.",
    "stock_changed": (
        "A stock count moved since you read it: `errors[].current` has the values now; "
        "nothing was changed. Read, decide, and send again."
    ),
    "rate_limited": "Too many requests: wait (see `Retry-After`) and try again.",
    "server_error": "Something went wrong on our side; the request changed nothing.",
}

_DETAILS: dict[int, str] = {
    400: "The request could not be understood.",
    401: "This endpoint needs a valid API token.",
    403: "This token may not do this.",
    404: "Nothing here, or nothing this token may see.",
    405: "This URL does not accept this HTTP method.",
    413: "The request body is too large.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. The request changed nothing.",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of the request."""

    field: str
    code: str
    detail: str = ""
    #: the resource's values now, when the error is a conflict with them
    current: Mapping[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "code": self.code, "detail": self.detail}
        if self.current is not None:
            data["current"] = dict(self.current)
        return data


class ApiProblem(HTTPException):
    """Raised by API views: a status, a stable code, a sentence and field errors."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        *,
        errors: Iterable[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = status
        self.problem_code = code
        self.field_errors = list(errors)
        self.extra_headers = dict(headers or {})
        super().__init__(description=detail or _DETAILS.get(status, ""))


#: English sentences for the libraries' codes (partners branch on the code)
DETAILS: dict[str, str] = {
    "required": "This field is needed.",
    "too_long": "Too long (at most {max} characters).",
    safe_text.LINE_BREAK: "Line breaks are not allowed in this field.",
    safe_text.CONTROL_CHARACTER: "Control characters (tab, carriage return …) are not allowed.",
    safe_text.BIDI_CONTROL: "Characters that override the writing direction are not allowed.",
    "sku_format": "Letters, digits, '.', '_', '/' and '-' only, starting with a letter or digit.",
    "sku_taken": "Another listing of the cooperative has this SKU.",
    "duplicate_sku": "This SKU appears twice in the request.",
    "unknown_category": "No category has this slug.",
    "not_positive": "Must be more than zero.",
    "price_above_cap": "Above this category's price cap ({cap_minor} centimes).",
    "unknown_unit": "Unknown unit.",
    "out_of_range": "Must be between {min} and {max}.",
    "required_for_made_to_order": "A made-to-order listing needs a daily capacity.",
    "unknown_sku": "The cooperative has no listing with this SKU.",
    "product_suspended": "The operator suspended this listing: it cannot be put on sale.",
    "expected_on_hand_required": "Send the on_hand you read before (compare-and-set).",
    "stock_changed": "The count moved since you read it ({seen}): now {on_hand}.",
    "below_allocated": "{allocated} units are reserved for orders: on_hand cannot be lower.",
    "not_enough_on_hand": "There are only {on_hand} on the shelf.",
    "reason_required": "Say why the count changes: one of the documented reasons.",
    "unknown_reason": "Unknown reason.",
}


def detail(code: str, data: Mapping[str, Any] | None = None) -> str:
    """The English sentence of a library's ``code``, filled in with its ``data`` (the
    code in words when it has no sentence)."""
    text = DETAILS.get(code, code.replace("_", " "))
    try:
        return text.format(**(data or {}))
    except (KeyError, IndexError, ValueError):
        return text


def refusal_errors(
    exc: Exception,
    *,
    prefix: str = "",
    field: str = "body",
    names: Mapping[str, str] | None = None,
) -> list[FieldError]:
    """What a client reads when a library refuses: each wrong field of the input
    (named ``prefix`` + ``names``' name for the library's field), or one error on
    ``field`` for any other refusal."""
    if isinstance(exc, InvalidInput):
        names = names or {}
        return [
            FieldError(prefix + names.get(p.field, p.field), p.code, detail(p.code, p.data))
            for p in exc.problems
        ]
    code = str(getattr(exc, "code", "rejected"))
    return [FieldError(prefix + field, code, detail(code, getattr(exc, "data", None)))]


def rejected(errors: list[FieldError]) -> ApiProblem:
    """422 ``rejected``: the request broke a business rule and changed nothing."""
    return ApiProblem(
        422, "rejected", f"{len(errors)} problem(s): nothing was changed.", errors=errors
    )


@contextmanager
def answering() -> Iterator[None]:
    """Run the body as one transaction: committed when it ends; when a library refuses,
    rolled back and answered 422 ``rejected`` with :func:`refusal_errors`."""
    try:
        yield
    except REFUSALS as exc:
        db.session.rollback()
        raise rejected(refusal_errors(exc)) from exc
    db.session.commit()


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def flatten_messages(messages: Any, prefix: str = "") -> list[FieldError]:
    """marshmallow's nested ``{"field": ["message"]}`` as a flat list of field errors
    (``items.3.price_minor``); webargs' location level (``json``, ``query``) dropped."""
    if isinstance(messages, Mapping):
        found: list[FieldError] = []
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "querystring", "view_args", "path"):
                found.extend(flatten_messages(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            found.extend(flatten_messages(value, name))
        return found
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return [FieldError(prefix or "body", "invalid", str(m)) for m in messages]
        found = []
        for m in messages:
            found.extend(flatten_messages(m, prefix))
        return found
    return [FieldError(prefix or "body", "invalid", str(messages))]


def problem_payload(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    status = error.code or 500
    headers: dict[str, str] = {}
    field_errors: list[FieldError] = []
    if isinstance(error, ApiProblem):
        code = error.problem_code
        detail = error.description or ""
        field_errors = error.field_errors
        headers.update(error.extra_headers)
    else:
        code = STATUS_CODES.get(status, "bad_request" if status < 500 else "server_error")
        detail = _DETAILS.get(status, "")
        data = getattr(error, "data", None)  # webargs' validation errors
        if isinstance(data, Mapping) and "messages" in data:
            field_errors = flatten_messages(data["messages"])
            code = "validation_failed" if status in (400, 422) else code
            detail = "The request has invalid fields."
            headers.update(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="taawun"')
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    payload: dict[str, Any] = {
        "type": f"/api/v1/docs#problem-{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
        "instance": request.path,
    }
    if field_errors:
        payload["errors"] = [e.as_dict() for e in field_errors]
    return payload, status, headers


def problem_response(error: HTTPException) -> Response:
    payload, status, headers = problem_payload(error)
    response = jsonify(payload)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    for name, value in headers.items():
        response.headers[name] = value
    return response


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(
        required=True, metadata={"description": "Path of the field (`items.3.price_minor`)."}
    )
    code = ma.fields.String(required=True, metadata={"description": "Stable code."})
    detail = ma.fields.String(required=True, metadata={"description": "A sentence in English."})
    current = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={
            "description": "For a conflict: the values now (`on_hand`, `allocated`, `available`)."
        },
    )


class ProblemSchema(ma.Schema):
    """An error (RFC 9457 problem details), used to document every error response."""

    type = ma.fields.String(required=True, metadata={"description": "URI of the problem type."})
    title = ma.fields.String(required=True, metadata={"description": "The HTTP status phrase."})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status."})
    detail = ma.fields.String(required=True, metadata={"description": "What happened."})
    code = ma.fields.String(
        required=True, metadata={"description": "Stable code to branch on.", "enum": sorted(CODES)}
    )
    instance = ma.fields.String(metadata={"description": "The request path."})
    errors = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "Field errors, if any."}
    )
