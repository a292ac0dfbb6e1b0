#include <errno.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "compiler.h"
#include "firmware/console/tty.h"

static const struct {
	unsigned baud;
	speed_t speed;
} speeds[] = {
	{ 9600, B9600 },     { 19200, B19200 },	  { 38400, B38400 },   { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 },
};

static int speed_of(unsigned baud, speed_t *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(speeds); i++)
		if (speeds[i].baud == baud) {
			*ret = speeds[i].speed;
			return 0;
		}
	return -EINVAL;
}

bool tty_speed_valid(unsigned baud)
{
	speed_t s;

	return speed_of(baud, &s) == 0;
}

static void make_raw(struct termios *t)
{
	cfmakeraw(t);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS | HUPCL);
	t->c_cflag |= CS8 | CREAD | CLOCAL;
	t->c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

int tty_open(const char *path, unsigned baud, int *ret_fd)
{
	struct termios t;
	speed_t speed;
	int fd, r;

	if (speed_of(baud, &speed) < 0)
		return -EINVAL;
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!isatty(fd)) {
		close(fd);
		return -ENOTTY;
	}
	if (tcgetattr(fd, &t) < 0)
		goto fail;
	make_raw(&t);
	if (cfsetispeed(&t, speed) < 0 || cfsetospeed(&t, speed) < 0)
		goto fail;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		goto fail;
	(void)tcflush(fd, TCIFLUSH);
	*ret_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

int tty_make_raw(int fd, struct termios *ret_saved)
{
	struct termios t, saved;

	if (tcgetattr(fd, &saved) < 0)
		return -errno;
	t = saved;
	make_raw(&t);
	t.c_cflag = saved.c_cflag; /* the terminal's own line settings stay */
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
		return -errno;
	*ret_saved = saved;
	return 0;
}

int tty_restore(int fd, const struct termios *saved)
{
	if (tcsetattr(fd, TCSAFLUSH, saved) < 0)
		return -errno;
	return 0;
}
