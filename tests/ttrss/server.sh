#!/usr/bin/env bash
# A real Tiny Tiny RSS server on loopback for reader's sync tests.
#
#   server.sh install   apt-install tt-rss, PostgreSQL and Apache when missing, configure
#                       them for loopback only, build the template database (idempotent)
#   server.sh start     start PostgreSQL and Apache when they are not running; prints
#                       "started: NAMES" (what this call started) and writes it down
#   server.sh stop [NAMES...]
#                       stop these (postgresql, apache), else everything written down as
#                       started by this script; never what was running before
#   server.sh reset     a fresh server state in well under a second: the tt-rss database is
#                       dropped and copied again from a template (user admin/password, API on)
#   server.sh pause     stop Apache only (the API is down; PostgreSQL keeps its data)
#   server.sh resume    start Apache again after `pause`
#   server.sh status    what runs, one line
#
# Loopback only: Apache listens on 127.0.0.1:$READER_TTRSS_PORT (8280), PostgreSQL on
# 127.0.0.1:5432. The tests serve their feeds themselves on http://[::1]:80/: tt-rss
# refuses to fetch from 127.*, "localhost", "::1" written without brackets, and from
# ports other than 80 and 443, so Apache must not listen on port 80 (ports.conf is
# replaced) and the bracketed IPv6 literal is the address that passes its checks.
#
# Needs root (apt, services, port 80) and, for `install` on a bare machine, Debian's
# apt mirror. Debian 12 ships tt-rss 21~git20210204 (API level 15), PHP 8.2, PostgreSQL 15.
# There is no systemd here and policy-rc.d stops package scripts from starting services,
# so services are started and stopped with pg_ctlcluster and apache2ctl.
set -euo pipefail

PORT="${READER_TTRSS_PORT:-8280}"
DB=ttrss
TEMPLATE=ttrss_template
ROLE=ttrss
ROLE_PASSWORD=ttrss
STATE_DIR=/run/reader-ttrss
STARTED="$STATE_DIR/started"
SCHEMA=/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql
BASE_URL="http://127.0.0.1:${PORT}/tt-rss/"
PACKAGES=(tt-rss dbconfig-pgsql php-pgsql php-curl php-gd php-intl php-mbstring php-xml
          apache2 libapache2-mod-php postgresql)

START_TIME=$EPOCHREALTIME
say() { printf 'ttrss %s (%s s)\n' "$*" "$(awk "BEGIN {printf \"%.2f\", $EPOCHREALTIME - $START_TIME}")"; }
fail() { printf 'ttrss: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (apt-get, services and port 80)"

cluster_version() { pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1}' | sort -V | tail -n 1; }
as_postgres() { PGOPTIONS='-c client_min_messages=warning' runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
pg_running() { local v; v=$(cluster_version); [ -n "$v" ] && pg_ctlcluster "$v" main status >/dev/null 2>&1; }
apache_running() { [ -s /run/apache2/apache2.pid ] && kill -0 "$(cat /run/apache2/apache2.pid)" 2>/dev/null; }
api_answers() {
    # Any JSON answer from the API endpoint means PHP, tt-rss and its database are up.
    python3 - "$BASE_URL" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "api/", timeout=2) as answer:
        sys.exit(0 if b'"status"' in answer.read(4096) else 1)
except Exception:
    sys.exit(1)
EOF
}

# ------------------------------------------------------------------ install

missing_packages() {
    local name
    for name in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$name" 2>/dev/null | grep -q '^install ok installed$' || echo "$name"
    done
}

install_packages() {
    local missing
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null || fail "apt-get not found: tt-rss can only be installed on Debian"
    # Answers for the package's questions: no dbconfig-common (the database is made
    # below, with a known password), PostgreSQL, Apache.
    debconf-set-selections <<EOF
tt-rss tt-rss/dbconfig-install boolean false
tt-rss tt-rss/database-type select pgsql
tt-rss tt-rss/reconfigure-webserver multiselect apache2
EOF
    say "installing: $(echo $missing)"
    apt-get update -qq || fail "apt-get update failed"
    # dbconfig-pgsql named explicitly, or apt picks dbconfig-mysql and pulls in MariaDB.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
        || fail "apt-get install failed"
    say "packages installed"
}

configure_postgresql() {
    local v
    v=$(cluster_version)
    if [ -z "$v" ]; then
        v=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        pg_createcluster "$v" main >/dev/null
    fi
    echo "listen_addresses = '127.0.0.1'" > "/etc/postgresql/$v/main/conf.d/reader-ttrss.conf"
}

configure_ttrss() {
    cat > /etc/tt-rss/database.php <<EOF
<?php
\$dbuser='$ROLE';
\$dbpass='$ROLE_PASSWORD';
\$basepath='';
\$dbname='$DB';
\$dbserver='127.0.0.1';
\$dbport='5432';
\$dbtype='pgsql';
EOF
    chown root:www-data /etc/tt-rss/database.php
    chmod 0640 /etc/tt-rss/database.php
    # The package leaves SELF_URL_PATH as a placeholder; logging to syslog goes nowhere
    # in a container, '' sends PHP's messages to Apache's error.log; and the tests must
    # not make tt-rss look for its own updates on the internet.
    sed -i -e "s|define('SELF_URL_PATH', '[^']*');|define('SELF_URL_PATH', '${BASE_URL}');|" \
           -e "s|define('LOG_DESTINATION', '[^']*');|define('LOG_DESTINATION', '');|" \
           -e "s|define('CHECK_FOR_UPDATES', true);|define('CHECK_FOR_UPDATES', false);|" /etc/tt-rss/config.php
    mkdir -p /var/cache/tt-rss/js
    chown www-data:www-data /var/cache/tt-rss/js
    # Writable, this folder makes tt-rss reuse a downloaded feed for 30 s: a test that
    # changes a feed and asks for an update would get the old items.
    chown root:root /var/cache/tt-rss/feeds
    chmod 0755 /var/cache/tt-rss/feeds
}

configure_apache() {
    printf '# reader test harness: loopback only, never port 80 (the test feeds own [::1]:80)\nListen 127.0.0.1:%s\n' \
        "$PORT" > /etc/apache2/ports.conf
    cat > /etc/apache2/sites-available/reader-ttrss.conf <<EOF
<VirtualHost 127.0.0.1:${PORT}>
    ServerName 127.0.0.1
    DocumentRoot /var/www/html
    ErrorLog \${APACHE_LOG_DIR}/error.log
</VirtualHost>
EOF
    echo 'ServerName 127.0.0.1' > /etc/apache2/conf-available/reader-servername.conf
    a2dissite -q 000-default >/dev/null 2>&1 || true
    a2ensite -q reader-ttrss >/dev/null
    # 50-tt-rss is the package's "Alias /tt-rss /usr/share/tt-rss/www".
    a2enconf -q reader-servername 50-tt-rss >/dev/null
    apache2ctl configtest >/dev/null 2>&1 || { apache2ctl configtest; fail "Apache configuration is broken"; }
}

build_template() {
    # The template holds tt-rss's schema (which creates admin/password) and admin's
    # preferences with API access switched on: tt-rss creates preferences only at the
    # first web login, and its API refuses logins (API_DISABLED) until the pref is true.
    as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'" | grep -q 1 \
        || as_postgres -c "CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE_PASSWORD'"
    if as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'" | grep -q 1; then
        return 0
    fi
    as_postgres -c "CREATE DATABASE $TEMPLATE OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0"
    PGPASSWORD=$ROLE_PASSWORD PGOPTIONS='-c client_min_messages=warning' \
        psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U "$ROLE" -d "$TEMPLATE" -f "$SCHEMA" >/dev/null
    PGPASSWORD=$ROLE_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U "$ROLE" -d "$TEMPLATE" <<'SQL'
INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value)
    SELECT u.id, p.pref_name, NULL, p.def_value FROM ttrss_users u CROSS JOIN ttrss_prefs p;
UPDATE ttrss_user_prefs SET value = 'true' WHERE pref_name = 'ENABLE_API_ACCESS';
SQL
    say "template database built"
}

install() {
    install_packages
    configure_postgresql
    configure_ttrss
    configure_apache
    start_postgresql
    build_template
    as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 || reset
    say "installed"
}

# ------------------------------------------------------------------ start / stop

# What this call started (printed at the end) and, across calls, what the harness started.
JUST_STARTED=()
remember() {
    JUST_STARTED+=("$1")
    mkdir -p "$STATE_DIR"
    grep -qx "$1" "$STARTED" 2>/dev/null || echo "$1" >> "$STARTED"
}
forget() { [ -f "$STARTED" ] && sed -i "/^$1\$/d" "$STARTED"; return 0; }
report_started() { echo "started: ${JUST_STARTED[*]}"; }

start_postgresql() {
    local v
    pg_running && return 0
    v=$(cluster_version)
    pg_ctlcluster "$v" main start
    remember postgresql
    for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 && return 0; sleep 0.1; done
    fail "PostgreSQL did not start (see /var/log/postgresql/)"
}

start_apache() {
    if ! apache_running; then
        apache2ctl start
        [ "${1:-}" = remember ] && remember apache
    fi
    for _ in $(seq 100); do api_answers && return 0; sleep 0.1; done
    fail "tt-rss does not answer at ${BASE_URL}api/ (see /var/log/apache2/error.log)"
}

stop_apache() {
    apache_running || return 0
    apache2ctl stop
    for _ in $(seq 100); do apache_running || return 0; sleep 0.1; done
    fail "Apache did not stop"
}

stop_postgresql() {
    local v
    v=$(cluster_version)
    pg_running && pg_ctlcluster "$v" main stop -m fast
    return 0
}

start() {
    [ -d /usr/share/tt-rss ] || fail "tt-rss is not installed (run: $0 install)"
    start_postgresql
    start_apache remember
    say "running at ${BASE_URL}api/"
}

stop() {
    # Only what this harness started, Apache first (it holds database connections):
    # a server that was running before the tests stays running.
    local names=("$@")
    [ ${#names[@]} -eq 0 ] && [ -s "$STARTED" ] && mapfile -t names < "$STARTED"
    [ ${#names[@]} -eq 0 ] && { say "nothing to stop"; return 0; }
    local name
    for name in apache postgresql; do
        printf '%s\n' "${names[@]}" | grep -qx "$name" || continue
        case "$name" in
            apache) stop_apache ;;
            postgresql) stop_postgresql ;;
        esac
        forget "$name"
    done
    say "stopped: ${names[*]}"
}

# ------------------------------------------------------------------ reset

reset() {
    # A fresh copy of the template: faster than loading the schema (0.1-0.3 s against
    # about a second), and nothing of the previous tests survives, ids included.
    start_postgresql
    as_postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
                -c "CREATE DATABASE $DB OWNER $ROLE TEMPLATE $TEMPLATE"
    rm -f /var/cache/tt-rss/feeds/* /var/lib/tt-rss/*.lock 2>/dev/null || true
    say "reset"
}

status() {
    local pg=down web=down
    pg_running && pg=up
    apache_running && web=up
    echo "postgresql $pg, apache $web, api ${BASE_URL}api/"
}

case "${1:-}" in
    install) install; report_started ;;
    start) start; report_started ;;
    stop) shift; stop "$@" ;;
    reset) reset ;;
    pause) stop_apache; say "paused" ;;
    resume) start_apache; say "resumed" ;;
    status) status ;;
    *) fail "usage: $0 install|start|stop|reset|pause|resume|status" ;;
esac
