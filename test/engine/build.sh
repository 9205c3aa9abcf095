#!/usr/bin/env bash
# The real Pulumi engine for the engine tests, built once from the Go module proxy into a keyed cache
# (~/.cache/talos-homelab/engine; see /work/shared/reference/pulumi-engine.md for why these versions):
#   - the Pulumi CLI v3.276.0 (matches @pulumi/pulumi 3.276.0; also runs programs on SDK 3.248.0),
#   - the nodejs language host from sdk/v3 v3.68.0 (the last sdk/v3 the proxy serves that contains it),
#   - pulumi-resource-kubernetes (the provider module the proxy serves, a commit next to v4.25.0),
#   - the stand-in proxmoxve provider (Go, test/engine/proxmoxve/; the real one is not obtainable), with the
#     input types of @muhlba91/pulumi-proxmoxve read from its .d.ts (declared-types.ts) embedded,
# and installs the two resource plugins with `pulumi plugin install resource NAME VERSION --file PATH` into a
# cached plugin folder. The dynamic-provider host script of the checkout's @pulumi/pulumi goes next to the CLI.
#
#   bash test/engine/build.sh --build-only          build what is missing, print the paths
#   eval "$(bash test/engine/build.sh --print-env)"  build what is missing, export into your shell:
#       PATH                     CLI, language host, pulumi-resource-pulumi-nodejs first
#       PULUMI_HOME              a new temp folder whose plugins/ links to the cached plugins
#                                (credentials and workspaces written there stay out of the shared cache)
#       PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true  PULUMI_SKIP_UPDATE_CHECK=true
#       PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.pulumi.json  (the v3.68 host ignores runtime.options)
#       TALOS_HOMELAB_ENGINE_PLUGINS     the cached plugin folder (to link into a PULUMI_HOME of your own)
#   bash test/engine/build.sh --tidy                after changing a go.mod: update go.mod/go.sum
#
# Needs Go >= 1.26.6 (the CLI's go.mod; an older Go fetches that toolchain from the module proxy), Node >= 22
# (`source .ci/node.sh`) and `npm ci` done in this checkout. Only the Go module proxy is reached: every
# dependency is pinned by the go.sum checked in next to its go.mod. Cold: tens of minutes on 2 cores; warm: seconds.
set -euo pipefail

ENGINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$ENGINE_DIR/../.." && pwd)"
CACHE_DIR="${TALOS_HOMELAB_CACHE:-$HOME/.cache/talos-homelab}/engine"
GOTOOLS="$ENGINE_DIR/gotools"

PULUMI_VERSION="v3.276.0"
LANGUAGE_HOST_VERSION="v3.68.0"
KUBERNETES_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
# Installed under the version @pulumi/kubernetes asks for (the SDK names it in its resource requests).
KUBERNETES_PLUGIN_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO_ROOT/node_modules/@pulumi/kubernetes/package.json" 2>/dev/null || true)"
PROXMOXVE_PLUGIN_VERSION="$(node -p 'require(process.argv[1]).pulumi.version' "$REPO_ROOT/node_modules/@muhlba91/pulumi-proxmoxve/package.json" 2>/dev/null || true)"
SDK_PROVIDER_SCRIPT="$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

mode=""
case "${1:-}" in
  --build-only) mode="build" ;;
  --print-env) mode="env" ;;
  --tidy) mode="tidy" ;;
  -h|--help|"") sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) printf '[engine] error: unknown option %s (use --build-only, --print-env or --tidy)\n' "$1" >&2; exit 2 ;;
esac

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is not installed (need >= 1.26.6 on PATH)"
command -v node >/dev/null 2>&1 || die "Node.js is not installed (source .ci/node.sh)"

# go.sum is authoritative (-mod=readonly fails on any module it lacks): the checksum database adds nothing.
export GOSUMDB=off
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"

if [[ "$mode" == "tidy" ]]; then
  for dir in "$GOTOOLS/pulumi" "$GOTOOLS/language-nodejs" "$GOTOOLS/kubernetes" "$ENGINE_DIR/proxmoxve"; do
    log "${dir#"$REPO_ROOT/"}: go mod tidy"
    tidy_dir="$(mktemp -d)"
    cp "$dir"/go.* "$dir"/*.go "$tidy_dir/"
    echo '{}' | tee "$tidy_dir/schema-embed.json" "$tidy_dir/terraform-mapping-embed.json" > "$tidy_dir/declared-types.json"
    (cd "$tidy_dir" && GOFLAGS=-mod=mod go mod tidy) || die "go mod tidy failed for $dir"
    cp "$tidy_dir/go.mod" "$tidy_dir/go.sum" "$dir/"
    rm -rf "$tidy_dir"
  done
  exit 0
fi

[[ -n "$KUBERNETES_PLUGIN_VERSION" && -n "$PROXMOXVE_PLUGIN_VERSION" && -f "$SDK_PROVIDER_SCRIPT" ]] ||
  die "run \`npm ci\` in $REPO_ROOT first (node_modules/@pulumi/kubernetes, @muhlba91/pulumi-proxmoxve and @pulumi/pulumi are needed)"

GO_VERSION="$(go env GOVERSION)"

# hash_of FILE...: 16 hex digits over the files' names and contents.
hash_of() {
  local file
  for file in "$@"; do printf '%s\n' "${file##*/}"; cat "$file"; done | sha256sum | cut -c1-16
}

# in_cache NAME KEY BUILD_FUNCTION: makes $CACHE_DIR/NAME-KEY by running BUILD_FUNCTION TMPDIR in a temp
# folder renamed into place when it succeeds (never a half-built folder that looks complete). Sets BUILT_DIR.
in_cache() {
  local name="$1" key="$2" build="$3" tmp started=$SECONDS
  BUILT_DIR="$CACHE_DIR/$name-$key"
  if [[ -d "$BUILT_DIR" ]]; then
    log "$name: cached ($BUILT_DIR)"
    return
  fi
  log "$name: building with $GO_VERSION (cold: minutes)"
  tmp="$(mktemp -d "$CACHE_DIR/.build-$name.XXXXXX")"
  BUILDING_DIR="$tmp"
  "$build" "$tmp" || die "$name: build failed (see above)"
  chmod 755 "$tmp"
  mv -T "$tmp" "$BUILT_DIR" 2>/dev/null || rm -rf "$tmp" # another build won the race: keep its folder
  BUILDING_DIR=""
  # drop other keys of the same tool after a day (a run elsewhere may still use a recent one)
  # (keys start with a version or a hex digit: "pulumi-v3..." never matches "pulumi-language-nodejs-...")
  find "$CACHE_DIR" -maxdepth 1 -type d -name "$name-[0-9a-fv]*" ! -name "$name-$key" -mmin +1440 -exec rm -rf {} +
  log "$name: built in $((SECONDS - started))s"
}

go_build() { # go_build SRC_DIR OUT PACKAGE [LDFLAGS]
  (cd "$1" && nice -n 10 go build -ldflags "-s -w ${4:-}" -o "$2" "$3")
}

build_cli() {
  cp "$GOTOOLS/pulumi"/* "$1/" && mkdir "$1/bin" &&
    go_build "$1" "$1/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" &&
    rm "$1"/go.* "$1"/*.go
}

build_language_host() {
  cp "$GOTOOLS/language-nodejs"/* "$1/" && mkdir "$1/bin" &&
    go_build "$1" "$1/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGUAGE_HOST_VERSION" &&
    rm "$1"/go.* "$1"/*.go
}

build_kubernetes() {
  local src
  cp "$GOTOOLS/kubernetes"/* "$1/" && mkdir "$1/bin" || return 1
  # Download first: on a fresh module cache `go list -m` names no folder for a module not fetched yet.
  (cd "$1" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4) || return 1
  src="$(cd "$1" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
  [[ -f "$src/schema.json" ]] || { echo "no schema.json in $src" >&2; return 1; }
  # What the provider's `go generate` would write: the schema with its version set, and the mapping, compacted.
  node -e '
    const fs = require("fs");
    const [src, out, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(`${src}/schema.json`, "utf8"));
    schema.version = version;
    fs.writeFileSync(`${out}/schema-embed.json`, JSON.stringify(schema));
    fs.writeFileSync(`${out}/terraform-mapping-embed.json`, JSON.stringify(JSON.parse(fs.readFileSync(`${src}/terraform-mapping.json`, "utf8"))));
  ' "$src" "$1" "$KUBERNETES_PLUGIN_VERSION" &&
    go_build "$1" "$1/bin/pulumi-resource-kubernetes" . \
      "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION" &&
    rm "$1"/go.* "$1"/*.go "$1"/*.json
}

# The stand-in proxmoxve provider, with the npm package's declared input types (made above) embedded.
build_proxmoxve() {
  cp "$ENGINE_DIR/proxmoxve"/go.* "$ENGINE_DIR/proxmoxve"/*.go "$DECLARED_TYPES" "$1/" && mkdir "$1/bin" &&
    go_build "$1" "$1/bin/pulumi-resource-proxmoxve" . &&
    rm "$1"/go.* "$1"/*.go && mv "$1/declared-types.json" "$1/bin/"
}

# The CLI, the language host and the SDK's dynamic-provider host script in one folder for PATH.
build_bin() {
  ln -s "$CLI_DIR/bin/pulumi" "$1/pulumi" &&
    ln -s "$HOST_DIR/bin/pulumi-language-nodejs" "$1/pulumi-language-nodejs" &&
    install -m 755 "$SDK_PROVIDER_SCRIPT" "$1/pulumi-resource-pulumi-nodejs"
}

# The plugin folder: kubernetes and the stand-in proxmoxve, installed the way a user installs a local plugin.
build_plugins() {
  local home="$1/.home"
  mkdir -p "$home" &&
    PULUMI_HOME="$home" "$CLI_DIR/bin/pulumi" plugin install resource kubernetes "$KUBERNETES_PLUGIN_VERSION" \
      --file "$KUBE_DIR/bin/pulumi-resource-kubernetes" >&2 &&
    PULUMI_HOME="$home" "$CLI_DIR/bin/pulumi" plugin install resource proxmoxve "$PROXMOXVE_PLUGIN_VERSION" \
      --file "$PROXMOXVE_DIR/bin/pulumi-resource-proxmoxve" >&2 &&
    mv "$home/plugins" "$1/plugins" && rm -rf "$home"
}

mkdir -p "$CACHE_DIR"
# One build at a time per cache (several checkouts may share it); the lock is released when this shell exits.
exec 9>"$CACHE_DIR/.lock"
flock -n 9 || { log "waiting for another build.sh to finish building in $CACHE_DIR"; flock 9; }
BUILDING_DIR="" DECLARED_DIR=""
trap 'rm -rf ${BUILDING_DIR:+"$BUILDING_DIR"} ${DECLARED_DIR:+"$DECLARED_DIR"}' EXIT
started_all=$SECONDS

in_cache pulumi "$PULUMI_VERSION-$(hash_of "$GOTOOLS/pulumi"/* <(echo "$GO_VERSION"))" build_cli
CLI_DIR="$BUILT_DIR"
in_cache pulumi-language-nodejs "$LANGUAGE_HOST_VERSION-$(hash_of "$GOTOOLS/language-nodejs"/* <(echo "$GO_VERSION"))" build_language_host
HOST_DIR="$BUILT_DIR"
in_cache pulumi-resource-kubernetes "$KUBERNETES_PLUGIN_VERSION-$(hash_of "$GOTOOLS/kubernetes"/* <(echo "$GO_VERSION $KUBERNETES_MODULE_VERSION"))" build_kubernetes
KUBE_DIR="$BUILT_DIR"
DECLARED_DIR="$(mktemp -d)"
DECLARED_TYPES="$DECLARED_DIR/declared-types.json"
(cd "$REPO_ROOT" && node node_modules/tsx/dist/cli.mjs test/engine/proxmoxve/declared-types.ts > "$DECLARED_TYPES") ||
  die "could not read the input types of @muhlba91/pulumi-proxmoxve (test/engine/proxmoxve/declared-types.ts)"
in_cache pulumi-resource-proxmoxve "$PROXMOXVE_PLUGIN_VERSION-$(hash_of "$ENGINE_DIR/proxmoxve"/go.* "$ENGINE_DIR/proxmoxve"/*.go "$DECLARED_TYPES" <(echo "$GO_VERSION"))" build_proxmoxve
PROXMOXVE_DIR="$BUILT_DIR"
in_cache bin "$(hash_of "$SDK_PROVIDER_SCRIPT" <(echo "$CLI_DIR $HOST_DIR"))" build_bin
BIN_DIR="$BUILT_DIR"
in_cache plugins "$(hash_of <(echo "$CLI_DIR $KUBE_DIR $PROXMOXVE_DIR $KUBERNETES_PLUGIN_VERSION $PROXMOXVE_PLUGIN_VERSION"))" build_plugins
PLUGINS_DIR="$BUILT_DIR/plugins"
exec 9>&-

for tool in "$BIN_DIR/pulumi" "$BIN_DIR/pulumi-language-nodejs" "$BIN_DIR/pulumi-resource-pulumi-nodejs"; do
  [[ -x "$tool" ]] || die "expected tool missing after build: $tool (remove $CACHE_DIR and retry)"
done
log "engine ready in $((SECONDS - started_all))s: pulumi $PULUMI_VERSION, language host $LANGUAGE_HOST_VERSION, kubernetes $KUBERNETES_PLUGIN_VERSION, proxmoxve $PROXMOXVE_PLUGIN_VERSION (stand-in)"

case "$mode" in
  build)
    printf '%s=%s\n' BIN_DIR "$BIN_DIR" PLUGINS_DIR "$PLUGINS_DIR" >&2
    ;;
  env)
    home="$(mktemp -d "${TMPDIR:-/tmp}/talos-homelab-pulumi-home.XXXXXX")"
    ln -s "$PLUGINS_DIR" "$home/plugins"
    printf 'export %s=%q\n' \
      PATH "$BIN_DIR:$PATH" \
      PULUMI_HOME "$home" \
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION true \
      PULUMI_SKIP_UPDATE_CHECK true \
      PULUMI_NODEJS_TSCONFIG_PATH tsconfig.pulumi.json \
      TALOS_HOMELAB_ENGINE_PLUGINS "$PLUGINS_DIR"
    ;;
esac
