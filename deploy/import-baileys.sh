#!/bin/bash
# Moves a device linked by a Baileys-based gateway into a WaOrleans session without a new QR scan:
# reads the folder that gateway passed to useMultiFileAuthState (creds.json and its key files),
# posts it to POST /api/sessions/SESSION_ID/import/baileys, and prints the session status.
#
#   WAORLEANS_URL=http://localhost:8080 WAORLEANS_KEY=wao_… deploy/import-baileys.sh AUTH_DIR SESSION_ID
#
# Stop the old gateway first: WhatsApp allows one connection per linked device. The session must
# exist and be unpaired (create it with POST /api/sessions). Then connect it:
#   curl -X POST -H "Authorization: Bearer $WAORLEANS_KEY" "$WAORLEANS_URL/api/sessions/SESSION_ID/connect"
# Needs curl and python3 (or node). The folder holds the device's keys: the body is built in a
# private temporary file, removed on exit, and never echoed.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: WAORLEANS_URL=… WAORLEANS_KEY=… $0 AUTH_DIR SESSION_ID" >&2
    exit 2
fi
auth_dir=$1
session=$2
: "${WAORLEANS_URL:?set WAORLEANS_URL to the gateway, e.g. http://localhost:8080}"
: "${WAORLEANS_KEY:?set WAORLEANS_KEY to an admin or tenant API key}"
if [[ ! -f $auth_dir/creds.json ]]; then
    echo "$auth_dir has no creds.json: give the folder your gateway passes to useMultiFileAuthState" >&2
    exit 2
fi

umask 077
body=$(mktemp)
trap 'rm -f "$body"' EXIT

# {"files": {"creds.json": {…}, "pre-key-1.json": {…}, …}}: each file's JSON as it is.
if command -v python3 >/dev/null; then
    python3 - "$auth_dir" >"$body" <<'PY'
import json, os, sys
folder = sys.argv[1]
files = {}
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    if name.endswith(".json") and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            files[name] = json.load(f)
json.dump({"files": files}, sys.stdout, separators=(",", ":"))
PY
elif command -v node >/dev/null; then
    node - "$auth_dir" >"$body" <<'JS'
const fs = require('fs'), path = require('path');
const folder = process.argv[2];
const files = {};
for (const name of fs.readdirSync(folder).sort()) {
  const file = path.join(folder, name);
  if (name.endsWith('.json') && fs.statSync(file).isFile()) files[name] = JSON.parse(fs.readFileSync(file, 'utf8'));
}
process.stdout.write(JSON.stringify({ files }));
JS
else
    echo "needs python3 or node to read the folder" >&2
    exit 2
fi

echo "importing $(find "$auth_dir" -maxdepth 1 -type f -name "*.json" | wc -l) files into session $session…" >&2
curl --fail-with-body -sS -X POST \
    -H "Authorization: Bearer $WAORLEANS_KEY" \
    -H "Content-Type: application/json" \
    --data-binary "@$body" \
    "${WAORLEANS_URL%/}/api/sessions/$session/import/baileys"
echo
echo "imported; now connect: curl -X POST -H \"Authorization: Bearer \$WAORLEANS_KEY\" ${WAORLEANS_URL%/}/api/sessions/$session/connect" >&2
