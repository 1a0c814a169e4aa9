#!/usr/bin/env bash
# Validates what cannot run on this machine (containers, Kubernetes, systemd): the linters and
# offline checks that exist for each file, installing the Debian packages when missing.
#   deploy/validate.sh          exits non-zero on the first failure
# Checks: yamllint (compose.yaml, k8s/), docker-compose config (the compose schema),
# kubectl kustomize (the k8s manifests render), systemd-analyze verify (the unit), shellcheck
# (the scripts), and that every COPY source of the Dockerfile exists in the repository.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)

need() {
  command -v "$1" >/dev/null && return
  echo "validate.sh: installing the Debian package $2 for $1" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2
}

step() { echo "== $*"; }

need yamllint yamllint
need shellcheck shellcheck
need docker-compose docker-compose

step "yamllint"
yamllint -c .yamllint compose.yaml k8s/

step "docker-compose config (compose schema)"
WAORLEANS_DB_PASSWORD=validate docker-compose -f compose.yaml config -q

step "kubectl kustomize (manifests render)"
if command -v kubectl >/dev/null; then
  kubectl kustomize k8s >/dev/null
else
  echo "kubectl not installed: skipped (Debian's kubernetes-client also has it)"
fi

step "systemd-analyze verify"
if command -v systemd-analyze >/dev/null; then
  # The unit names a user that exists only on the target host; anything else is an error.
  out=$(systemd-analyze verify systemd/waorleans.service 2>&1 || true)
  if grep -v -e "waorleans.*user" -e "^$" <<<"$out" | grep -q .; then
    echo "$out" >&2
    exit 1
  fi
else
  echo "systemd-analyze not installed: skipped"
fi

step "shellcheck"
shellcheck -S warning cluster.sh healthcheck.sh import-baileys.sh validate.sh ../test/postgres.sh

step "Dockerfile COPY sources exist"
missing=0
while read -r source; do
  [[ -e $root/$source ]] || { echo "Dockerfile copies $source, which does not exist" >&2; missing=1; }
done < <(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' Dockerfile)
((missing == 0))

step "Procfile"
grep -q '^web: .*\$PORT\|^web: .*\${PORT' Procfile

echo "deploy/: all checks passed"
