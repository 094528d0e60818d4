#!/usr/bin/env bash
# Idempotent set-up for `make run` and `make test` on Debian 12.
# Installs missing Debian packages (as root), creates/updates the virtualenv when
# setup.cfg changed, compiles UI catalogs, fetches the Nu HTML checker from npm.
# Never downloads models or browsers: Chromium comes from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
VNU_VERSION=26.9.27
VNU_SHA256=5970d3ffca91a627cf0965e5d91bb2e4242307c29292998de0b419d6a901b2b7
# fonts: real glyphs for ar, he, ja, zh-Hans in browser screenshots; wrk: bench/pages.py;
# xvfb, at-spi2-core, dbus and the AT-SPI bindings: the accessibility-tree tests (what Orca reads).
DEBIAN_PACKAGES=(chromium postgresql redis-server fonts-noto-core fonts-noto-cjk wrk
                 xvfb xauth dbus at-spi2-core python3-pyatspi gir1.2-atspi-2.0 python3-gi)
command -v java >/dev/null 2>&1 || DEBIAN_PACKAGES+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(nodejs npm)
command -v "$PYTHON" >/dev/null 2>&1 || DEBIAN_PACKAGES+=(python3 python3-venv)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The test suite starts its own PostgreSQL/Redis on temporary ports; the
  # system-wide services the packages start are not needed.
fi

stamp="$VENV/.setup-stamp"
want=$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python dependencies (torch pinned to the CPU build 2.13.0)"
  pip_log="$VENV/pip-install.log"
  {
    "$VENV/bin/pip" install --upgrade pip setuptools wheel &&
    # torch first, pinned, so nothing later can pull a CUDA build.
    "$VENV/bin/pip" install "torch==2.13.0" &&
    "$VENV/bin/pip" install -e ".[test]" "torch==2.13.0"
  } >"$pip_log" 2>&1 || { tail -n 40 "$pip_log"; log "pip install failed (full log: $pip_log)"; exit 1; }
  echo "$want" > "$stamp"
fi

if [ -d translations ]; then
  VENV="$VENV" scripts/i18n.sh compile >/dev/null 2>&1 || VENV="$VENV" scripts/i18n.sh compile
fi

vnu=.cache/vnu/vnu.jar
if [ ! -f "$vnu" ]; then
  log "fetching the Nu HTML checker (vnu-jar@$VNU_VERSION) from npm"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "vnu-jar@$VNU_VERSION" >/dev/null 2>&1)
  echo "$VNU_SHA256  $tmp/vnu-jar-$VNU_VERSION.tgz" | sha256sum -c --quiet
  mkdir -p .cache/vnu
  tar xzf "$tmp/vnu-jar-$VNU_VERSION.tgz" -C "$tmp" package/build/dist/vnu.jar
  mv "$tmp/package/build/dist/vnu.jar" "$vnu"
  rm -rf "$tmp"
fi
log "ready"
