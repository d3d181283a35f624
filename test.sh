#!/usr/bin/env bash
# Runs every Tracevault test. Brings in what the tests need first: the real AWS clients' npm packages,
# and, when run as root on Debian, the AWS CLI, Chromium, OpenSSL's command (the imported-key-material test wraps with it)
# and PostgreSQL's server from apt (the tests start a private
# cluster of their own in a temporary directory, on a free port, and stop it at the end), and iproute2 (`ip`, with which the UDP
# source test builds a network namespace of its own; without root it reports itself skipped).
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v aws >/dev/null 2>&1 || need_apt+=(awscli)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
if [ "$(id -u)" = 0 ] && ! command -v ip >/dev/null 2>&1; then need_apt+=(iproute2); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need_apt[*]} from apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Missing ${need_apt[*]}: install them (Debian: sudo apt-get install ${need_apt[*]}) and run again." >&2
    exit 1
  fi
fi

if [ ! -f test/clients/node_modules/.package-lock.json ] || [ test/clients/package-lock.json -nt test/clients/node_modules/.package-lock.json ]; then
  (cd test/clients && npm ci --no-audit --no-fund)
fi

dotnet test Tracevault.sln "$@"
