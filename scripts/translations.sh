#!/bin/sh
# Extract the UI strings (Swedish source), update the English and Arabic catalogues and compile them.
# Run from the repository root after adding or changing UI strings, then translate the new entries
# in surveys/translations/<lang>/LC_MESSAGES/messages.po (search for empty msgstr and "fuzzy")
# and run this script again so the .mo files are compiled. Both .po and .mo files are committed.
#
# The Arabic catalogue covers the respondent pages only and has not been reviewed by a native
# speaker (see surveys/translations/README.md).
set -eu
cd "$(dirname "$0")/.."
# pybabel from the project's virtual environment when there is one.
if [ -x "${VENV:-.venv}/bin/pybabel" ]; then PATH="$(cd "${VENV:-.venv}/bin" && pwd):$PATH"; fi
out=surveys/translations
pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k N_ --no-location --sort-output \
    --project="finsam-indikatorer" -o "$out/messages.pot" .
for lang in en ar; do
    if [ -f "$out/$lang/LC_MESSAGES/messages.po" ]; then
        pybabel update --no-fuzzy-matching --ignore-obsolete -i "$out/messages.pot" -d "$out" -l "$lang"
    else
        pybabel init -i "$out/messages.pot" -d "$out" -l "$lang"
    fi
done
pybabel compile --statistics -d "$out"
# Lättläst Swedish (sv-LL) for the respondent pages: written by hand, only compiled here.
pybabel compile -d surveys/translations_easy
