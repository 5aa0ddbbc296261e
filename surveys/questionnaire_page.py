"""The web questionnaire page rendered once and reused: only the per-request fields differ.

The questions of a questionnaire (every radio button, label and hint) are the same for every
respondent of a given instrument version, questionnaire, language and link setting (whether a
single-use code is asked for), so their HTML is rendered once per such combination and process
and kept. A respondent's page then costs the hidden CSRF token, the submission key and the
language around a stored fragment. Nothing about a link except ``requires_code`` is in the
fragment (the form's action, the title and the demo banner are rendered per request), so the
key names exactly what the fragment depends on and a change to the link takes effect at once.
A page that shows answers again with errors is rendered in full from the submitted form.
"""

from __future__ import annotations

from flask import current_app, g, render_template
from markupsafe import Markup, escape

from indicators.catalogue import Instrument, Questionnaire

_HIDDEN = '<input id="{name}" name="{name}" type="hidden" value="{value}">'


def hidden_inputs(csrf_token: str, submission_key: str, lang: str) -> Markup:
    """The per-request hidden fields, exactly as the form's own widgets render them."""
    fields = (("csrf_token", csrf_token), ("submission_key", submission_key), ("lang", lang))
    return Markup("\n  ").join(Markup(_HIDDEN.format(name=name, value=escape(value))) for name, value in fields)


def questionnaire_body(
    inst: Instrument, q: Questionnaire, lang: str, form_cls, *, requires_code: bool, max_text: int
) -> Markup:
    """Return the blank questions' HTML, rendered on first use in this process and then reused."""
    cache: dict = current_app.extensions.setdefault("questionnaire_bodies", {})
    # The UI language (buttons, hints) follows from lang, but name it: it is what _() renders in.
    key = (id(inst), q.code, lang, getattr(g, "respondent_lang", None), requires_code, max_text)
    cached = cache.get(key)
    if cached is not None and cached[0] is inst:
        return cached[1]
    form = form_cls(formdata=None, meta={"csrf": False})
    body = Markup(render_template("respond/_questionnaire_body.html", form=form))
    cache[key] = (inst, body)
    return body


#: Stands for the hidden fields in a stored page; never produced by rendering anything else.
_SLOT = "\x00hidden-fields\x00"
#: Pages kept per process: one per link and language in use; the oldest goes first.
MAX_PAGES = 512


def page_key(inst: Instrument, q: Questionnaire, lang: str, link, max_text: int) -> tuple:
    """Everything a blank questionnaire page shows that is not per request.

    The page shows the link's token (the form's action), its questionnaire and instrument version,
    whether it asks for a code, its förbund's name and whether it is a demo, and its insats's name
    (in the heading); a change to any of them gives a new key, so an edited link never serves an
    old page.
    """
    return (
        id(inst), q.code, lang, getattr(g, "respondent_lang", None), max_text,
        link.id, link.token, link.questionnaire, link.instrument_version, link.requires_code,
        bool(link.forbund.is_demo), link.forbund.name, link.insats.name if link.insats else None,
    )


def cached_page(key: tuple, inst: Instrument, hidden: Markup, render) -> str:
    """Return the whole blank page for ``key`` with this request's hidden fields in it.

    ``render(slot)`` renders the page with ``slot`` where the hidden fields go; it is called once
    per key and process.
    """
    pages: dict = current_app.extensions.setdefault("questionnaire_pages", {})
    cached = pages.get(key)
    if cached is None or cached[0] is not inst:
        page = render(Markup(_SLOT))
        before, slot, after = page.partition(_SLOT)
        if not slot or _SLOT in after:
            raise RuntimeError("the questionnaire page must show its hidden fields exactly once")
        if len(pages) >= MAX_PAGES:
            try:  # another thread may be evicting too
                pages.pop(next(iter(pages)), None)
            except (StopIteration, RuntimeError):
                pass
        cached = pages[key] = (inst, before, after)
    return "".join((cached[1], str(hidden), cached[2]))
