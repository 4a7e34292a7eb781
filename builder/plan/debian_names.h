/* Debian's syntax for package names and versions (policy 5.6.1 and
 * 5.6.12), for what a recipe or the seed's lock hands to apt. */
#ifndef CLOISTER_DEBIAN_NAMES_H
#define CLOISTER_DEBIAN_NAMES_H

/* Lowercase letters, digits, + - .; at least two, starting alphanumeric. */
int debian_package_valid(const char *s);
/* [EPOCH:]UPSTREAM[-REVISION]: digits first, then letters, digits and
 * . + ~ - :, at most 127 bytes. */
int debian_version_valid(const char *s);

#endif
