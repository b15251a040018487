"""Errors that are the user's to fix: the CLI prints their message and exits with status 2."""


class UserError(ValueError):
    """Bad input from a person (file, field, value, folder); the message says what was expected."""
