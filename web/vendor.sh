#!/usr/bin/env bash
# Fetches the third-party front-end files the binary serves (the playground's GraphiQL, React
# and ReactDOM) from the npm registry at the exact versions in web/package-lock.json, and copies
# them with their licences into web/vendor/, which is committed so `cargo run` needs only Rust.
# `npm ci` refuses any package whose tarball does not match the lockfile's integrity hash; the
# manifest written last records each file's SHA-256. CI runs this and fails if web/vendor/
# differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

rm -rf vendor
mkdir -p vendor
# copy PACKAGE FILE...: the built files of one package and its licence, flat under vendor/PACKAGE/.
copy() {
  local package=$1
  shift
  mkdir -p "vendor/$package"
  for file in "$@" LICENSE; do
    cp "$work/node_modules/$package/$file" "vendor/$package/$(basename "$file")"
  done
}
copy react umd/react.production.min.js
copy react-dom umd/react-dom.production.min.js
copy graphiql graphiql.min.js graphiql.min.css

{
  echo "# Written by web/vendor.sh from web/package-lock.json; do not edit."
  for package in react react-dom graphiql; do
    version=$(node -p "require('$work/node_modules/$package/package.json').version")
    (cd vendor && sha256sum "$package"/*) | sed "s|\$| ($package@$version)|"
  done
} > vendor/MANIFEST
