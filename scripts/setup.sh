#!/usr/bin/env bash
# Set up a machine for assess.
#
#   bash scripts/setup.sh          what scoring, checking and drawing need: Graphviz and a CJK font
#                                  from Debian (for `assessc render` to .svg/.png with readable
#                                  Chinese labels), then the package with Excel support
#   bash scripts/setup.sh --test   also the test tools (pytest, Hypothesis, DuckDB, NumPy, …)
#   bash scripts/setup.sh --db     also PostgreSQL's server binaries and its client library, for
#                                  the SQL backend's slow tests on a throwaway cluster
#
# Options combine (`--test --db`). Nothing already present is installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

test_tools=0
database=0
for option in "$@"; do
  case "$option" in
    --test) test_tools=1 ;;
    --db) test_tools=1; database=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $option (use --test or --db)" >&2; exit 2 ;;
  esac
done

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need_apt+=(fonts-wqy-microhei)
if [ "$database" -eq 1 ]; then
  [ -n "${ASSESS_PG_BIN:-}" ] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
    || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} with your package manager" >&2
  fi
fi

extras=excel
[ "$test_tools" -eq 0 ] || extras+=",test"
[ "$database" -eq 0 ] || extras+=",db"
python3 -m pip install -q --disable-pip-version-check -e ".[$extras]"
