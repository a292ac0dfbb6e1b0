#ifndef FOLIO_TTY_H
#define FOLIO_TTY_H

/*
 * Serial lines and terminals for the console: raw 8N1 without flow control or modem lines,
 * so a three-wire cable works, and nothing is translated on the way in or out (the console
 * writes CR LF itself).
 */

#include <stdbool.h>
#include <termios.h>

/* tty_speed_valid - whether @baud is a rate tty_open() takes (9600 .. 921600) */
bool tty_speed_valid(unsigned baud);

/*
 * tty_open - open the serial line @path at @baud, raw 8N1, non-blocking, close-on-exec,
 * without becoming its controlling terminal; the fd goes to @ret_fd
 *
 * Returns 0, -EINVAL for an unsupported rate, -ENOTTY when @path is no terminal, or -errno.
 */
int tty_open(const char *path, unsigned baud, int *ret_fd);

/*
 * tty_make_raw - switch terminal @fd to raw input and output (Ctrl-C arrives as a byte),
 * keeping its speed; its previous settings go to @ret_saved for tty_restore()
 */
int tty_make_raw(int fd, struct termios *ret_saved);

/* tty_restore - put back settings saved by tty_make_raw() */
int tty_restore(int fd, const struct termios *saved);

#endif
