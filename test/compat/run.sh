#!/usr/bin/env bash
# The compat suite: builds the real sops, age, age-keygen and one talos-oracle per Talos contract into a
# cache outside the repo (once; reused while versions and sources are unchanged), then runs the
# test/compat/*.compat.test.ts files against them.
#
#   bash test/compat/run.sh                 build if needed, then run the compat tests
#   bash test/compat/run.sh FILTER...       same, passing the arguments on to vitest
#   bash test/compat/run.sh --build-only    only build the tools
#   eval "$(bash test/compat/run.sh --print-env)"   build, then export the tool paths into your shell
#   bash test/compat/run.sh --tidy          after adding an import to the oracle: update each contract's go.mod/go.sum
#
# Needs Go >= 1.24 (the 1.12 oracle Go >= 1.25.3, 1.13/1.14 Go >= 1.26.6; an older Go fetches that toolchain
# from the module proxy) and Node >= 22.12 (an older node is replaced by the cached Node 24 LTS, .ci/node.sh).
# Only the Go module proxy is reached: every dependency is pinned by the go.sum next to its go.mod.
set -euo pipefail

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$COMPAT_DIR/../.." && pwd)"
CACHE_DIR="${TALOS_HOMELAB_CACHE:-$HOME/.cache/talos-homelab}/tools"
SOPS_VERSION="v3.11.0"
AGE_VERSION="v1.2.1"
CONTRACTS=(v1.11 v1.12 v1.13 v1.14)

mode="test"
case "${1:-}" in
  --build-only) mode="build"; shift ;;
  --print-env) mode="env"; shift ;;
  --tidy) mode="tidy"; shift ;;
  -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

log() { printf '[compat] %s\n' "$*" >&2; }
die() { printf '[compat] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is not installed (need >= 1.24 on PATH): install it from your package manager or go.dev/dl"
command -v node >/dev/null 2>&1 || die "Node.js is not installed (need >= 22.12)"
# shellcheck source=../../.ci/node.sh
source "$REPO_ROOT/.ci/node.sh" >&2 || die "could not get Node.js 24 (see .ci/node.sh)"

# go.sum is authoritative (-mod=readonly fails on any module it lacks), so the checksum database adds
# nothing and is unreachable from this network.
export GOSUMDB=off
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
GO_VERSION="$(go env GOVERSION)"

# hash_files FILE...: 16 hex digits over the files' names and contents.
hash_files() {
  local file
  for file in "$@"; do printf '%s\n' "${file##*/}"; cat "$file"; done | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-16
}

# build_tool NAME KEY SRC_FILES... -- PACKAGES...
# Builds PACKAGES from a copy of SRC_FILES into $CACHE_DIR/NAME-KEY/bin, unless that folder exists.
# Sets BUILT_DIR. The copy is built in a temp folder and renamed into place, so an interrupted build
# never leaves a folder that looks complete.
build_tool() {
  local name="$1" key="$2"; shift 2
  local sources=() packages=()
  while [[ "$1" != "--" ]]; do sources+=("$1"); shift; done
  shift
  packages=("$@")

  BUILT_DIR="$CACHE_DIR/$name-$key"
  if [[ -d "$BUILT_DIR/bin" ]]; then
    log "$name: cached ($BUILT_DIR)"
    return
  fi

  log "$name: building with $GO_VERSION (a cold build takes minutes; a rebuild after an edit, seconds)"
  local started=$SECONDS tmp
  mkdir -p "$CACHE_DIR"
  tmp="$(mktemp -d "$CACHE_DIR/.build-$name.XXXXXX")"
  BUILDING_DIR="$tmp"
  chmod 755 "$tmp"
  mkdir -p "$tmp/src" "$tmp/bin"
  cp "${sources[@]}" "$tmp/src/"
  for pkg in "${packages[@]}"; do
    (cd "$tmp/src" && nice -n 10 go build -o "$tmp/bin/" "$pkg") || die "$name: go build $pkg failed"
  done
  rm -rf "$tmp/src"
  # drop builds of older versions or sources after a day (a test run elsewhere may still use a recent one)
  find "$CACHE_DIR" -maxdepth 1 -type d -name "$name-*" ! -name "$name-$key" -mmin +1440 -exec rm -rf {} +
  rm -rf "$BUILT_DIR" # an incomplete folder (no bin/) from an older run.sh
  mv "$tmp" "$BUILT_DIR"
  BUILDING_DIR=""
  log "$name: built in $((SECONDS - started))s"
}

# oracle_sources CONTRACT: the files of that contract's oracle build (shared sources + contract folder).
oracle_sources() { printf '%s\n' "$COMPAT_DIR"/oracle/*.go "$COMPAT_DIR/oracle/contracts/$1"/*; }

if [[ "$mode" == "tidy" ]]; then
  for contract in "${CONTRACTS[@]}"; do
    tidy_dir="$(mktemp -d)"
    mapfile -t oracle_src < <(oracle_sources "$contract")
    cp "${oracle_src[@]}" "$tidy_dir/"
    log "talos-oracle-$contract: go mod tidy"
    (cd "$tidy_dir" && GOFLAGS=-mod=mod go mod tidy) || die "go mod tidy failed for $contract"
    cp "$tidy_dir/go.mod" "$tidy_dir/go.sum" "$COMPAT_DIR/oracle/contracts/$contract/"
    rm -rf "$tidy_dir"
  done
  exit 0
fi

mkdir -p "$CACHE_DIR"
# One build at a time per cache (several checkouts may share it); the lock is released when this shell exits.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_DIR/.lock"
  flock -n 9 || { log "waiting for another run.sh to finish building in $CACHE_DIR"; flock 9; }
fi

BUILDING_DIR=""
trap '[[ -z "$BUILDING_DIR" ]] || rm -rf "$BUILDING_DIR"' EXIT

started_all=$SECONDS

sops_src=("$COMPAT_DIR/gotools/sops/go.mod" "$COMPAT_DIR/gotools/sops/go.sum")
build_tool sops "$SOPS_VERSION-$(hash_files "${sops_src[@]}" <(echo "$GO_VERSION"))" "${sops_src[@]}" -- \
  github.com/getsops/sops/v3/cmd/sops
SOPS_BIN="$BUILT_DIR/bin/sops"

age_src=("$COMPAT_DIR/gotools/age/go.mod" "$COMPAT_DIR/gotools/age/go.sum")
build_tool age "$AGE_VERSION-$(hash_files "${age_src[@]}" <(echo "$GO_VERSION"))" "${age_src[@]}" -- \
  filippo.io/age/cmd/age filippo.io/age/cmd/age-keygen
AGE_BIN="$BUILT_DIR/bin/age"
AGE_KEYGEN_BIN="$BUILT_DIR/bin/age-keygen"

# One oracle per contract: the shared sources plus that contract's go.mod, go.sum and *.go.
declare -A ORACLES
for contract in "${CONTRACTS[@]}"; do
  mapfile -t oracle_src < <(oracle_sources "$contract")
  build_tool "talos-oracle-$contract" "$(hash_files "${oracle_src[@]}" <(echo "$GO_VERSION"))" "${oracle_src[@]}" -- .
  ORACLES[$contract]="$BUILT_DIR/bin/talos-oracle"
done

export SOPS_BIN AGE_BIN AGE_KEYGEN_BIN
export TALOS_ORACLE_V1_11="${ORACLES[v1.11]}"
export TALOS_ORACLE_V1_12="${ORACLES[v1.12]}"
export TALOS_ORACLE_V1_13="${ORACLES[v1.13]}"
export TALOS_ORACLE_V1_14="${ORACLES[v1.14]}"

for tool in "$SOPS_BIN" "$AGE_BIN" "$AGE_KEYGEN_BIN" "$TALOS_ORACLE_V1_11" "$TALOS_ORACLE_V1_12" "$TALOS_ORACLE_V1_13" "$TALOS_ORACLE_V1_14"; do
  [[ -x "$tool" ]] || die "expected tool missing after build: $tool (remove $CACHE_DIR and retry)"
done
log "tools ready in $((SECONDS - started_all))s: sops $SOPS_VERSION, age $AGE_VERSION, talos-oracle ${CONTRACTS[*]}"

case "$mode" in
  build)
    printf '%s=%s\n' SOPS_BIN "$SOPS_BIN" AGE_BIN "$AGE_BIN" AGE_KEYGEN_BIN "$AGE_KEYGEN_BIN" \
      TALOS_ORACLE_V1_11 "$TALOS_ORACLE_V1_11" TALOS_ORACLE_V1_12 "$TALOS_ORACLE_V1_12" \
      TALOS_ORACLE_V1_13 "$TALOS_ORACLE_V1_13" TALOS_ORACLE_V1_14 "$TALOS_ORACLE_V1_14" >&2
    ;;
  env)
    printf 'export %s=%q\n' SOPS_BIN "$SOPS_BIN" AGE_BIN "$AGE_BIN" AGE_KEYGEN_BIN "$AGE_KEYGEN_BIN" \
      TALOS_ORACLE_V1_11 "$TALOS_ORACLE_V1_11" TALOS_ORACLE_V1_12 "$TALOS_ORACLE_V1_12" \
      TALOS_ORACLE_V1_13 "$TALOS_ORACLE_V1_13" TALOS_ORACLE_V1_14 "$TALOS_ORACLE_V1_14"
    ;;
  test)
    log "running compat tests"
    cd "$REPO_ROOT"
    trap - EXIT
    exec 9>&-
    exec npx vitest run --config test/compat/vitest.config.ts "$@"
    ;;
esac
