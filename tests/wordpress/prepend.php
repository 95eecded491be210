<?php
/*
 * Run before every script PHP's built-in server runs for the tests' WordPress
 * (php -d auto_prepend_file=...): it names the configuration Debian's
 * wp-config.php loads (/etc/wordpress/config-reader-tests.php), as Apache's
 * "SetEnv WORDPRESS_CONFIG reader-tests" would (README.Debian).
 */
$_SERVER['WORDPRESS_CONFIG'] = 'reader-tests';
