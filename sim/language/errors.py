"""The one kind of error a user should ever see for a bad scenario: one line, with file,
line, field path and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

Path = tuple[str | int, ...]


def dotted(path: Sequence[str | int]) -> str:
    """`('routes', 'act', 'gates', 0, 'p')` -> `routes.act.gates[0].p`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ScenarioError(Exception):
    """A problem in a scenario file, located as precisely as the loader can."""

    def __init__(
        self,
        message: str,
        path: Path = (),
        *,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = tuple(path)
        self.file = file
        self.line = line

    def within(self, prefix: Path) -> ScenarioError:
        """The same error, with its path under `prefix` (values know only their own part)."""
        return ScenarioError(self.message, (*prefix, *self.path), file=self.file, line=self.line)

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        field = dotted(self.path)
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"
