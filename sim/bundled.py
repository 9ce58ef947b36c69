"""Where the bundled scenarios live: inside the installed package (a wheel carries them as
package data), or in the source checkout's `scenarios/` folder; and which file a
command-line SCENARIO argument means."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT = "baseline"


def folder() -> Path:
    packaged = Path(__file__).parent / "_bundled" / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "scenarios"


def digest() -> Path | None:
    """The seeds digest that sources cite (shipped in the wheel beside the scenarios)."""
    for path in (
        Path(__file__).parent / "_bundled" / "seeds" / "digest.yaml",
        Path(__file__).resolve().parent.parent / "seeds" / "digest.yaml",
    ):
        if path.is_file():
            return path
    return None


HISTORY = "history"  # replays of past US withdrawals, named history/<stem>


def names() -> list[str]:
    """The default scenario first (what `sim run` alone runs), then the stories by name."""
    stems = sorted(p.stem for p in folder().glob("*.yaml"))
    return sorted(stems, key=lambda s: s != DEFAULT)


def history_names() -> list[str]:
    """The history replays, as `history/<stem>`: listed apart from the forecasts, since
    they answer what happened, not what may."""
    return sorted(f"{HISTORY}/{p.stem}" for p in (folder() / HISTORY).glob("*.yaml"))


def find(name: str) -> Path | None:
    """The bundled scenario called `name` (with or without .yaml), if there is one; a
    history replay is named `history/<stem>`."""
    stem = name[:-5] if name.endswith(".yaml") else name
    sub, _, leaf = stem.rpartition("/")
    if sub not in ("", HISTORY) or not leaf:
        return None
    path = folder() / sub / f"{leaf}.yaml"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Resolved:
    """Which file a command-line SCENARIO argument means, and what the user should be told:
    an installed copy is not the file in the checkout, and a run of one must say so."""

    path: Path
    bundled: bool  # the installed bundled copy, found by name
    shadowed_by: tuple[Path, ...] = ()  # nearby files of the same name that differ from it

    def notes(self) -> list[str]:
        """Lines for stderr: which file runs, and how to run a different one nearby."""
        if self.bundled:
            lines = [f"sim: scenario {self.path} (bundled copy)"]
        else:
            lines = [f"sim: scenario {self.path}"]
        for other in self.shadowed_by:
            lines.append(
                f"sim: warning: {other} differs from the bundled {self.path.stem!r} that this "
                f"ran; to run your file: sim run {other}"
            )
        return lines


class NotFound(LookupError):
    """SCENARIO is neither a file nor a bundled name (the message says which exist)."""


def resolve(arg: str | None, here: Path | None = None) -> Resolved:
    """A path, or the name of a bundled scenario; nothing means the default scenario."""
    if arg is not None and Path(arg).exists():
        return Resolved(Path(arg), bundled=False)
    name = DEFAULT if arg is None else arg
    found = find(name)
    if found is None:
        if arg is None:
            raise NotFound(f"sim: the bundled scenario {DEFAULT!r} is missing from this install")
        listing = ", ".join(names()) or "none"
        raise NotFound(f"{arg}: no such file, nor a bundled scenario (bundled: {listing})")
    return Resolved(found, bundled=True, shadowed_by=tuple(_shadows(found, here or Path())))


def _shadows(found: Path, here: Path) -> list[Path]:
    """./NAME.yaml and ./scenarios/NAME.yaml when they differ from the bundled copy."""
    out = []
    content = found.read_bytes()
    for near in (here / found.name, here / "scenarios" / found.name):
        try:
            if near.resolve() != found.resolve() and near.read_bytes() != content:
                out.append(near)
        except OSError:
            continue  # absent or unreadable: nothing shadows
    return out
