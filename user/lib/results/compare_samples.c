// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr compare over repeated runs (`ktstr run --repeat N`): a scenario's
 * samples on each side are judged together. A metric compares the medians
 * of its samples, and a change counts only when it passes the gates and is
 * larger than the run-to-run spread (max - min) of either side: what the
 * same code does on the same machine twice is not a regression. The
 * verdict of a side is FAIL when any sample failed, SKIP when all skipped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_priv.h"

struct samples {
	const json_t **r;
	size_t n;
};

/* The results of @res named @name, in order. */
static int gather(const json_t *res, const char *name, struct samples *s)
{
	const json_t *r;
	size_t i;

	s->n = 0;
	s->r = calloc(json_array_size(res) + 1, sizeof(*s->r));
	if (!s->r)
		return -ENOMEM;
	json_array_foreach(res, i, r)
		if (!strcmp(cmp_str_of(r, "name"), name))
			s->r[s->n++] = r;
	return 0;
}

static const char *verdict_of(const struct samples *s)
{
	size_t skips = 0;

	for (size_t i = 0; i < s->n; i++) {
		const char *v = cmp_str_of(s->r[i], "verdict");

		if (!strcmp(v, "FAIL"))
			return "FAIL";
		skips += !strcmp(v, "SKIP");
	}
	return skips == s->n ? "SKIP" : "PASS";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and max - min of metric @m over @s's non-SKIP samples; false: none. */
static bool summarize(const struct samples *s, const json_t *other,
		      enum ktstr_compare_metric m, double *median, double *spread, int *n)
{
	double *v = calloc(s->n + 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(cmp_str_of(s->r[i], "verdict"), "SKIP") &&
		    cmp_metric_of(s->r[i], other, m, &v[k]))
			k++;
	if (k) {
		qsort(v, k, sizeof(*v), cmp_double);
		*median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
		*spread = v[k - 1] - v[0];
		*n = (int)k;
	}
	free(v);
	return k > 0;
}

static int verdict_row(struct ktstr_compare *c, enum ktstr_compare_row_kind kind,
		       const char *name, const char *va, const char *vb)
{
	struct ktstr_compare_row *r = cmp_add_row(c, kind, name);

	if (!r)
		return -ENOMEM;
	snprintf(r->verdict_a, sizeof(r->verdict_a), "%s", va);
	snprintf(r->verdict_b, sizeof(r->verdict_b), "%s", vb);
	if (kind == KTSTR_CMP_ROW_VERDICT)
		r->change = !strcmp(vb, "FAIL") ? KTSTR_CMP_REGRESSED : KTSTR_CMP_IMPROVED;
	return 0;
}

static int compare_one(struct ktstr_compare *c, const char *name, const struct samples *a,
		       const struct samples *b, const struct ktstr_compare_gates *g)
{
	const char *va = verdict_of(a), *vb = verdict_of(b);
	size_t first = c->nr_rows;
	bool kernel_ok;
	int ret;

	c->paired++;
	if (!strcmp(va, "SKIP") || !strcmp(vb, "SKIP")) {
		c->not_compared++;
		return verdict_row(c, KTSTR_CMP_ROW_SKIPPED, name, va, vb);
	}
	if (strcmp(va, vb) && (ret = verdict_row(c, KTSTR_CMP_ROW_VERDICT, name, va, vb)))
		return ret;
	kernel_ok = !strcmp(cmp_result_ksrc(a->r[0]), cmp_result_ksrc(b->r[0]));
	c->ksrc_mismatch += !kernel_ok;
	for (int m = 0; m < KTSTR_CMP__COUNT; m++) {
		struct ktstr_compare_row *r;
		double ma, mb, sa, sb;
		int na, nb;

		if (ktstr_compare_is_kernel(m) && !kernel_ok)
			continue;
		if (!summarize(a, b->r[0], m, &ma, &sa, &na) ||
		    !summarize(b, a->r[0], m, &mb, &sb, &nb))
			continue;
		r = cmp_add_row(c, KTSTR_CMP_ROW_METRIC, name);
		if (!r)
			return -ENOMEM;
		r->metric = m;
		r->a = ma;
		r->b = mb;
		r->delta = mb - ma;
		r->rel_pct = cmp_relative_pct(ma, r->delta);
		r->n_a = na;
		r->n_b = nb;
		r->spread_a = sa;
		r->spread_b = sb;
		r->change = cmp_judge(m, r->delta, r->rel_pct, &g->gate[m]);
		if (fabs(r->delta) <= fmax(sa, sb))
			r->change = KTSTR_CMP_UNCHANGED;	/* within the noise */
	}
	cmp_tally_scenario(c, first);
	return 0;
}

int cmp_compare_samples(struct ktstr_compare *c, const json_t *res_a, const json_t *res_b,
			const struct ktstr_compare_gates *g)
{
	json_t *seen = json_object(), *in_b = cmp_index_by_name(res_b);
	struct samples a = { 0 }, b = { 0 };
	const json_t *r;
	int ret = 0;
	size_t i;

	if (!seen || !in_b) {
		ret = -ENOMEM;
		goto out;
	}
	/* Scenarios in A's order, each once. */
	json_array_foreach(res_a, i, r) {
		const char *name = cmp_str_of(r, "name");

		if (json_object_get(seen, name))
			continue;
		json_object_set_new(seen, name, json_true());
		if (!json_object_get(in_b, name)) {
			c->only_a++;
			ret = verdict_row(c, KTSTR_CMP_ROW_ONLY_A, name, cmp_str_of(r, "verdict"), "");
		} else {
			free(a.r);
			free(b.r);
			b.r = NULL;
			ret = gather(res_a, name, &a) ?: gather(res_b, name, &b) ?:
			      compare_one(c, name, &a, &b, g);
		}
		if (ret)
			goto out;
	}
	json_array_foreach(res_b, i, r) {
		const char *name = cmp_str_of(r, "name");

		if (json_object_get(seen, name))
			continue;
		json_object_set_new(seen, name, json_true());
		c->only_b++;
		ret = verdict_row(c, KTSTR_CMP_ROW_ONLY_B, name, "", cmp_str_of(r, "verdict"));
		if (ret)
			goto out;
	}
out:
	free(a.r);
	free(b.r);
	json_decref(seen);
	json_decref(in_b);
	return ret;
}
