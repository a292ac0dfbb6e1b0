/*
 * Accuracy of the image pipeline on generated pages with known truth (build/bin/pagegen):
 *  - deskew: pages skewed from -5 to +5 degrees; the measured skew is within 0.1 degree of
 *    the truth, and the written image, measured again, is within 0.1 degree of straight;
 *  - orientation: text pages fed at 90, 180 and 270 degrees come out upright;
 *  - blank: at least 95% of truly blank sheets (plain, paper noise, punch holes, bleed-through,
 *    scanner edge) flagged blank, and no sheet with content (one line, a signature, a stamp,
 *    full text) flagged blank.
 * Figures are printed as "figure:" lines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leptonica/allheaders.h>

#include "firmware/image/process.h"
#include "pagecheck.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct page_result {
	char file[64], kind[32];
	double skew_truth;
	int rot_truth;
	bool blank_truth;
	struct image_page_report rep;
	double residual_out; /* skew measured again on the written image */
	double secs;
};

static int process_set(const char *dir, struct page_result *res, size_t max, size_t *ret_n)
{
	char path[8192], line[1024];
	FILE *tsv;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/truth.tsv", dir);
	tsv = fopen(path, "re");
	if (!tsv) {
		printf("cannot open '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	if (!fgets(line, sizeof(line), tsv)) {
		fclose(tsv);
		return -EIO;
	}
	while (n < max && fgets(line, sizeof(line), tsv)) {
		struct page_result *pr = &res[n];
		struct encoded_image img;
		struct frame f;
		int blank = 0, r;
		double t;

		if (sscanf(line, "%63s %31s %lf %d %*u %*u %*u %d", pr->file, pr->kind,
			   &pr->skew_truth, &pr->rot_truth, &blank) != 5)
			continue;
		pr->blank_truth = blank;
		snprintf(path, sizeof(path), "%s/%s", dir, pr->file);
		r = load_frame(path, false, &f);
		if (r < 0) {
			printf("cannot load '%s'\n", path);
			fclose(tsv);
			return r;
		}
		t = now();
		r = image_process(&f, NULL, &img, &pr->rep);
		pr->secs = now() - t;
		free(f.data);
		if (r < 0) {
			printf("cannot process '%s': %d\n", path, r);
			fclose(tsv);
			return r;
		}
		/* Measure the written image again, independently of the report. */
		{
			PIX *out = pixReadMem(img.data, img.size);
			float a = 0, conf = 0;

			pr->residual_out = NAN;
			if (out &&
			    !pixFindSkewSweepAndSearch(out, &a, &conf, 2, 1, 3.0f, 0.5f, 0.005f) &&
			    conf > 3)
				pr->residual_out = a;
			pixDestroy(&out);
		}
		encoded_image_release(&img);
		n++;
	}
	fclose(tsv);
	*ret_n = n;
	return 0;
}

int main(void)
{
	const char *build = getenv("FOLIO_BUILD"), *tmp = getenv("FOLIO_TMP");
	static struct page_result res[128];
	char cmd[8192], pg[4096];
	size_t n = 0, i, m = 0;
	double worst = 0, sum = 0, worst_out = 0, secs = 0;
	unsigned skew_pages = 0, orient_ok = 0, orient_n = 0, blank_n = 0, blank_hit = 0,
		 content_n = 0, content_blank = 0, pages = 0;

	if (!build || !tmp) {
		printf("FOLIO_BUILD and FOLIO_TMP must be set (run through tests/run.sh)\n");
		return 2;
	}
	snprintf(pg, sizeof(pg), "%s/bin/pagegen", build);
	/* Two pagegen processes at a time: generation dominates the run time. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; P='%s'; cd '%s'; "
		 "($P --out skew --count 16 --kind text --skew-range -5:5 --seed 11 --format pnm &&"
		 " $P --out orient90 --count 2 --kind text --rotate 90 --skew-range -2:1.5"
		 " --seed 21 --format pnm &&"
		 " $P --out sparse --count 12 --kind sparse-all --seed 41 --format pnm) & "
		 "($P --out orient180 --count 2 --kind text --rotate 180 --skew-range -1:2.5"
		 " --seed 22 --format pnm &&"
		 " $P --out orient270 --count 2 --kind text --rotate 270 --skew-range 0.7:-3"
		 " --seed 23 --format pnm &&"
		 " $P --out blank --count 20 --kind blank-all --seed 31 --format pnm) & wait",
		 pg, tmp);
	if (system(cmd) != 0) {
		printf("pagegen failed: %s\n", cmd);
		return 1;
	}

	static const char *const sets[] = { "skew",	 "orient90", "orient180",
					    "orient270", "blank",    "sparse" };
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/%s", tmp, sets[i]);
		if (process_set(dir, res + n, 128 - n, &m) < 0)
			return 1;
		n += m;
	}

	for (i = 0; i < n; i++) {
		struct page_result *pr = &res[i];
		double err = fabs(pr->rep.skew_deg - pr->skew_truth);

		pages++;
		secs += pr->secs;
		printf("%-16s %-12s skew %+6.2f measured %+7.3f (conf %5.1f) out %+7.3f  rot %3d "
		       "found %3d  blank %d score %.4f flags %#x\n",
		       pr->file, pr->kind, pr->skew_truth, pr->rep.skew_deg, pr->rep.skew_conf,
		       pr->residual_out, pr->rot_truth, pr->rep.orientation, pr->rep.blank,
		       pr->rep.blank_score, pr->rep.flags);
		if (!strcmp(pr->kind, "text")) {
			skew_pages++;
			sum += err;
			worst = fmax(worst, err);
			CHECK(err <= 0.1, "%s: skew %.2f measured as %.3f", pr->file,
			      pr->skew_truth, pr->rep.skew_deg);
			CHECK(pr->rep.deskewed, "%s: not deskewed", pr->file);
			CHECK(!isnan(pr->residual_out), "%s: no skew measurable on the output",
			      pr->file);
			if (!isnan(pr->residual_out))
				worst_out = fmax(worst_out, fabs(pr->residual_out));
			CHECK(isnan(pr->residual_out) || fabs(pr->residual_out) <= 0.1,
			      "%s: output still skewed by %.3f", pr->file, pr->residual_out);
			CHECK(!pr->rep.blank, "%s: text page flagged blank", pr->file);
			CHECK(((pr->rep.flags & IMAGE_FLAG_SKEW) != 0) ==
				      (fabs(pr->skew_truth) > 3.05) ||
				  fabs(fabs(pr->skew_truth) - 3) < 0.1,
			      "%s: skew flag %d for %.2f degrees", pr->file,
			      !!(pr->rep.flags & IMAGE_FLAG_SKEW), pr->skew_truth);
			if (pr->rot_truth) {
				orient_n++;
				orient_ok += pr->rep.orientation == pr->rot_truth;
				CHECK(pr->rep.orientation == pr->rot_truth,
				      "%s: fed at %d, orientation found %d", pr->file,
				      pr->rot_truth, pr->rep.orientation);
				CHECK(pr->rep.out_width < pr->rep.out_height,
				      "%s: not turned upright (%ux%u)", pr->file, pr->rep.out_width,
				      pr->rep.out_height);
			} else {
				CHECK(pr->rep.orientation == 0, "%s: upright page turned by %d",
				      pr->file, pr->rep.orientation);
			}
		}
		if (pr->blank_truth) {
			blank_n++;
			blank_hit += pr->rep.blank;
		} else {
			content_n++;
			content_blank += pr->rep.blank;
			CHECK(!pr->rep.blank, "%s (%s) flagged blank, score %.4f", pr->file,
			      pr->kind, pr->rep.blank_score);
		}
		CHECK(strstr(pr->rep.ops, "leptonica-") && strstr(pr->rep.ops, "libtiff-") &&
			  strstr(pr->rep.ops, "binarise") && strstr(pr->rep.ops, "skew"),
		      "%s: ops record incomplete: %s", pr->file, pr->rep.ops);
	}
	CHECK(skew_pages == 22, "expected 22 text pages, got %u", skew_pages);
	CHECK(blank_n == 20 && blank_hit * 100 >= blank_n * 95, "blank sheets flagged: %u of %u",
	      blank_hit, blank_n);

	printf("figure: deskew -5..+5 deg on %u text pages: max error %.3f deg, mean %.3f, "
	       "re-measured on output max %.3f\n",
	       skew_pages, worst, skew_pages ? sum / skew_pages : 0, worst_out);
	printf("figure: orientation 90/180/270: %u of %u correct\n", orient_ok, orient_n);
	printf("figure: blank: %u of %u blank sheets flagged (%.0f%%), %u of %u content sheets "
	       "flagged blank\n",
	       blank_hit, blank_n, blank_n ? 100.0 * blank_hit / blank_n : 0, content_blank,
	       content_n);
	printf("figure: pipeline %.0f ms/page mean over %u A4 300 dpi pages (this build)\n",
	       pages ? secs * 1000 / pages : 0, pages);
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
