#!/usr/bin/env bash
# UI catalogs. `scripts/i18n.sh update`: extract strings and merge them into every
# catalog (new strings arrive untranslated; tests/test_catalogs.py fails until they
# are translated). The accessibility lint's messages (accessibility/lint.py) are
# marked N_. `scripts/i18n.sh compile`: build the .mo files (setup does this).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${VENV:-.venv}/bin/pybabel
case "${1:-}" in
  update)
    "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot --no-location --sort-output \
      --project "Helpdesk Portal" --copyright-holder "Helpdesk Portal contributors" .
    "$PYBABEL" update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
    ;;
  compile) "$PYBABEL" compile -d translations -f ;;
  *) echo "usage: $0 update|compile" >&2; exit 2 ;;
esac
