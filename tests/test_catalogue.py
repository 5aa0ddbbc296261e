"""The instrument as data: the default version matches the spec, broken files are refused."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from indicators.catalogue import (
    INSTRUMENT_DIR,
    InstrumentError,
    get_instrument,
    load_directory,
    load_instrument,
    measurement_year,
)

DEFAULT = INSTRUMENT_DIR / "2026.1.toml"


def test_default_instrument_has_everything_in_the_spec():
    inst = get_instrument("2026.1")
    assert set(inst.scales) == {"frequency", "degree", "agreement"}
    assert len(inst.indicators) == 16
    assert [i.id for i in inst.measured_indicators] == [f"I{n:02d}" for n in range(1, 15)]
    assert not inst.indicators["I15"].measured and not inst.indicators["I16"].measured
    counts = {code: len(q.items) for code, q in inst.questionnaires.items()}
    assert counts == {"DP": 10, "DA": 12, "PE": 13, "CH": 10, "ST": 7}
    assert inst.scales["agreement"].missing["sv"] == "Vet ej / ej aktuellt"
    assert inst.scales["frequency"].labels["sv"][5] == "Alltid"
    assert inst.items["DA06"].indicator == "I05" and inst.items["DA06"].scale == "degree"
    assert inst.items["PE07"].text["sv"].startswith("Vi har strukturer för att inleda")
    assert [b.id for b in inst.questionnaires["DP"].background] == ["gender", "age_group", "time_in_intervention"]
    assert [b.id for b in inst.questionnaires["ST"].background] == ["partner"]
    assert [f.id for f in inst.questionnaires["DA"].free_text] == ["best", "improve"]
    for item in inst.items.values():
        assert item.text["sv"] and item.text["en"]


def test_every_measured_indicator_is_measured_by_the_groups_the_spec_names():
    inst = get_instrument()
    expected = {
        "I01": ("DP", "DA", "PE"), "I02": ("DP", "DA", "PE"), "I03": ("DP", "DA"), "I04": ("DP", "DA", "PE"),
        "I05": ("DP", "DA"), "I06": ("DA", "PE"), "I07": ("PE", "CH"), "I08": ("PE", "CH"),
        "I09": ("PE", "CH", "ST"), "I10": ("PE", "CH", "ST"), "I11": ("PE", "CH", "ST"),
        "I12": ("DP", "DA"), "I13": ("DP", "DA"), "I14": ("PE", "CH", "ST"),
    }
    assert {i: inst.groups_measuring(i) for i in expected} == expected


@pytest.mark.parametrize(
    ("day", "year"),
    [("2023-10-31", 2023), ("2023-11-01", 2024), ("2024-10-31", 2024), ("2024-01-15", 2024), ("2024-11-01", 2025)],
)
def test_measurement_year_runs_november_to_october(day, year):
    assert measurement_year(dt.date.fromisoformat(day)) == year


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = DEFAULT.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('{ id = "DP03", indicator = "I02"', '{ id = "DP03", indicator = "I99"', "DP03: unknown indicator 'I99'"),
        ('{ id = "DP03", indicator = "I02", scale = "frequency"', '{ id = "DP03", indicator = "I02", scale = "often"', "DP03: unknown scale 'often'"),
        ('{ id = "DP04"', '{ id = "DP03"', "DP03: duplicate id"),
        ('id = "I02"', 'id = "I01"', "I01: duplicate id"),
        (', text.en = "Do the staff listen to your ideas and wishes?"', "", "DP04: missing translation 'en'"),
        ('{ id = "DP05", indicator = "I03"', '{ id = "DP05", indicator = "I15"', "DP05: indicator 'I15' has no survey measure"),
        ('name.en = "Participation"\n', "", "I02.name: missing translation 'en'"),
    ],
)
def test_broken_file_is_refused_with_file_and_id(tmp_path, old, new, message):
    with pytest.raises(InstrumentError) as err:
        load_instrument(broken(tmp_path, old, new))
    assert str(err.value).startswith("broken.toml: ")
    assert message in str(err.value)


def test_questionnaire_without_items_is_refused(tmp_path):
    text = DEFAULT.read_text(encoding="utf-8")
    start = text.index("[questionnaires.ST]")
    items = text.index("items = [", start)
    path = tmp_path / "broken.toml"
    path.write_text(text[:items] + "items = []\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"broken.toml: ST: questionnaire has no items"):
        load_instrument(path)


def test_missing_scale_label_translation_is_refused(tmp_path):
    path = broken(tmp_path, 'labels.en = ["Never", "Rarely", "Sometimes", "Often", "Mostly", "Always"]\n', "")
    with pytest.raises(InstrumentError, match=r"broken.toml: frequency: missing translation 'en'"):
        load_instrument(path)


def test_invalid_toml_is_refused_with_file_name(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('version = "x\n', encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^bad.toml: not valid TOML"):
        load_instrument(path)


def test_a_second_version_is_just_another_file(tmp_path):
    shutil.copy(DEFAULT, tmp_path / "2026.1.toml")
    text = DEFAULT.read_text(encoding="utf-8").replace('version = "2026.1"', 'version = "nns-2024"')
    text = text.replace("Får du den tid du behöver?", "Får du den tid som du behöver?")
    (tmp_path / "nns-2024.toml").write_text(text, encoding="utf-8")
    versions = load_directory(tmp_path)
    assert set(versions) == {"2026.1", "nns-2024"}
    assert versions["nns-2024"].items["DP06"].text["sv"] == "Får du den tid som du behöver?"
    assert versions["2026.1"].items["DP06"].text["sv"] == "Får du den tid du behöver?"


def test_two_files_with_the_same_version_are_refused(tmp_path):
    shutil.copy(DEFAULT, tmp_path / "a.toml")
    shutil.copy(DEFAULT, tmp_path / "b.toml")
    with pytest.raises(InstrumentError, match="b.toml: version: duplicate version '2026.1'"):
        load_directory(tmp_path)
