#!/usr/bin/env bash
# A real WordPress on loopback for reader's comment tests (tests/wordpress_server.py runs it).
#
#   server.sh install         apt-install Debian's WordPress, its default theme, PHP's MySQL module
#                             and the MariaDB server binaries when missing; install the site's
#                             configuration (/etc/wordpress/config-reader-tests.php). Idempotent:
#                             a second run only compares files.
#   server.sh start DIR PORT  a fresh MariaDB in DIR (its own data directory, reached by a Unix
#                             socket only: no TCP port) with an empty database "wordpress", and
#                             PHP's built-in web server on 127.0.0.1:PORT serving Debian's
#                             WordPress; prints "started: mariadb php". WordPress is not installed
#                             yet: the harness runs its installer over HTTP, as a site owner does.
#   server.sh stop DIR        stop the two servers DIR's pid files name (their process groups),
#                             checking first that each id is still the server started there
#   server.sh sql DIR         run the SQL on stdin in the "wordpress" database as root; rows out
#                             tab-separated, no header
#   server.sh status DIR      what runs, one line
#
# Why these parts: Debian 12 ships WordPress 6.1 (the REST API, its comment feeds, its
# comment form) and MariaDB 10.11. The MariaDB server core alone is installed, not the
# mariadb-server service package (a system database started at every boot): a server of
# its own is started in DIR for each test session (about 1.5 s), as the system user mysql
# (added when missing, as that package would), so no system database is touched and
# nothing of a session remains. PHP's built-in server runs WordPress, not Apache (which
# the wordpress package pulls in when no web server is installed, and which stays Tiny
# Tiny RSS's: tests/ttrss/server.sh stops and starts it under its tests): it needs no
# system configuration, sends every path that is not a file to index.php (what WordPress's
# rewrite rules do, so the installer's own check finds pretty permalinks working), and
# stopping it is ending one process group. PHP runs as www-data; its mail goes nowhere.
#
# Loopback only: PHP listens on 127.0.0.1:PORT, MariaDB on DIR/mysqld.sock, and the site's
# configuration blocks WordPress's own outgoing HTTP (update checks, translations) but to
# itself. Needs root for `install` (apt) and to start the servers as mysql and www-data.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACKAGES=(wordpress wordpress-theme-twentytwentythree php-mysql mariadb-server-core mariadb-client-core)
CONFIG=/etc/wordpress/config-reader-tests.php
DOCROOT=/usr/share/wordpress
# PHP's built-in server answers one request at a time per worker; WordPress asks itself
# (the installer's permalink check) while it answers, so one worker would wait on itself.
WORKERS=4

START_TIME=$EPOCHREALTIME
say() { printf 'wordpress %s (%s s)\n' "$*" "$(awk "BEGIN {printf \"%.2f\", $EPOCHREALTIME - $START_TIME}")"; }
fail() { printf 'wordpress: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ install

missing_packages() {
    local package
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' || echo "$package"
    done
}

install_site() {
    [ "$(id -u)" -eq 0 ] || fail "install needs root (apt-get, /etc/wordpress)"
    local missing
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        command -v apt-get >/dev/null || fail "missing packages and no apt-get to install them:" $missing
        say "installing" $missing
        export DEBIAN_FRONTEND=noninteractive
        # Debian's wordpress depends on a web server (apache2 here, unless one is installed), whose
        # package would start it on every address, port 80. The tests start their own servers on
        # loopback: while apt runs, a policy-rc.d (Debian's switch for it) lets packages start nothing.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\n# reader tests: installing WordPress, start no service\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 0755 /usr/sbin/policy-rc.d
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        # The index may be old (a fresh container has none): update it when the install fails.
        # shellcheck disable=SC2086
        if ! apt-get install -y -q --no-install-recommends $missing >/tmp/reader-wordpress-apt.log 2>&1; then
            apt-get update -q >>/tmp/reader-wordpress-apt.log 2>&1 || true
            # shellcheck disable=SC2086
            apt-get install -y -q --no-install-recommends $missing >>/tmp/reader-wordpress-apt.log 2>&1 \
                || fail "apt-get install failed: $(tail -n 1 /tmp/reader-wordpress-apt.log)"
        fi
    fi
    [ -f "$DOCROOT/wp-config.php" ] || fail "Debian's $DOCROOT/wp-config.php is missing"
    # The user MariaDB runs as: made by the mariadb-server package, which is not installed here.
    if ! getent passwd mysql >/dev/null; then
        local group=(--user-group)
        getent group mysql >/dev/null && group=(-g mysql)
        useradd --system "${group[@]}" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mysql
        say "added the system user mysql"
    fi
    if ! cmp -s "$HERE/config-reader-tests.php" "$CONFIG"; then
        command install -m 0640 -o root -g www-data "$HERE/config-reader-tests.php" "$CONFIG"
        say "wrote $CONFIG"
    fi
    say "installed"
}

# ------------------------------------------------------------------ start / stop

socket_of() { echo "$1/run/mysqld.sock"; }

as_root_sql() {
    local dir=$1; shift
    mariadb --no-defaults --socket="$(socket_of "$dir")" -u root -N -B "$@"
}

# Start "$@" in a session of its own and write that session's id (its leader's pid) to $1.
# The id names the process group `stop` ends: PHP's worker processes and MariaDB's one.
launch() {
    local pidfile=$1 log=$2; shift 2
    # shellcheck disable=SC2016
    setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >"$log" 2>&1 &
    for _ in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.02; done
    fail "could not start $3"
}

start() {
    local dir=$1 port=$2
    [ -n "$dir" ] && [ -d "$dir" ] || fail "start needs an existing directory"
    [[ "$port" =~ ^[0-9]+$ ]] || fail "start needs a port number"
    [ -r "$CONFIG" ] && command -v mariadbd >/dev/null && command -v php >/dev/null \
        || fail "not installed (run: $0 install)"
    [ "$(id -u)" -eq 0 ] || fail "start needs root (MariaDB runs as mysql, PHP as www-data)"
    chmod 0755 "$dir"
    mkdir -p "$dir/db" "$dir/run"
    chown mysql:mysql "$dir/db" "$dir/run"

    # A small redo log (the default 96 MB would be most of the session's disk and time), and
    # a quick stop: the data is thrown away with DIR, so nothing is saved for a next start.
    local innodb=(--innodb-log-file-size=8M --innodb-buffer-pool-size=32M --innodb-fast-shutdown=3
                  --innodb-buffer-pool-dump-at-shutdown=0 --innodb-buffer-pool-load-at-startup=0)
    mariadb-install-db --no-defaults --user=mysql --datadir="$dir/db" --auth-root-authentication-method=socket \
        --skip-test-db "${innodb[@]}" >"$dir/install-db.log" 2>&1 \
        || fail "mariadb-install-db failed: $(tail -n 1 "$dir/install-db.log")"
    launch "$dir/mariadb.pid" "$dir/mariadb.log" mariadbd --no-defaults --user=mysql --datadir="$dir/db" \
        --socket="$(socket_of "$dir")" --pid-file="$dir/run/mysqld.pid" --skip-networking "${innodb[@]}" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
    local up=""
    for _ in $(seq 200); do
        as_root_sql "$dir" -e 'SELECT 1' >/dev/null 2>&1 && { up=1; break; }
        sleep 0.05
    done
    [ -n "$up" ] || fail "MariaDB did not start: $(tail -n 1 "$dir/mariadb.log")"
    as_root_sql "$dir" <<'SQL'
CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'wordpress';
GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'localhost';
SQL

    # PHP reads the prepend file as www-data: a copy in DIR, not the checkout (which it may not read).
    command install -m 0644 "$HERE/prepend.php" "$dir/prepend.php"
    # A clean environment: WordPress asks itself over HTTP through curl, which would take a proxy
    # from http_proxy and the like (the installer's permalink check would then leave loopback).
    launch "$dir/php.pid" "$dir/php.log" setpriv --reuid=www-data --regid=www-data --init-groups \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PHP_CLI_SERVER_WORKERS=$WORKERS \
        READER_WORDPRESS_SOCKET="$(socket_of "$dir")" \
        php -d auto_prepend_file="$dir/prepend.php" -d 'sendmail_path=cat >/dev/null' -d opcache.enable_cli=1 \
        -d display_errors=0 -d log_errors=1 -d error_log="$dir/php-errors.log" \
        -S "127.0.0.1:$port" -t "$DOCROOT"
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && {
            echo "started: mariadb php"
            say "running at http://127.0.0.1:$port/ (database $(socket_of "$dir"))"
            return 0
        }
        pid_alive "$dir/php.pid" php || break
        sleep 0.05
    done
    fail "PHP did not answer on 127.0.0.1:$port: $(tail -n 1 "$dir/php.log")"
}

# The pid file's process is alive and still runs $2 (an id may be reused by another program).
pid_alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$2"
}

# A process of group $1 still runs. Zombies do not count: the servers' parent is gone, so
# they are reaped by init, which may take its time (a second or two in some containers).
group_runs() {
    local stat rest state pgrp
    for stat in /proc/[0-9]*/stat; do
        rest=$(cat "$stat" 2>/dev/null) || continue
        rest=${rest##*) }                       # after "pid (comm) ": state ppid pgrp ...
        read -r state _ppid pgrp _ <<<"$rest"
        [ "$pgrp" = "$1" ] && [ "$state" != Z ] && return 0
    done
    return 1
}

stop_one() {
    local pidfile=$1 name=$2 pid
    pid_alive "$pidfile" "$name" || { rm -f "$pidfile"; return 0; }
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 200); do
        group_runs "$pid" || { rm -f "$pidfile"; return 0; }
        sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

stop() {
    local dir=$1
    [ -n "$dir" ] && [ -d "$dir" ] || { say "nothing to stop"; return 0; }
    # PHP first: it holds connections to the database.
    stop_one "$dir/php.pid" php
    stop_one "$dir/mariadb.pid" mariadbd
    say "stopped"
}

status() {
    local dir=$1 db=down web=down
    pid_alive "$dir/mariadb.pid" mariadbd && db=up
    pid_alive "$dir/php.pid" php && web=up
    echo "mariadb $db, php $web"
}

case "${1:-}" in
    install) install_site ;;
    start) start "${2:-}" "${3:-}" ;;
    stop) stop "${2:-}" ;;
    sql) as_root_sql "${2:?sql needs the directory}" wordpress ;;
    status) status "${2:?status needs the directory}" ;;
    *) fail "usage: $0 install | start DIR PORT | stop DIR | sql DIR | status DIR" ;;
esac
