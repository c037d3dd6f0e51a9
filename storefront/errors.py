"""Error pages: a clear page in the user's language, never a traceback. Under
``/api`` the same errors are problem-details JSON (:mod:`storefront.api.problems`)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from storefront.api.problems import is_api_request, problem_response
from storefront.extensions import db

TITLES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You are not allowed to see this page."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The file is too large."),
    429: lambda: _("Too many attempts. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Please try again."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_response(error)
        message = _("Your form expired. Please go back, reload the page and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_response(error)
        code = error.code or 500
        title = TITLES.get(code, TITLES[400])()
        return render_template("errors/error.html", code=code, message=title), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int] | Response:
        db.session.rollback()
        if is_api_request():
            return problem_response(InternalServerError())
        return render_template("errors/error.html", code=500, message=TITLES[500]()), 500
