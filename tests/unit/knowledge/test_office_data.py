"""The office's service data is built once at start, on one gazetteer and one set of offices, and a
wrong file fails the start with the file's name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafile import DATA_DIR, DataFileError
from knowledge.office_data import OfficeData

SERVICE_FILES = [
    "district/gazetteer.yml",
    "district/offices.yml",
    "district/roster.yml",
    "district/mediation.yml",
    "legal_aid.yml",
    "notarization.yml",
]


@pytest.fixture(scope="module")
def data() -> OfficeData:
    return OfficeData.load()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in SERVICE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_every_engine_shares_one_gazetteer_and_one_set_of_offices(data: OfficeData) -> None:
    assert data.offices.gazetteer is data.gazetteer
    assert data.roster.gazetteer is data.gazetteer
    assert data.mediation.offices is data.offices


def test_the_shipped_data_loads_from_a_copy(data_copy: Path) -> None:
    assert len(OfficeData.load(data_copy).notarization) == len(OfficeData.load().notarization)


@pytest.mark.parametrize("name", SERVICE_FILES)
def test_a_file_that_does_not_parse_fails_the_start_with_its_name(data_copy: Path, name: str) -> None:
    (data_copy / name).write_text("matters: [unclosed", encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"^{Path(name).name}: ") as raised:
        OfficeData.load(data_copy)
    assert raised.value.path == data_copy / name


@pytest.mark.parametrize("name", SERVICE_FILES)
def test_a_file_missing_its_content_fails_the_start_with_its_name(data_copy: Path, name: str) -> None:
    (data_copy / name).write_text("{}", encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"^{Path(name).name}: "):
        OfficeData.load(data_copy)


def test_a_legal_aid_office_missing_from_the_offices_fails_the_start(data_copy: Path) -> None:
    path = data_copy / "legal_aid.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["apply"]["office"] = "no-such-office"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^legal_aid\.yml: .*no-such-office"):
        OfficeData.load(data_copy)


def test_an_office_serving_an_unknown_place_names_the_offices_file(data_copy: Path) -> None:
    path = data_copy / "district/offices.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["offices"][0]["places"] = ["无此村"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^offices\.yml: .*无此村"):
        OfficeData.load(data_copy)
