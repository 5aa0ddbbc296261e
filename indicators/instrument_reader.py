"""Reading one instrument file: every table and id of a parsed TOML file checked, and the
read-only :class:`~indicators.catalogue.Instrument` built from it.

Every problem is an :class:`~indicators.catalogue.InstrumentError` naming the file and the id
(``catalogue.load_instrument`` reads the file and hands the parsed data here).
"""

from __future__ import annotations

from typing import Any

from .catalogue import (
    ABOUT,
    GROUP_CODES,
    LEVELS,
    TYPES,
    BackgroundQuestion,
    FreeTextQuestion,
    Indicator,
    Instrument,
    InstrumentError,
    Item,
    Language,
    Questionnaire,
    Scale,
)


class Reader:
    """Validate one parsed file; every error names the file and the id."""

    def __init__(self, data: dict[str, Any], source: str):
        self.data = data
        self.source = source

    def fail(self, where: str, message: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {message}")

    def table(self, obj: Any, where: str) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise self.fail(where, "must be a table")
        return obj

    def texts(self, obj: Any, where: str, languages: tuple[str, ...]) -> dict[str, str]:
        if not isinstance(obj, dict):
            raise self.fail(where, "missing text (expected a table of translations)")
        for lang in languages:
            value = obj.get(lang)
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, f"missing translation '{lang}'")
        return {k: v for k, v in obj.items() if isinstance(v, str)}

    def label_lists(self, obj: Any, where: str, languages: tuple[str, ...], count: int):
        if not isinstance(obj, dict):
            raise self.fail(where, "missing labels (expected a table of translations)")
        out = {}
        for lang in languages:
            labels = obj.get(lang)
            if labels is None:
                raise self.fail(where, f"missing translation '{lang}'")
            if not isinstance(labels, list) or len(labels) != count or not all(
                isinstance(s, str) and s.strip() for s in labels
            ):
                raise self.fail(where, f"'{lang}' must list {count} non-empty labels")
        for lang, labels in obj.items():
            if isinstance(labels, list):
                out[lang] = tuple(labels)
        return out

    def unique_id(self, seen: set[str], ident: Any, where: str) -> str:
        if not isinstance(ident, str) or not ident:
            raise self.fail(where, "missing id")
        if ident in seen:
            raise self.fail(ident, "duplicate id")
        seen.add(ident)
        return ident

    def read(self) -> Instrument:
        d = self.data
        version = d.get("version")
        if not isinstance(version, str) or not version:
            raise self.fail("version", "missing instrument version")
        base_langs = tuple(d.get("languages") or ())
        if "sv" not in base_langs:
            raise self.fail("languages", "must include 'sv'")

        languages: dict[str, Language] = {}
        for code, info in self.table(d.get("language_info", {}), "language_info").items():
            info = self.table(info, f"language_info.{code}")
            direction = info.get("dir", "ltr")
            if direction not in ("ltr", "rtl"):
                raise self.fail(f"language_info.{code}", "dir must be 'ltr' or 'rtl'")
            languages[code] = Language(
                code=code,
                name=str(info.get("name") or code),
                html_lang=str(info.get("html_lang") or code),
                rtl=direction == "rtl",
                reviewed=bool(info.get("reviewed", False)),
            )
        for lang in base_langs:
            if lang not in languages:
                raise self.fail(f"language_info.{lang}", "missing description of language")

        title = self.texts(d.get("title"), "title", base_langs)

        scales: dict[str, Scale] = {}
        for sid, raw in self.table(d.get("scales"), "scales").items():
            raw = self.table(raw, sid)
            scales[sid] = Scale(
                id=sid,
                labels=self.label_lists(raw.get("labels"), sid, base_langs, 6),
                missing=self.texts(raw.get("missing"), f"{sid}.missing", base_langs),
            )
        if not scales:
            raise self.fail("scales", "no scales defined")

        indicators: dict[str, Indicator] = {}
        seen: set[str] = set()
        raw_inds = d.get("indicators")
        if not isinstance(raw_inds, list) or not raw_inds:
            raise self.fail("indicators", "no indicators defined")
        for n, raw in enumerate(raw_inds, 1):
            raw = self.table(raw, f"indicators[{n}]")
            iid = self.unique_id(seen, raw.get("id"), f"indicators[{n}]")
            if raw.get("level") not in LEVELS:
                raise self.fail(iid, f"level must be one of {', '.join(LEVELS)}")
            if raw.get("type") not in TYPES:
                raise self.fail(iid, f"type must be one of {', '.join(TYPES)}")
            indicators[iid] = Indicator(
                id=iid,
                name=self.texts(raw.get("name"), f"{iid}.name", base_langs),
                description=self.texts(raw.get("description"), f"{iid}.description", base_langs),
                level=raw["level"],
                type=raw["type"],
                measured=bool(raw.get("measured", True)),
            )

        background: dict[str, dict[str, Any]] = self.table(d.get("background", {}), "background")
        free_text: dict[str, dict[str, Any]] = self.table(d.get("free_text", {}), "free_text")

        questionnaires: dict[str, Questionnaire] = {}
        raw_qs = self.table(d.get("questionnaires"), "questionnaires")
        for code in raw_qs:
            if code not in GROUP_CODES:
                raise self.fail(code, f"unknown questionnaire, expected one of {', '.join(GROUP_CODES)}")
        for code, raw in raw_qs.items():
            raw = self.table(raw, code)
            langs = base_langs + tuple(
                lang for lang in raw.get("languages", ()) if lang not in base_langs
            )
            for lang in langs:
                if lang not in languages:
                    raise self.fail(f"{code}.languages", f"language '{lang}' is not described in language_info")
            if raw.get("about") not in ABOUT:
                raise self.fail(code, "about must be 'insats' or 'forbund'")
            raw_items = raw.get("items")
            if not isinstance(raw_items, list) or not raw_items:
                raise self.fail(code, "questionnaire has no items")
            items = []
            for n, r in enumerate(raw_items, 1):
                r = self.table(r, f"{code}.items[{n}]")
                item_id = self.unique_id(seen, r.get("id"), f"{code}.items[{n}]")
                if r.get("indicator") not in indicators:
                    raise self.fail(item_id, f"unknown indicator '{r.get('indicator')}'")
                if not indicators[r["indicator"]].measured:
                    raise self.fail(item_id, f"indicator '{r['indicator']}' has no survey measure")
                if r.get("scale") not in scales:
                    raise self.fail(item_id, f"unknown scale '{r.get('scale')}'")
                self.require_scale_languages(scales[r["scale"]], langs, item_id)
                items.append(Item(
                    id=item_id,
                    indicator=r["indicator"],
                    scale=r["scale"],
                    text=self.texts(r.get("text"), item_id, langs),
                    questionnaire=code,
                ))
            bgs = []
            for bid in raw.get("background", ()):
                if bid not in background:
                    raise self.fail(f"{code}.background", f"unknown background question '{bid}'")
                b = self.table(background[bid], f"background.{bid}")
                options = b.get("options")
                if not isinstance(options, list) or not options:
                    raise self.fail(f"background.{bid}", "no options")
                bgs.append(BackgroundQuestion(
                    id=bid,
                    text=self.texts(b.get("text"), f"background.{bid}", langs),
                    options=tuple(options),
                    labels=self.label_lists(b.get("labels"), f"background.{bid}", langs, len(options)),
                ))
            fts = []
            for fid in raw.get("free_text", ()):
                if fid not in free_text:
                    raise self.fail(f"{code}.free_text", f"unknown free-text question '{fid}'")
                f = self.table(free_text[fid], f"free_text.{fid}")
                fts.append(FreeTextQuestion(id=fid, text=self.texts(f.get("text"), f"free_text.{fid}", langs)))
            minutes = raw.get("minutes", 5)
            if not isinstance(minutes, int) or minutes < 1:
                raise self.fail(code, "minutes must be a positive whole number")
            questionnaires[code] = Questionnaire(
                code=code,
                name=self.texts(raw.get("name"), f"{code}.name", langs),
                intro=self.texts(raw.get("intro"), f"{code}.intro", langs),
                about=raw["about"],
                minutes=minutes,
                items=tuple(items),
                background=tuple(bgs),
                free_text=tuple(fts),
                languages=langs,
            )
        if not questionnaires:
            raise self.fail("questionnaires", "no questionnaires defined")
        return Instrument(
            version=version,
            title=title,
            languages=languages,
            scales=scales,
            indicators=indicators,
            questionnaires=questionnaires,
            source=self.source,
        )

    def require_scale_languages(self, scale: Scale, langs: tuple[str, ...], item_id: str) -> None:
        for lang in langs:
            if lang not in scale.labels or lang not in scale.missing:
                raise self.fail(item_id, f"scale '{scale.id}' is missing translation '{lang}'")
