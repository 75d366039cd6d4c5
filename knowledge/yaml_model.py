"""Loading a data file into its pydantic model: one place that names the file when it is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


def load_yaml_model(model: type[Model], path: Path) -> Model:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValueError, yaml.YAMLError) as error:  # pydantic's ValidationError is a ValueError
        raise ValueError(f"{path.name}: {error}") from error
