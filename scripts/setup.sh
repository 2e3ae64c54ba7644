#!/usr/bin/env bash
# Set up a machine for assess: Graphviz and a CJK font from Debian (for
# `assessc render` to .svg/.png with readable Chinese labels), PostgreSQL's
# server binaries (the SQL backend is tested on a throwaway cluster), then the
# package with its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need_apt+=(fonts-wqy-microhei)
[ -n "${ASSESS_PG_BIN:-}" ] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
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

python3 -m pip install -q --disable-pip-version-check -e '.[test,excel]'
