#!/bin/bash
# Container health check without curl or wget (the ASP.NET runtime image has neither): an HTTP
# GET of /health/ready over bash's /dev/tcp; healthy only on a 200.
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8080}"
printf 'GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 3 _ status _ <&3
[[ $status == 200 ]]
