"""flask-smorest, adapted: problem-details errors, a 400 for invalid input, and a
tag per blueprint for the docs."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from flask import Flask
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from storefront.api.problems import PROBLEM_MIMETYPE, ApiProblem, ProblemSchema

BEARER = "bearerAuth"


class Parser(FlaskParser):
    """Invalid query strings and bodies are a 400 with field errors."""

    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose operations are grouped under ``tag`` in the docs."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, name: str, import_name: str, *, tag: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, **kwargs)
        self.tag = tag

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)


class Api(flask_smorest.Api):
    """The API extension. Errors are rendered by :mod:`storefront.errors` (problem
    details under ``/api``, HTML pages elsewhere), so flask-smorest's own handler —
    which would answer every page of the site in JSON — is not installed."""

    ERROR_SCHEMA = ProblemSchema

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


def not_found(detail: str = "") -> ApiProblem:
    return ApiProblem(404, "not_found", detail)
