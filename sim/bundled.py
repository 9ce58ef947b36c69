"""Where the bundled scenarios live: inside the installed package (a wheel carries them as
package data), or in the source checkout's `scenarios/` folder."""

from __future__ import annotations

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


def names() -> list[str]:
    return sorted(p.stem for p in folder().glob("*.yaml"))


def find(name: str) -> Path | None:
    """The bundled scenario called `name` (with or without .yaml), if there is one."""
    stem = name[:-5] if name.endswith(".yaml") else name
    path = folder() / f"{stem}.yaml"
    return path if path.is_file() and "/" not in name else None
