"""Instrument versions as read-only reference data: scales, indicators, questionnaires, items.

Each version is one TOML file in ``indicators/instruments/``. Files are validated on load and
every problem is reported as an :class:`InstrumentError` that names the file and the id, so a
förbund that adds the official NNS wording as another file learns at once what is wrong with it.
The checks of one file are in :mod:`indicators.instrument_reader`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

INSTRUMENT_DIR = Path(__file__).parent / "instruments"
DEFAULT_VERSION = "2026.1"

#: Codes of the closed scales. "Vet ej" is stored as NULL and never enters a statistic.
VALID_CODES = (1, 2, 3, 4, 5, 6)
#: Codes 4-6 are the positive answers.
POSITIVE_CODES = (4, 5, 6)
#: Respondent groups in the order reports show them.
GROUP_CODES = ("DP", "DA", "PE", "CH", "ST")
LEVELS = ("deltagare", "personal", "organisation", "samhalle")
TYPES = ("process", "effect")
ABOUT = ("insats", "forbund")

Texts = Mapping[str, str]


class InstrumentError(ValueError):
    """An instrument file is malformed; the message names the file and the offending id."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    html_lang: str
    rtl: bool
    reviewed: bool


@dataclass(frozen=True)
class Scale:
    id: str
    labels: Mapping[str, tuple[str, ...]]  #: language -> six labels for codes 1..6
    missing: Texts  #: label of the "Vet ej" option

    def label(self, code: int, lang: str) -> str:
        return self.labels[lang][code - 1]


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Texts
    description: Texts
    level: str
    type: str
    measured: bool


@dataclass(frozen=True)
class Item:
    id: str
    indicator: str
    scale: str
    text: Texts
    questionnaire: str


@dataclass(frozen=True)
class BackgroundQuestion:
    id: str
    text: Texts
    options: tuple[str, ...]
    labels: Mapping[str, tuple[str, ...]]

    def option_label(self, option: str, lang: str) -> str:
        return self.labels[lang][self.options.index(option)]


@dataclass(frozen=True)
class FreeTextQuestion:
    id: str
    text: Texts


@dataclass(frozen=True)
class Questionnaire:
    code: str
    name: Texts
    intro: Texts
    about: str
    minutes: int
    items: tuple[Item, ...]
    background: tuple[BackgroundQuestion, ...]
    free_text: tuple[FreeTextQuestion, ...]
    languages: tuple[str, ...]  #: languages it can be answered in, first is the default

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


@dataclass(frozen=True)
class Instrument:
    version: str
    title: Texts
    languages: Mapping[str, Language]
    scales: Mapping[str, Scale]
    indicators: Mapping[str, Indicator]
    questionnaires: Mapping[str, Questionnaire]
    source: str = ""
    _items: dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for q in self.questionnaires.values():
            for item in q.items:
                self._items[item.id] = item

    @property
    def items(self) -> Mapping[str, Item]:
        return self._items

    @property
    def measured_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators.values() if i.measured)

    def item_indicator_map(self) -> dict[str, str]:
        """Map every item id to its indicator id (the input the scoring functions take)."""
        return {item_id: item.indicator for item_id, item in self._items.items()}

    def indicator_items(self, group: str, indicator_id: str) -> tuple[str, ...]:
        """Return the item ids that measure one indicator in one respondent group."""
        q = self.questionnaires[group]
        return tuple(i.id for i in q.items if i.indicator == indicator_id)

    def groups_measuring(self, indicator_id: str) -> tuple[str, ...]:
        return tuple(
            code for code, q in self.questionnaires.items()
            if any(i.indicator == indicator_id for i in q.items)
        )


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument file; raise InstrumentError naming the file and id."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path.name}: not valid TOML: {exc}") from exc
    from .instrument_reader import Reader  # it builds this module's classes

    return Reader(data, path.name).read()


def load_directory(directory: str | Path = INSTRUMENT_DIR) -> dict[str, Instrument]:
    """Load every ``*.toml`` file in a folder, keyed by version; versions must be unique."""
    out: dict[str, Instrument] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        inst = load_instrument(path)
        if inst.version in out:
            raise InstrumentError(
                f"{path.name}: version: duplicate version '{inst.version}' (also in {out[inst.version].source})"
            )
        out[inst.version] = inst
    return out


def load_directory_report(directory: str | Path = INSTRUMENT_DIR) -> tuple[dict[str, Instrument], dict[str, str]]:
    """Load every ``*.toml`` file that is valid; return (versions, {file name: error}) so that one
    broken or duplicate file is reported without stopping the others."""
    out: dict[str, Instrument] = {}
    errors: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            inst = load_instrument(path)
        except (InstrumentError, OSError, UnicodeDecodeError) as exc:
            errors[path.name] = str(exc)
            continue
        if inst.version in out:
            errors[path.name] = (f"{path.name}: version: duplicate version '{inst.version}' "
                                 f"(also in {out[inst.version].source})")
            continue
        out[inst.version] = inst
    return out, errors


@cache
def _cached(directory: str) -> tuple[dict[str, Instrument], dict[str, str]]:
    return load_directory_report(directory)


def get_instrument(version: str = DEFAULT_VERSION, directory: str | Path = INSTRUMENT_DIR) -> Instrument:
    """Return one validated instrument version (cached per folder); KeyError if unknown or broken."""
    return _cached(str(directory))[0][version]


def available_versions(directory: str | Path = INSTRUMENT_DIR) -> tuple[str, ...]:
    return tuple(_cached(str(directory))[0])


def load_errors(directory: str | Path = INSTRUMENT_DIR) -> dict[str, str]:
    """The files of the folder that could not be loaded, with why (see load_directory_report)."""
    return dict(_cached(str(directory))[1])


def clear_cache() -> None:
    """Forget the loaded files (after a file is added or changed while the process runs)."""
    _cached.cache_clear()


def measurement_year(day) -> int:
    """Return the measurement year of a date: 1 November – 31 October, labelled by its end year.

    2023-11-01 .. 2024-10-31 is measurement year 2024.
    """
    return day.year + 1 if day.month >= 11 else day.year
