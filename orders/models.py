"""All of the orders package's tables, importable in one place."""

from orders.accounts import Organisation, User
from orders.mail import OutboxMessage

__all__ = ["Organisation", "OutboxMessage", "User"]
