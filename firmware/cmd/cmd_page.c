#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "firmware/cmd/cmd.h"

/* Writes @len bytes to file @path, replacing it. */
static int write_file(const char *path, const void *data, size_t len)
{
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = fd_write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int cmd_page_export(struct cmd_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "page", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	unsigned batch = 0, page = 0;
	const char *out = NULL;
	void *data = NULL;
	size_t len;
	int c, r;

	while ((c = getopt_long(argc, argv, "b:p:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (cmd_parse_u32(optarg, UINT32_MAX, &batch) < 0)
				return cmd_usage_error(cmd_current(), "'%s' is not a batch number",
						       optarg);
			break;
		case 'p':
			if (cmd_parse_u32(optarg, UINT32_MAX, &page) < 0)
				return cmd_usage_error(cmd_current(), "'%s' is not a page number",
						       optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_usage_error(cmd_current(), "bad option");
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[optind]);
	if (!batch || !page || !out)
		return cmd_usage_error(cmd_current(), "--batch, --page and --out are needed");

	r = store_page_image(env->store, batch, page, &data, &len);
	if (r == -FOLIO_ENOTFOUND)
		return log_errno(r, "no page %u in batch %u: 'folio batch show %u' lists them",
				 page, batch, batch);
	if (r == -FOLIO_ECORRUPT)
		return log_errno(r,
				 "page %u of batch %u does not match its capture hash: run "
				 "'folio store check'",
				 page, batch);
	if (r < 0)
		return log_errno(r, "cannot read page %u of batch %u: %s", page, batch,
				 folio_strerror(r));
	r = write_file(out, data, len);
	free(data);
	if (r < 0)
		return log_errno(r, "cannot write '%s': %s", out, folio_strerror(r));
	return 0;
}
