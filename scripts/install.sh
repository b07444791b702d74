#!/usr/bin/env bash
# Installs a built mlp under PREFIX (default ~/.local): the binary and its resource bundles (the
# project templates) in PREFIX/lib/mlp, and PREFIX/bin/mlp, a link to it, so `mlp` runs from any
# folder once PREFIX/bin is on PATH. `make install` runs it on the release build.
#   usage: scripts/install.sh [PREFIX]     (BUILD=.build/debug installs the debug build instead)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-${PREFIX:-$HOME/.local}}"
build="${BUILD:-.build/release}"
if [ ! -x "$build/mlp" ]; then
    echo "install: no built binary at $build/mlp; run \`make release\` (or \`make install\`, which builds it) first" >&2
    exit 1
fi
mkdir -p "$prefix/bin" "$prefix/lib"
rm -rf "$prefix/lib/mlp.new"
mkdir "$prefix/lib/mlp.new"
cp "$build/mlp" "$prefix/lib/mlp.new/mlp"
for bundle in "$build"/*.resources; do
    [ -d "$bundle" ] && cp -R "$bundle" "$prefix/lib/mlp.new/"
done
rm -rf "$prefix/lib/mlp"
mv "$prefix/lib/mlp.new" "$prefix/lib/mlp"
ln -sfn ../lib/mlp/mlp "$prefix/bin/mlp"
echo "installed $prefix/bin/mlp"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "$prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
