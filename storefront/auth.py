"""Logins and who may see what. Every page that shows something owned by a
cooperative or an organisation goes through :func:`cooperative_required` or
:func:`organisation_required`, which load *the current user's own* cooperative or
organisation — never one named in the URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from werkzeug.wrappers import Response

from catalog.accounts.users import Role, User
from catalog.db import whole_number
from catalog.models import Cooperative
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.mailer import queue_mail
from storefront.tenancy import organisation_or_404

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "account.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account of a session or remember-me cookie (``"<id>:<epoch>"``), unless it was
    deactivated or its sessions were ended since (the epoch moved on)."""
    id_text, _, epoch = user_id.partition(":")
    user_pk = whole_number(id_text)
    if user_pk is None or whole_number(epoch) is None:
        return None
    user = db.session.get(User, user_pk)
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None
    return user


def answer_existing_account(email: str) -> Response:
    """Someone signs up with an address that already has an account: nothing they
    typed is kept, they get the same answer as for a new account, and the address's
    owner gets a mail saying so (never say on the page that an address is registered)."""
    db.session.rollback()
    queue_mail(email, "account_exists", language=current_language(), topic="account:exists")
    db.session.commit()
    flash(_("Check your e-mail to continue."), "info")
    return redirect(url_for("account.login"))


def role_required(*roles: Role) -> Callable[[F], F]:
    """Logged in with one of ``roles``; otherwise the login page, or 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def cooperative_required(view: F) -> F:
    """A cooperative member; ``g.cooperative`` is their own cooperative."""

    @wraps(view)
    @role_required(Role.COOPERATIVE)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        coop = db.session.get(Cooperative, current_user.cooperative_id)
        if coop is None:
            abort(403)
        g.cooperative = coop
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def organisation_required(view: F) -> F:
    """An organisation member; ``g.organisation`` is their own organisation."""

    @wraps(view)
    @role_required(Role.ORGANISATION)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.organisation = organisation_or_404(current_user.organisation_id)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


operator_required = role_required(Role.OPERATOR)
