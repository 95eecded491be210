<?php
/*
 * WordPress configuration for reader's tests (tests/wordpress/server.sh).
 *
 * Installed as /etc/wordpress/config-reader-tests.php: Debian's
 * /usr/share/wordpress/wp-config.php loads config-$WORDPRESS_CONFIG.php when
 * the server sets WORDPRESS_CONFIG (tests/wordpress/prepend.php does, for PHP's
 * built-in server), so this file serves no site but the tests' own.
 *
 * The database is the test session's own MariaDB, reached by its Unix socket
 * (no TCP port): the harness names it in READER_WORDPRESS_SOCKET when it starts
 * PHP. Outgoing HTTP is blocked but for the site itself (update checks,
 * translations, the dashboard's news: nothing leaves loopback), cron runs no
 * jobs behind the tests' back, and nothing updates itself.
 */

$reader_socket = getenv('READER_WORDPRESS_SOCKET');
if (!is_string($reader_socket) || $reader_socket === '') {
    header('HTTP/1.0 500 Internal Server Error');
    echo 'READER_WORDPRESS_SOCKET is not set: start this site with tests/wordpress/server.sh';
    exit(1);
}

define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'wordpress');
define('DB_HOST', 'localhost:' . $reader_socket);
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');

// Fixed keys: a test site of a few seconds, on loopback, with a throwaway database.
define('AUTH_KEY', 'reader-tests-auth-key');
define('SECURE_AUTH_KEY', 'reader-tests-secure-auth-key');
define('LOGGED_IN_KEY', 'reader-tests-logged-in-key');
define('NONCE_KEY', 'reader-tests-nonce-key');
define('AUTH_SALT', 'reader-tests-auth-salt');
define('SECURE_AUTH_SALT', 'reader-tests-secure-auth-salt');
define('LOGGED_IN_SALT', 'reader-tests-logged-in-salt');
define('NONCE_SALT', 'reader-tests-nonce-salt');

define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_DEBUG', false);
define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');

$table_prefix = 'wp_';
