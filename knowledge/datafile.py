"""Reading the project's data files into validated models: the one place that names a wrong file.

Every loader in `knowledge/` reads its YAML through `load_yaml_model` (or `read_yaml` when an engine
checks the data against other files, wrapped in `naming(path)`), so a mistake surfaces at load as a
`DataFileError` whose message starts with the file's name, never later on a resident's request.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict

DATA_DIR = Path(__file__).parent / "data"

Model = TypeVar("Model", bound=BaseModel)


class Frozen(BaseModel):
    """A part of a data file: immutable once validated, and no field the schema does not name."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFileError(ValueError):
    """A data file that does not parse or does not validate; the message starts with its name."""

    def __init__(self, path: Path, error: Exception):
        super().__init__(f"{path.name}: {error}")
        self.path = path


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Errors raised inside name `path`; an error that already names its own file passes unchanged."""
    try:
        yield
    except DataFileError:
        raise
    except (ValueError, yaml.YAMLError) as error:  # pydantic's ValidationError is a ValueError
        raise DataFileError(path, error) from error


def read_yaml(path: Path) -> Any:
    """The parsed file, for an engine that validates it together with other files (inside `naming`)."""
    with naming(path):
        return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_model(model: type[Model], path: Path) -> Model:
    with naming(path):
        return model.model_validate(read_yaml(path))


def unique_ids(what: str, ids: Iterable[str]) -> None:
    """Refuse an id used twice: lookups by id would silently take one of them."""
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ValueError(f"duplicate {what} id: {item_id}")
        seen.add(item_id)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def check_placeholders(owner: str, template: str, allowed: set[str]) -> None:
    """A typo in a placeholder would otherwise surface only when that text is first shown."""
    unknown = placeholders(template) - allowed
    if unknown:
        raise ValueError(f"{owner}: unknown placeholders {sorted(unknown)}, allowed {sorted(allowed)}")
