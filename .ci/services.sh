#!/usr/bin/env bash
# Make sure the servers the test suite needs are up on loopback: PostgreSQL (trust auth,
# database `test`) and Redis. Starts them when installed but stopped; installs them from
# Debian's packages when absent (CI runs as root). Also Node.js and npm, which the Node
# script task tests need (marker `node`), and Ruby, PHP and Lua (about 55 MB, marker
# `script_runtimes`) for the tests of those languages' script tasks; the other languages
# (R, Go, Julia, PowerShell, ...) are larger or not in Debian: their tests skip. And
# bubblewrap, the sandbox of script tasks (marker `sandbox`); MariaDB for the jdbc plugin; a
# Docker daemon (marker `docker`) for the docker plugin; chromium for the web UI's browser
# tests (marker `browser`).
# Idempotent.
set -euo pipefail

log() { echo "[services] $*"; }

apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_redis() {
    if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then log "redis up"; return; fi
    command -v redis-server >/dev/null || { log "installing redis"; apt_install redis-server redis-tools; }
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
    log "redis started"
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

ensure_postgres() {
    if ! pg_up; then
        if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
            log "installing postgresql"; apt_install postgresql
        fi
        version=$(ls /etc/postgresql | sort -V | tail -1)
        hba=/etc/postgresql/$version/main/pg_hba.conf
        # Tests connect over loopback without a password, as on the project's machines.
        if ! grep -q "podium-ci trust" "$hba"; then
            sed -i 's/^\(host.*127.0.0.1\/32 *\)\(scram-sha-256\|md5\)/\1trust/; s/^\(host.*::1\/128 *\)\(scram-sha-256\|md5\)/\1trust/' "$hba"
            echo "# podium-ci trust" >> "$hba"
        fi
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in $(seq 100); do pg_up && break; sleep 0.2; done
        log "postgresql started"
    else
        log "postgresql up"
    fi
    if ! psql -h 127.0.0.1 -U postgres -d test -qtAc "select 1" >/dev/null 2>&1; then
        psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test" || \
            su postgres -c "psql -qc 'CREATE DATABASE test'"
    fi
}

mariadb_up() { mariadb -h 127.0.0.1 -u root -e "select 1" >/dev/null 2>&1; }

# MariaDB for the jdbc plugin's mysql/mariadb tests: root over loopback without a password
# (and over the socket), database `test`, as on the project's machines.
ensure_mariadb() {
    if mariadb_up; then log "mariadb up"; return; fi
    if ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null; then
        log "installing mariadb"; apt_install mariadb-server mariadb-client
    fi
    service mariadb start >/dev/null 2>&1 || {
        mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
        (mysqld_safe --bind-address=127.0.0.1 >/dev/null 2>&1 &)
    }
    for _ in $(seq 150); do mariadb -u root -e "select 1" >/dev/null 2>&1 && break; sleep 0.2; done
    mariadb -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(''); CREATE DATABASE IF NOT EXISTS test; FLUSH PRIVILEGES;"
    mariadb_up && log "mariadb started"
}

ensure_node() {
    if command -v node >/dev/null && command -v npm >/dev/null; then log "node up"; return; fi
    log "installing node"; apt_install nodejs npm
}

# The script languages Debian packages (the others, Julia, PowerShell, Deno, Bun, JBang and
# .NET, come from their vendors' sites, which this machine cannot reach: their tests skip).
# groovy runs on the JVM that default-jre-headless links at /usr/lib/jvm/default-java.
ensure_script_runtimes() {
    local programs=(ruby php lua go Rscript groovy)
    local missing=0
    for program in "${programs[@]}"; do command -v "$program" >/dev/null || missing=1; done
    if [ "$missing" = 0 ]; then log "${programs[*]} up"; return; fi
    log "installing ${programs[*]}"; apt_install ruby php-cli lua5.4 golang-go r-base-core groovy default-jre-headless
}

# Programs real-world flows call from their shell tasks (the Zoomcamp's `wget | gunzip`),
# and git for the git plugin.
ensure_flow_programs() {
    local missing=()
    for program in wget gzip git; do command -v "$program" >/dev/null || missing+=("$program"); done
    if [ "${#missing[@]}" = 0 ]; then log "wget gzip git up"; return; fi
    log "installing ${missing[*]}"; apt_install "${missing[@]}"
}

ensure_bubblewrap() {
    if command -v bwrap >/dev/null; then log "bubblewrap up"; return; fi
    log "installing bubblewrap"; apt_install bubblewrap
}

# Debian's chromium for the web UI's browser tests (marker `browser`): Playwright drives it
# at /usr/bin/chromium (`playwright install` would download a browser CI cannot fetch).
ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then log "chromium up"; return; fi
    log "installing chromium"; apt_install chromium
}

# Terraform is not in Debian and HashiCorp's site is out of reach from CI: its machines carry
# /usr/local/bin/terraform (the terraform plugin's tests, marker `terraform`, fail without).
check_terraform() {
    if command -v terraform >/dev/null; then log "terraform up"; return; fi
    log "terraform missing: the tests marked terraform will fail under CI=true"
}

# A Docker daemon for the docker plugin's tests (marker `docker`): Debian's docker.io, on a
# socket of its own, vfs storage and no networking of its own (no bridge, no iptables: the
# tests' containers run with --network none), and busybox-static, the one binary the test
# images hold (nothing is pulled: no registry is reachable).
PODIUM_DOCKER_SOCK=/run/podium-docker.sock
docker_up() { docker -H "unix://$PODIUM_DOCKER_SOCK" version >/dev/null 2>&1; }

ensure_docker() {
    if docker_up; then log "dockerd up"; return; fi
    if ! command -v dockerd >/dev/null || \
            ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed"; then
        log "installing docker.io busybox-static"; apt_install docker.io busybox-static
    fi
    mkdir -p /var/lib/podium-docker /run/podium-docker
    (dockerd --host "unix://$PODIUM_DOCKER_SOCK" --data-root /var/lib/podium-docker \
        --exec-root /run/podium-docker --pidfile /run/podium-docker.pid \
        --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
        >/var/log/podium-dockerd.log 2>&1 &)
    for _ in $(seq 150); do docker_up && break; sleep 0.2; done
    if docker_up; then log "dockerd started"; else log "dockerd did not start:"; tail -5 /var/log/podium-dockerd.log || true; fi
}

ensure_redis
ensure_postgres
ensure_mariadb
ensure_flow_programs
ensure_bubblewrap
ensure_node
ensure_chromium
ensure_script_runtimes
check_terraform
ensure_docker
