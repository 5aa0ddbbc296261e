"""Which questionnaire texts in each instrument version have not been reviewed by a native speaker."""

from __future__ import annotations

from dataclasses import dataclass, field

from indicators.catalogue import Instrument, Questionnaire


@dataclass
class UnreviewedTexts:
    """The texts one questionnaire shows in one unreviewed language."""

    version: str
    language_code: str
    language_name: str
    html_lang: str
    rtl: bool
    questionnaire: str
    questionnaire_name: str
    texts: list[tuple[str, str]] = field(default_factory=list)  #: (where, text)

    @property
    def count(self) -> int:
        return len(self.texts)


def questionnaire_texts(inst: Instrument, q: Questionnaire, lang: str) -> list[tuple[str, str]]:
    """Every text the questionnaire shows in ``lang``, labelled with where it is used."""
    out = [("name", q.name[lang]), ("intro", q.intro[lang])]
    out += [(item.id, item.text[lang]) for item in q.items]
    for scale_id in dict.fromkeys(item.scale for item in q.items):
        scale = inst.scales[scale_id]
        out += [(f"{scale_id} {code}", label) for code, label in enumerate(scale.labels[lang], 1)]
        out.append((f"{scale_id} 9", scale.missing[lang]))
    for bg in q.background:
        out.append((bg.id, bg.text[lang]))
        out += [(f"{bg.id} {option}", label) for option, label in zip(bg.options, bg.labels[lang], strict=True)]
    out += [(ft.id, ft.text[lang]) for ft in q.free_text]
    return out


def unreviewed_texts(instruments: list[Instrument]) -> list[UnreviewedTexts]:
    """One entry per (version, unreviewed language, questionnaire offered in it)."""
    found = []
    for inst in instruments:
        for code, language in inst.languages.items():
            if language.reviewed:
                continue
            for q in inst.questionnaires.values():
                if code in q.languages:
                    found.append(UnreviewedTexts(
                        version=inst.version, language_code=code, language_name=language.name,
                        html_lang=language.html_lang, rtl=language.rtl,
                        questionnaire=q.code, questionnaire_name=q.name.get("sv", q.code),
                        texts=questionnaire_texts(inst, q, code),
                    ))
    return found
