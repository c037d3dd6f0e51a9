"""flask-smorest, adapted: problem-details errors, a 400 for invalid input, and a
tag per blueprint for the docs."""

from __future__ import annotations

import http
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, g, request
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from catalog import safe_text
from catalog.accounts import api_tokens
from catalog.accounts.users import Role
from catalog.db import in_integer_range, utcnow
from catalog.models import Cooperative
from storefront.api.problems import (
    PROBLEM_MIMETYPE,
    ApiProblem,
    FieldError,
    ProblemSchema,
    detail,
)
from storefront.extensions import db
from storefront.security import has_nul
from storefront.tenancy import organisation_or_404

BEARER = "bearerAuth"


class Parser(FlaskParser):
    """Invalid query strings and bodies are a 400 with field errors."""

    DEFAULT_VALIDATION_STATUS = 400

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """The loaded arguments, refused (400) when a number is beyond what the database
        holds: an id of 2**64 is no id, and must not reach a query."""
        data = super().parse(*args, **kwargs)
        huge = list(_huge_numbers(data, ""))
        if huge:
            raise ApiProblem(
                400,
                "validation_failed",
                "The request has invalid fields.",
                errors=[
                    FieldError(path, "out_of_range", "This number is too large.") for path in huge
                ],
            )
        return data

    def load_json(self, req: Any, schema: Any) -> Any:
        data = super().load_json(req, schema)
        if has_nul(data):
            raise ApiProblem(
                400,
                "validation_failed",
                "The request has invalid fields.",
                errors=[FieldError("body", "nul_character", "Text may not hold NUL characters.")],
            )
        unsafe = list(_unsafe_text(data, schema, ""))
        if unsafe:
            raise ApiProblem(
                400,
                "validation_failed",
                "The request has invalid fields.",
                errors=[FieldError(path, code, detail(code)) for path, code in unsafe],
            )
        return data


def _huge_numbers(data: Any, path: str) -> Iterator[str]:
    if isinstance(data, int) and not isinstance(data, bool):
        if not in_integer_range(data):
            yield path or "body"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _huge_numbers(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from _huge_numbers(value, f"{path}.{i}" if path else str(i))


def _unsafe_text(data: Any, schema: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(field path, code)`` for each string of a JSON body that may not be stored.
    Fields declared with ``metadata={"multiline": True}`` may hold line breaks."""
    if not isinstance(data, dict):
        yield from _unsafe_value(data, None, path)
        return
    by_key = {}
    if isinstance(schema, ma.Schema):
        by_key = {f.data_key or name: f for name, f in schema.fields.items()}
    for key, value in data.items():
        yield from _unsafe_value(value, by_key.get(key), f"{path}.{key}" if path else str(key))


def _unsafe_value(value: Any, field: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        multiline = bool(field is not None and field.metadata.get("multiline"))
        text = safe_text.normalise_newlines(value) if multiline else value
        code = safe_text.text_problem(text, multiline=multiline)
        if code is not None:
            yield path or "body", code
    elif isinstance(value, list):
        inner = field.inner if isinstance(field, ma.fields.List) else None
        for i, item in enumerate(value):
            yield from _unsafe_value(item, inner, f"{path}.{i}" if path else str(i))
    elif isinstance(value, dict):
        nested = field.schema if isinstance(field, ma.fields.Nested) else None
        yield from _unsafe_text(value, nested, path)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose operations are grouped under ``tag`` in the docs."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, name: str, import_name: str, *, tag: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, **kwargs)
        self.tag = tag

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)

    def token_required(self, *roles: Role) -> Callable[[Any], Any]:
        """The call needs an active API token of one of ``roles``: 401 without one, 403
        for another kind of party. Sets ``g.api_token`` and ``g.cooperative`` or
        ``g.organisation`` — the token's own party, never one named in the request.
        Checked before the body is read."""

        def decorator(view: Any) -> Any:
            @wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                authenticate(roles)
                return view(*args, **kwargs)

            return self.doc(security=[{BEARER: []}])(wrapped)

        return decorator


class Api(flask_smorest.Api):
    """The API extension. Errors are rendered by :mod:`storefront.errors` (problem
    details under ``/api``, HTML pages elsewhere), so flask-smorest's own handler —
    which would answer every page of the site in JSON — is not installed."""

    # flask-smorest infers its default (ErrorSchema) as the attribute's type; any
    # marshmallow schema documents the errors
    ERROR_SCHEMA = ProblemSchema  # type: ignore[assignment]

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        app: Flask = self._app
        name = options.get("name", blp.name)
        app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, app, self.spec, name=name, parameters=parameters)
        self.spec.tag({"name": blp.tag, "description": blp.description})


def authenticate(roles: tuple[Role, ...]) -> api_tokens.ApiToken:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiProblem(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    token = api_tokens.authenticate(db.session, raw, now=utcnow())
    if token is None:
        raise ApiProblem(401, "unauthorized", "This token is unknown, revoked or expired.")
    if roles and token.role not in roles:
        raise ApiProblem(403, "forbidden", "This token's party may not use this endpoint.")
    if token in db.session.dirty:  # last_used_at moved on: keep it even for a read
        db.session.commit()
    g.api_token = token
    if token.cooperative_id is not None:
        g.cooperative = db.session.get(Cooperative, token.cooperative_id)
    if token.organisation_id is not None:
        g.organisation = organisation_or_404(token.organisation_id)
    return token


def not_found(detail: str = "") -> ApiProblem:
    return ApiProblem(404, "not_found", detail)
