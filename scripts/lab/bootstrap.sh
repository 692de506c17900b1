#!/bin/sh
# kubestrap lab bootstrap, run as root on every VM by the Vagrantfile:
#   bootstrap.sh SOURCE_DIR [provision.mjs options...]
# Installs only what the zx provisioner needs before it can run (Node.js >= 20.19
# from NodeSource, and zx), then hands over to SOURCE_DIR/scripts/lab/provision.mjs,
# which does everything else. Both checks make re-provisioning a no-op here.
set -eu

NODE_MAJOR=22
# The zx of package-lock.json (test/lab keeps them equal).
ZX_VERSION=8.8.5

if [ "$#" -lt 1 ]; then
  echo "usage: $0 SOURCE_DIR [provision.mjs options...]" >&2
  exit 2
fi
src=$1
shift

export DEBIAN_FRONTEND=noninteractive

node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

if node_ok; then
  echo "lab: ok: Node.js $(node --version)"
else
  echo "lab: installing Node.js ${NODE_MAJOR}.x from deb.nodesource.com (kubestrap needs 20.19 or newer)"
  apt-get update -q
  apt-get install -y -q --no-install-recommends ca-certificates curl
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL -o /etc/apt/keyrings/nodesource.asc https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key
  echo "deb [signed-by=/etc/apt/keyrings/nodesource.asc] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" \
    >/etc/apt/sources.list.d/nodesource.list
  apt-get update -q
  apt-get install -y -q nodejs
fi

if [ "$(zx --version 2>/dev/null || true)" = "$ZX_VERSION" ]; then
  echo "lab: ok: zx ${ZX_VERSION}"
else
  echo "lab: installing zx ${ZX_VERSION}"
  npm install --global --no-audit --no-fund "zx@${ZX_VERSION}"
fi

exec zx "${src}/scripts/lab/provision.mjs" --source "$src" "$@"
