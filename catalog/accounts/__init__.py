"""Accounts, at the bottom layer so that every package may refer to them: people and
organisations with their membership (:mod:`~catalog.accounts.users`, where
:func:`~catalog.accounts.users.register_user` opens every account and the password
policy lives) and personal API tokens (:mod:`~catalog.accounts.api_tokens`).
Organisations are verified like cooperatives, by :mod:`catalog.moderation`."""
