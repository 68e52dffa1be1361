"""Errors the command line turns into one line and an exit status."""

from __future__ import annotations


class CliError(Exception):
    """A failure shown to the operator as one line; `exit_code` is the process status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class MissingSettingError(CliError):
    """Settings a command needs are not set; exit status 2."""

    def __init__(self, names: list[str]) -> None:
        listed = "; ".join(names)
        super().__init__(
            f"missing settings: {listed}. Set them in the environment or in .env"
            " (see .env.example)",
            exit_code=2,
        )
        self.names = names
