"""The one kind of problem a user should ever see for a bad scenario: one line, with file,
line, field path and what is allowed. A file's problems are all reported at once
(`ScenarioErrors`), so that one edit-validate cycle can fix them all."""

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

    @property
    def errors(self) -> list[ScenarioError]:
        """Every problem this exception stands for (here, just itself)."""
        return [self]

    def located(self, file: str, line: int | None) -> ScenarioError:
        return ScenarioError(self.message, self.path, file=file, line=line)

    def __str__(self) -> str:
        return _line(self.file, self.line, self.path, self.message)


def _line(file: str | None, line: int | None, path: Path, message: str) -> str:
    where = file or "<scenario>"
    if line is not None:
        where += f":{line}"
    field = dotted(path)
    return _printable(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def _printable(text: str) -> str:
    """The text with control characters and line breaks escaped, so that a key or value
    holding one (a hostile or mangled file) still gives one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ScenarioErrors(ScenarioError):
    """Several problems in one file, in the order to fix them (file order, whole-file
    problems first). It reads as its first problem (`message`, `path`, `line`), so code that
    handles one `ScenarioError` still works; `str()` is one line per problem."""

    def __init__(self, errors: Sequence[ScenarioError]) -> None:
        if not errors:
            raise ValueError("ScenarioErrors needs at least one error")
        first = errors[0]
        super().__init__(first.message, first.path, file=first.file, line=first.line)
        self._errors = list(errors)

    @property
    def errors(self) -> list[ScenarioError]:
        return list(self._errors)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self._errors)


def in_file_order(errors: Iterable[ScenarioError]) -> list[ScenarioError]:
    """Whole-file problems (no line) first, then by line; ties keep the order found."""
    return sorted(errors, key=lambda e: -1 if e.line is None else e.line)


def raise_if_any(errors: Sequence[ScenarioError]) -> None:
    """Raise the one problem as itself, several as a ScenarioErrors."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioErrors(errors)


class Problems:
    """Collects problems while a file is checked, so that checking goes on after the first.

    `with problems.at(path):` records a ScenarioError raised inside (placed under `path`)
    instead of letting it stop everything; the code after the block must cope with what
    the block failed to produce (usually: skip checks that depend on it)."""

    def __init__(self) -> None:
        self.errors: list[ScenarioError] = []

    def add(self, error: ScenarioError) -> None:
        self.errors.extend(error.errors)

    def at(self, prefix: Path = ()) -> _Catch:
        return _Catch(self, prefix)

    def __bool__(self) -> bool:
        return bool(self.errors)


class _Catch:
    def __init__(self, problems: Problems, prefix: Path) -> None:
        self.problems = problems
        self.prefix = prefix
        self.failed = False

    def __enter__(self) -> _Catch:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, ScenarioError):
            for e in exc.errors:
                self.problems.errors.append(e.within(self.prefix))
            self.failed = True
            return True
        return False


class ScenarioWarning:
    """Something legal but probably not meant (weights that get normalised, a value clipped
    at its bound, an exit made impossible). Never fatal unless asked (`strict`)."""

    def __init__(
        self, message: str, path: Path = (), *, file: str | None = None, line: int | None = None
    ) -> None:
        self.message = message
        self.path = tuple(path)
        self.file = file
        self.line = line

    def as_error(self) -> ScenarioError:
        return ScenarioError(self.message, self.path, file=self.file, line=self.line)

    def __str__(self) -> str:
        return _line(self.file, self.line, self.path, f"warning: {self.message}")

    def __repr__(self) -> str:
        return f"ScenarioWarning({str(self)!r})"
