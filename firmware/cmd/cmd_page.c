#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/core/batch.h"

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

/* --batch, --page and (for export) --out and --grey: parsed, or a usage error. */
struct page_args {
	unsigned batch, page;
	const char *out;
	bool grey;
};

/*
 * One table for both commands: --out and --grey given to 'page grey' are named as 'page
 * export's rather than unknown. Loads the store once the usage is right: 1 to go on, 0 when
 * the help was printed, or the error told.
 */
static int page_args_parse(struct cmd_env *env, int argc, char **argv, bool export,
			   struct page_args *ret)
{
	const char *batch = NULL, *page = NULL;
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &batch, "BATCH", "the page's batch"),
		OPT_STRING('p', "page", &page, "N", "the page's number in its batch"),
		OPT_STRING('o', "out", &ret->out, "FILE", "the file to write (page export)"),
		OPT_FLAG('g', "grey", &ret->grey, "the grey image kept for OCR (page export)"),
		OPT_END(),
	};
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (!export && ret->out)
		return cmd_usage_error(cmd_current(), "--out is for 'folio page export'");
	if (!export && ret->grey)
		return cmd_usage_error(cmd_current(), "--grey is for 'folio page export'");
	if (cmd_parse_batch(batch, &ret->batch) < 0)
		return -FOLIO_EUSAGE;
	if (page && cmd_parse_u32(page, UINT32_MAX, &ret->page) < 0)
		return cmd_usage_error(cmd_current(), "'%s' is not a page number", page);
	if (!ret->batch || !ret->page || (export && !ret->out))
		return cmd_usage_error(cmd_current(), export
							  ? "--batch, --page and --out are needed"
							  : "--batch and --page are needed");
	r = cmd_load(env);
	return r < 0 ? r : 1;
}

int cmd_page_export(struct cmd_env *env, int argc, char **argv)
{
	struct page_args a;
	void *data = NULL;
	size_t len = 0;
	int r;

	r = page_args_parse(env, argc, argv, true, &a);
	if (r <= 0)
		return r;
	if (a.grey) {
		struct page_info p;

		r = store_page_get(env->store, a.batch, a.page, &p);
		if (r == 0 && p.bit_depth != 1)
			return log_errno(-EALREADY,
					 "page %u of batch %u is delivered in grey or colour: "
					 "export it without --grey",
					 a.page, a.batch);
		if (r == 0) {
			r = store_page_ocr_image(env->store, a.batch, a.page, &data, &len);
			if (r == -FOLIO_ENOTFOUND)
				return log_errno(
				    r,
				    "no grey image is kept for page %u of batch %u: it is "
				    "kept for a bitonal page until its text is read, and for "
				    "a check-image page until approval",
				    a.page, a.batch);
		}
	} else {
		r = store_page_image(env->store, a.batch, a.page, &data, &len);
	}
	if (r == -FOLIO_ENOTFOUND)
		return log_errno(r, "no page %u in batch %u: 'folio batch show %u' lists them",
				 a.page, a.batch, a.batch);
	if (r == -FOLIO_ECORRUPT)
		return log_errno(r,
				 "page %u of batch %u does not match its capture hash: run "
				 "'folio store check'",
				 a.page, a.batch);
	if (r < 0)
		return log_errno(r, "cannot read page %u of batch %u: %s", a.page, a.batch,
				 folio_strerror(r));
	r = write_file(a.out, data, len);
	free(data);
	if (r < 0)
		return log_errno(r, "cannot write '%s': %s", a.out, folio_strerror(r));
	return 0;
}

int cmd_page_grey(struct cmd_env *env, int argc, char **argv)
{
	struct page_args a;
	struct msg why;
	int r;

	r = page_args_parse(env, argc, argv, false, &a);
	if (r <= 0)
		return r;
	r = core_page_use_grey(env->store, a.batch, a.page, env->who, &why);
	if (r < 0)
		return log_errno(r, "%s", why.text);
	log_info("page %u of batch %u will be delivered as grey JPEG", a.page, a.batch);
	return 0;
}
