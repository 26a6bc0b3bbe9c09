#!/usr/bin/env bash
# Installs the peer tools `./flipside bench` measures Flipside against into DIR (default: target/peers), for
#   PATH="$PWD/target/peers:$PATH" ./flipside bench --methods copy,pt-osc,gh-ost,flipside
#
# - pt-online-schema-change: Debian's percona-toolkit 3.2.1, copied with one change: its refusal of MySQL
#   8.0.14-8.0.17, which guards against a server crash renaming a table with foreign keys (MySQL bug 96145), applies
#   only when the table has child tables, as its message says. The installed tool is left as it is.
# - gh-ost (GH_OST_VERSION, default 1.1.6; no Debian package), built with Debian's golang-go: from the source tree in
#   GH_OST_SRC (a checkout of that tag; its vendor directory, no network), or else with `go install`, which needs
#   proxy.golang.org.
set -euo pipefail
dir="${1:-target/peers}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

apt-get install -y -q percona-toolkit golang-go >/dev/null

pt="$(command -v pt-online-schema-change)"
sed -E 's/^([[:space:]]*if \()(\(\$vp->cmp\(.8\.0\.14.\) >= 0)/\1$have_child_tables \&\& \2/' "$pt" \
    > "$dir/pt-online-schema-change"
if ! grep -q 'if ($have_child_tables && ($vp->cmp' "$dir/pt-online-schema-change"; then
    echo "peers.sh: $pt does not have the version check this script changes; not installed" >&2
    rm -f "$dir/pt-online-schema-change"
    exit 1
fi
chmod +x "$dir/pt-online-schema-change"

version="${GH_OST_VERSION:-1.1.6}"
if [ -n "${GH_OST_SRC:-}" ]; then
    (cd "$GH_OST_SRC" && GOFLAGS=-mod=vendor GOPROXY=off \
        go build -ldflags "-X main.AppVersion=$version" -o "$dir/gh-ost" ./go/cmd/gh-ost)
else
    GOBIN="$dir" go install -ldflags "-X main.AppVersion=$version" "github.com/github/gh-ost/go/cmd/gh-ost@v$version"
fi
echo "peers.sh: installed in $dir: $("$dir/pt-online-schema-change" --version | head -1)," \
    "gh-ost $("$dir/gh-ost" --version)"
