"""A synthetic ResultSet (all five groups, three years) for the chart, export and report tests."""

from __future__ import annotations

import numpy as np

from indicators.answers import AnswerSet
from indicators.catalogue import get_instrument
from indicators.compare import Reference, compare_indicator, compare_item
from indicators.results import CombinedRow, Economic, IndicatorRow, ItemRow, LocalIndicators, ResultSet
from indicators.scoring import combine_groups, score_indicators, score_items

#: Responses per group; ST is below the threshold in the latest year.
SIZES = {"DP": 24, "DA": 12, "PE": 9, "CH": 7, "ST": 3}


def synthetic_result_set(years=(2020, 2022, 2024), *, seed=1, reference="imported", demo=True, threshold=5):
    rng = np.random.default_rng(seed)
    inst = get_instrument()
    items, indicators, combined, counts = [], [], [], {}
    for year in years:
        by_ind = {}
        for group in ("DP", "DA", "PE", "CH", "ST"):
            q = inst.questionnaires[group]
            n = SIZES[group] if year == years[-1] else SIZES[group] + 4
            resp, item, value = [], [], []
            for r in range(n):
                for k in range(len(q.items)):
                    resp.append(r)
                    item.append(k)
                    value.append(np.nan if rng.random() < 0.05 else float(rng.integers(2, 7)))
            answers = AnswerSet(np.array(resp), np.array(item), np.array(value), q.item_ids)
            counts[(group, year)] = n if n >= threshold else None
            item_res = score_items(answers, threshold=threshold)
            imap = {i.id: i.indicator for i in q.items}
            ind_res = score_indicators(answers, imap, threshold=threshold)
            for it in q.items:
                ref = None
                if reference != "none":
                    ref = Reference(4.2, 1.1, 400, source=reference)
                res = item_res[it.id]
                cmp = compare_item(res, ref, unit=1) if ref else None
                items.append(ItemRow(group, it.id, it.indicator, dict(it.text), it.scale, year, res, ref, cmp))
            for ind_id, res in ind_res.items():
                ref = Reference(4.1, 1.0, 380, source=reference) if reference != "none" else None
                cmp = compare_indicator(res, ref, unit=1) if ref else None
                indicators.append(IndicatorRow(group, ind_id, dict(inst.indicators[ind_id].name), year, res, ref, cmp))
                by_ind.setdefault(ind_id, {})[group] = res
        for ind_id, by_group in by_ind.items():
            combined.append(CombinedRow(ind_id, year, combine_groups(by_group)))
    local = tuple(
        LocalIndicators(y, {"start": {"social_assistance": 12, "sickness": 8}, "end": {"work_study": 9, "social_assistance": 5}},
                        Economic("=1,2 mnkr", "-Kostnadsanalys", "@Intern beräkning"))
        for y in years
    )
    return ResultSet(
        unit_label="Hela förbundet", forbund_name="Samordningsförbundet Testbygden", insats_name=None,
        years=tuple(years), groups=("DP", "DA", "PE", "CH", "ST"), threshold=threshold,
        reference_kind=reference, reference_source="Testkälla riksvärden 2024" if reference != "none" else "",
        is_demo=demo, response_counts=counts, items=tuple(items), indicators=tuple(indicators),
        combined=tuple(combined), local=local, instrument_version=inst.version,
    )


def translations(lang: str):
    """The report language with the UI catalogue, as the web layer passes it (indicators.i18n.Tr)."""
    from babel.support import NullTranslations, Translations

    from indicators.i18n import Tr

    root = __import__("pathlib").Path(__file__).resolve().parents[1] / "surveys" / "translations"
    return Tr(lang, NullTranslations() if lang == "sv" else Translations.load(str(root), [lang]))
