// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr compare`: run-to-run comparison of two `ktstr run --json` files
 * with dual absolute and relative gates (docs/compare.md). The JSON is
 * read directly rather than through ktstr_outcome_from_json(), which
 * turns the nulls of taskstats figures into zeroes: here an absent or
 * null figure means the metric is skipped, never that it was 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <ktstr/compare.h>

#include "compare_priv.h"
#include "util/ktstr_error.h"

enum metric_agg {
	AGG_MAX,			/* worst of the cgroups, lower is better */
	AGG_SUM,			/* total of the cgroups, higher is better */
};

struct metric_info {
	const char *name;		/* --gate and JSON name */
	const char *key;		/* field of cgroups[] or cgroups[].kernel */
	bool kernel;			/* in cgroups[].kernel */
	bool pct;			/* printed with one decimal */
	enum metric_agg agg;
	double def_abs, def_rel_pct;	/* default gates */
};

static const struct metric_info metrics[KTSTR_CMP__COUNT] = {
	[KTSTR_CMP_SPREAD_PCT] = { "spread_pct", "spread_pct", false, true, AGG_MAX, 5, 25 },
	[KTSTR_CMP_MAX_GAP_MS] = { "max_gap_ms", "max_gap_ms", false, false, AGG_MAX, 100, 25 },
	[KTSTR_CMP_MIGRATIONS] = { "migrations", "migrations", false, false, AGG_MAX, 50, 50 },
	[KTSTR_CMP_P99_WAKE_US] = { "p99_wake_latency_us", "p99_wake_latency_us", false, false,
				    AGG_MAX, 1000, 25 },
	[KTSTR_CMP_ITERATIONS] = { "iterations", "iterations", false, false, AGG_SUM, 0, 10 },
	[KTSTR_CMP_MAX_WAIT_NS] = { "max_wait_ns", "max_wait_ns", true, false, AGG_MAX,
				    10000000, 25 },
	[KTSTR_CMP_TOTAL_WAIT_NS] = { "total_wait_ns", "total_wait_ns", true, false, AGG_MAX,
				      100000000, 25 },
	[KTSTR_CMP_WAIT_SPREAD_PCT] = { "wait_spread_pct", "wait_spread_pct", true, true,
					AGG_MAX, 5, 25 },
	[KTSTR_CMP_KERNEL_MIGRATIONS] = { "kernel_migrations", "migrations", true, false,
					  AGG_MAX, 50, 50 },
	[KTSTR_CMP_STARVATIONS] = { "starvations", "starvations", true, false, AGG_MAX, 1, 0 },
};

/* Gate values above these are typing mistakes, not gates. */
#define GATE_ABS_MAX	1e18
#define GATE_REL_MAX	1e6

/* A bad gate: the message to @why and to ktstr_last_error(); -EINVAL. */
#define fail(why, len, ...)	ktstr_errorf_buf(why, len, -EINVAL, __VA_ARGS__)

static bool valid_metric(enum ktstr_compare_metric m)
{
	return (unsigned int)m < KTSTR_CMP__COUNT;
}

const char *ktstr_compare_metric_name(enum ktstr_compare_metric m)
{
	return valid_metric(m) ? metrics[m].name : "?";
}

int ktstr_compare_metric_find(const char *name)
{
	for (int m = 0; name && m < KTSTR_CMP__COUNT; m++)
		if (!strcmp(name, metrics[m].name))
			return m;
	return -ENOENT;
}

bool ktstr_compare_higher_is_better(enum ktstr_compare_metric m)
{
	return valid_metric(m) && metrics[m].agg == AGG_SUM;
}

bool ktstr_compare_is_kernel(enum ktstr_compare_metric m)
{
	return valid_metric(m) && metrics[m].kernel;
}

void ktstr_compare_gates_init(struct ktstr_compare_gates *g)
{
	for (int m = 0; m < KTSTR_CMP__COUNT; m++) {
		g->gate[m].abs = metrics[m].def_abs;
		g->gate[m].rel_pct = metrics[m].def_rel_pct;
	}
}

/*
 * A plain non-negative decimal of @n characters at @s: digits with at most
 * one '.', at least one digit, at most @max. 0 or -EINVAL.
 */
static int parse_decimal(const char *s, size_t n, double max, double *out)
{
	char buf[64], *end;
	size_t digits = 0, dots = 0;
	double v;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.')
			dots++;
		else
			return -EINVAL;
	}
	if (!digits || dots > 1)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno || *end || !isfinite(v) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int ktstr_compare_gate_parse(struct ktstr_compare_gates *g, const char *spec,
			     char *why, size_t len)
{
	const char *eq, *comma, *rel;
	size_t rel_len;
	char name[64];
	double abs_v, rel_v;
	int m;

	if (!g || !spec)
		return fail(why, len, "no gate given");
	eq = strchr(spec, '=');
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name))
		return fail(why, len,
			    "bad --gate '%.80s' (want METRIC=ABS,REL, e.g. max_gap_ms=100,25)",
			    spec);
	memcpy(name, spec, eq - spec);
	name[eq - spec] = '\0';
	m = ktstr_compare_metric_find(name);
	if (m < 0)
		return fail(why, len,
			    "bad --gate '%.80s' (unknown metric '%s', see 'ktstr compare --help')",
			    spec, name);
	comma = strchr(eq + 1, ',');
	if (!comma)
		return fail(why, len, "bad --gate '%.80s' (want METRIC=ABS,REL: no comma)", spec);
	rel = comma + 1;
	rel_len = strlen(rel);
	if (rel_len && rel[rel_len - 1] == '%')
		rel_len--;
	if (parse_decimal(eq + 1, comma - eq - 1, GATE_ABS_MAX, &abs_v))
		return fail(why, len, "bad --gate '%.80s' (ABS must be a plain decimal >= 0)",
			    spec);
	if (parse_decimal(rel, rel_len, GATE_REL_MAX, &rel_v))
		return fail(why, len,
			    "bad --gate '%.80s' (REL must be a plain decimal >= 0, in %%)", spec);
	g->gate[m].abs = abs_v;
	g->gate[m].rel_pct = rel_v;
	return 0;
}

/* ---- checking a run ---- */

static bool is_verdict(const char *s)
{
	return s && (!strcmp(s, "PASS") || !strcmp(s, "FAIL") || !strcmp(s, "SKIP"));
}

/* A metric field, when there, is a number or null (unknown). */
static bool number_or_absent(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return !v || json_is_number(v) || json_is_null(v);
}

static int check_cgroup(const json_t *cg, size_t i, size_t j, char *why, size_t len)
{
	const json_t *k = json_object_get(cg, "kernel");

	if (!json_is_object(cg) || !json_is_string(json_object_get(cg, "name")))
		return fail(why, len,
			    "results[%zu].cgroups[%zu] is not an object with a string \"name\"",
			    i, j);
	if (k && !json_is_object(k) && !json_is_null(k))
		return fail(why, len, "results[%zu].cgroups[%zu].kernel is not an object", i, j);
	for (int m = 0; m < KTSTR_CMP__COUNT; m++) {
		const json_t *obj = metrics[m].kernel ? k : cg;

		if (json_is_object(obj) && !number_or_absent(obj, metrics[m].key))
			return fail(why, len, "results[%zu].cgroups[%zu]%s.%s is not a number",
				    i, j, metrics[m].kernel ? ".kernel" : "", metrics[m].key);
	}
	return 0;
}

static int check_result(const json_t *r, size_t i, char *why, size_t len)
{
	const json_t *cgs = json_object_get(r, "cgroups"), *cg;
	size_t j;
	int ret;

	if (!json_is_object(r))
		return fail(why, len, "results[%zu] is not an object", i);
	if (!json_is_string(json_object_get(r, "name")))
		return fail(why, len, "results[%zu] has no string \"name\"", i);
	if (!is_verdict(json_string_value(json_object_get(r, "verdict"))))
		return fail(why, len,
			    "results[%zu] (%.80s): \"verdict\" is not PASS, FAIL or SKIP",
			    i, json_string_value(json_object_get(r, "name")));
	if (cgs && !json_is_array(cgs))
		return fail(why, len, "results[%zu].cgroups is not an array", i);
	json_array_foreach(cgs, j, cg) {
		ret = check_cgroup(cg, i, j, why, len);
		if (ret)
			return ret;
	}
	return 0;
}

int ktstr_compare_check_run(const json_t *run, char *why, size_t len)
{
	const json_t *v = json_object_get(run, "version"), *results, *r;
	size_t i;
	int ret;

	if (!json_is_object(run))
		return fail(why, len, "not a JSON object (want a 'ktstr run --json' file)");
	if (!v)
		return fail(why, len, "no \"version\" (want a 'ktstr run --json' file)");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return fail(why, len, "unsupported \"version\" (want 1)");
	results = json_object_get(run, "results");
	if (!json_is_array(results))
		return fail(why, len, "no \"results\" array (want a 'ktstr run --json' file)");
	json_array_foreach(results, i, r) {
		ret = check_result(r, i, why, len);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A gauntlet's document (results with "scenario" and "topology", no
 * "name") becomes a run's in place: each result is named
 * "scenario@topology", so the same cell pairs across two gauntlets; its
 * verdict is compared (a gauntlet file has no per-cgroup figures).
 */
static int from_gauntlet(json_t *doc)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, r) {
		const char *sc = json_string_value(json_object_get(r, "scenario"));
		const char *topo = json_string_value(json_object_get(r, "topology"));
		char name[KTSTR_CMP_NAME_MAX];

		if (json_object_get(r, "name") || !sc || !topo)
			continue;
		snprintf(name, sizeof(name), "%s@%s", sc, topo);
		if (json_object_set_new(r, "name", json_string(name)) ||
		    json_object_set_new(r, "cgroups", json_array()))
			return -ENOMEM;
	}
	return 0;
}

int ktstr_compare_load(const char *path, json_t **out, char *why, size_t len)
{
	json_error_t jerr;
	struct stat st;
	json_t *run;
	FILE *f;
	int err;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		fail(why, len, "cannot read: %s", strerror(-err));
		return err;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		fail(why, len, "cannot read: %s", strerror(EISDIR));
		return -EISDIR;
	}
	run = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!run)
		return fail(why, len, "not valid JSON: %s (line %d, column %d)", jerr.text,
			    jerr.line, jerr.column);
	err = from_gauntlet(run);
	if (!err)
		err = ktstr_compare_check_run(run, why, len);
	if (err) {
		json_decref(run);
		return err;
	}
	*out = run;
	return 0;
}

/* ---- reading a checked run ---- */

const char *cmp_str_of(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* A result's kernel_source; runs older than the field say "kernel": bool. */
const char *cmp_result_ksrc(const json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "kernel_source"));

	if (s)
		return s;
	return json_is_true(json_object_get(r, "kernel")) ? "module" : "none";
}

static const char *run_ksrc(const json_t *run)
{
	const char *s = json_string_value(json_object_get(run, "kernel_source"));

	if (s)
		return s;
	return json_is_true(json_object_get(run, "kernel_module")) ? "module" : "none";
}

static bool has_cgroup(const json_t *r, const char *name)
{
	const json_t *cg;
	size_t i;

	json_array_foreach(json_object_get(r, "cgroups"), i, cg)
		if (!strcmp(cmp_str_of(cg, "name"), name))
			return true;
	return false;
}

/*
 * Metric @m of result @r over its cgroups that @other has too: the worst
 * (max) or the sum. false when no such cgroup has a number for it.
 */
bool cmp_metric_of(const json_t *r, const json_t *other, enum ktstr_compare_metric m,
		      double *out)
{
	const struct metric_info *mi = &metrics[m];
	const json_t *cg, *v;
	bool found = false;
	double acc = 0;
	size_t i;

	json_array_foreach(json_object_get(r, "cgroups"), i, cg) {
		if (!has_cgroup(other, cmp_str_of(cg, "name")))
			continue;
		v = json_object_get(mi->kernel ? json_object_get(cg, "kernel") : cg, mi->key);
		if (!json_is_number(v))
			continue;
		if (mi->agg == AGG_SUM)
			acc += json_number_value(v);
		else if (!found || json_number_value(v) > acc)
			acc = json_number_value(v);
		found = true;
	}
	*out = acc;
	return found;
}

/*
 * Results pair by name and occurrence: the n-th result named X in A with
 * the n-th named X in B. The index: name -> [cursor, indexes in B...], a
 * hash (jansson's object), so pairing is linear in the number of results.
 */
json_t *cmp_index_by_name(const json_t *results)
{
	json_t *ix = json_object(), *r;
	size_t i;

	if (!ix)
		return NULL;
	json_array_foreach(results, i, r) {
		const char *name = cmp_str_of(r, "name");
		json_t *list = json_object_get(ix, name);

		if (!list && (!(list = json_pack("[i]", 1)) ||
			      json_object_set_new(ix, name, list)))
			goto fail;
		if (json_array_append_new(list, json_integer((json_int_t)i)))
			goto fail;
	}
	return ix;
fail:
	json_decref(ix);
	return NULL;
}

/* The index in B of the next result named @name not yet paired, or -1. */
long cmp_next_named(json_t *ix, const char *name)
{
	json_t *list = json_object_get(ix, name);
	json_int_t cursor;

	if (!list)
		return -1;
	cursor = json_integer_value(json_array_get(list, 0));
	if ((size_t)cursor >= json_array_size(list))
		return -1;
	json_array_set_new(list, 0, json_integer(cursor + 1));
	return (long)json_integer_value(json_array_get(list, (size_t)cursor));
}

/* ---- judging ---- */

enum ktstr_compare_change cmp_judge(enum ktstr_compare_metric m, double delta,
				       double rel_pct, const struct ktstr_compare_gate *gate)
{
	double bad = ktstr_compare_higher_is_better(m) ? -delta : delta;

	if (delta == 0 || fabs(delta) < gate->abs || fabs(rel_pct) < gate->rel_pct)
		return KTSTR_CMP_UNCHANGED;
	return bad > 0 ? KTSTR_CMP_REGRESSED : KTSTR_CMP_IMPROVED;
}

double cmp_relative_pct(double a, double delta)
{
	if (a != 0)
		return delta / fabs(a) * 100.0;
	if (delta == 0)
		return 0;
	return delta > 0 ? INFINITY : -INFINITY;
}

struct ktstr_compare_row *cmp_add_row(struct ktstr_compare *c,
					 enum ktstr_compare_row_kind kind, const char *scenario)
{
	struct ktstr_compare_row *r;

	if (c->nr_rows == c->cap_rows) {
		size_t cap = c->cap_rows ? 2 * c->cap_rows : 32;

		r = realloc(c->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		c->rows = r;
		c->cap_rows = cap;
	}
	r = &c->rows[c->nr_rows++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->change = KTSTR_CMP_NOT_COMPARED;
	r->n_a = r->n_b = 1;
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	return r;
}

static int add_verdict_row(struct ktstr_compare *c, enum ktstr_compare_row_kind kind,
			   const json_t *ra, const json_t *rb)
{
	struct ktstr_compare_row *r = cmp_add_row(c, kind, cmp_str_of(ra ? ra : rb, "name"));

	if (!r)
		return -ENOMEM;
	snprintf(r->verdict_a, sizeof(r->verdict_a), "%s", ra ? cmp_str_of(ra, "verdict") : "");
	snprintf(r->verdict_b, sizeof(r->verdict_b), "%s", rb ? cmp_str_of(rb, "verdict") : "");
	if (kind == KTSTR_CMP_ROW_VERDICT)
		r->change = !strcmp(r->verdict_b, "FAIL") ? KTSTR_CMP_REGRESSED :
			    KTSTR_CMP_IMPROVED;
	return 0;
}

static int add_metric_rows(struct ktstr_compare *c, const json_t *ra, const json_t *rb,
			   const struct ktstr_compare_gates *g, bool kernel_ok)
{
	struct ktstr_compare_row *r;
	double a, b;

	for (int m = 0; m < KTSTR_CMP__COUNT; m++) {
		if (metrics[m].kernel && !kernel_ok)
			continue;
		if (!cmp_metric_of(ra, rb, m, &a) || !cmp_metric_of(rb, ra, m, &b))
			continue;
		r = cmp_add_row(c, KTSTR_CMP_ROW_METRIC, cmp_str_of(ra, "name"));
		if (!r)
			return -ENOMEM;
		r->metric = m;
		r->a = a;
		r->b = b;
		r->delta = b - a;
		r->rel_pct = cmp_relative_pct(a, r->delta);
		r->change = cmp_judge(m, r->delta, r->rel_pct, &g->gate[m]);
	}
	return 0;
}

/* Count a compared scenario whose rows start at @first. */
void cmp_tally_scenario(struct ktstr_compare *c, size_t first)
{
	bool regressed = false, improved = false;

	for (size_t i = first; i < c->nr_rows; i++) {
		regressed |= c->rows[i].change == KTSTR_CMP_REGRESSED;
		improved |= c->rows[i].change == KTSTR_CMP_IMPROVED;
	}
	if (regressed)
		c->regressed++;
	else if (improved)
		c->improved++;
	else
		c->unchanged++;
}

static int compare_pair(struct ktstr_compare *c, const json_t *ra, const json_t *rb,
			const struct ktstr_compare_gates *g)
{
	const char *va = cmp_str_of(ra, "verdict"), *vb = cmp_str_of(rb, "verdict");
	size_t first = c->nr_rows;
	bool kernel_ok;
	int ret;

	c->paired++;
	if (!strcmp(va, "SKIP") || !strcmp(vb, "SKIP")) {
		c->not_compared++;
		return add_verdict_row(c, KTSTR_CMP_ROW_SKIPPED, ra, rb);
	}
	if (strcmp(va, vb)) {
		ret = add_verdict_row(c, KTSTR_CMP_ROW_VERDICT, ra, rb);
		if (ret)
			return ret;
	}
	kernel_ok = !strcmp(cmp_result_ksrc(ra), cmp_result_ksrc(rb));
	c->ksrc_mismatch += !kernel_ok;
	ret = add_metric_rows(c, ra, rb, g, kernel_ok);
	if (ret)
		return ret;
	cmp_tally_scenario(c, first);
	return 0;
}

static int compare_results(struct ktstr_compare *c, const json_t *res_a,
			   const json_t *res_b, const struct ktstr_compare_gates *g)
{
	size_t nb = json_array_size(res_b), i;
	bool *used = calloc(nb ? nb : 1, sizeof(*used));
	json_t *ix = cmp_index_by_name(res_b);
	const json_t *ra, *rb;
	int ret = 0;
	long j;

	if (!used || !ix) {
		ret = -ENOMEM;
		goto out;
	}
	json_array_foreach(res_a, i, ra) {
		j = cmp_next_named(ix, cmp_str_of(ra, "name"));
		if (j < 0) {
			c->only_a++;
			ret = add_verdict_row(c, KTSTR_CMP_ROW_ONLY_A, ra, NULL);
		} else {
			used[j] = true;
			ret = compare_pair(c, ra, json_array_get(res_b, j), g);
		}
		if (ret)
			goto out;
	}
	json_array_foreach(res_b, i, rb) {
		if (used[i])
			continue;
		c->only_b++;
		ret = add_verdict_row(c, KTSTR_CMP_ROW_ONLY_B, NULL, rb);
		if (ret)
			goto out;
	}
out:
	json_decref(ix);
	free(used);
	return ret;
}

int ktstr_compare_runs(const json_t *a, const json_t *b,
		       const struct ktstr_compare_gates *g, struct ktstr_compare *out)
{
	int ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!g || ktstr_compare_check_run(a, NULL, 0) || ktstr_compare_check_run(b, NULL, 0))
		return -EINVAL;
	snprintf(out->ksrc_a, sizeof(out->ksrc_a), "%s", run_ksrc(a));
	snprintf(out->ksrc_b, sizeof(out->ksrc_b), "%s", run_ksrc(b));
	/* Repeated runs: every scenario's samples judged together. */
	if (json_integer_value(json_object_get(a, "repeat")) > 1 ||
	    json_integer_value(json_object_get(b, "repeat")) > 1)
		ret = cmp_compare_samples(out, json_object_get(a, "results"),
					  json_object_get(b, "results"), g);
	else
		ret = compare_results(out, json_object_get(a, "results"),
				      json_object_get(b, "results"), g);
	if (ret)
		ktstr_compare_free(out);
	return ret;
}

void ktstr_compare_free(struct ktstr_compare *c)
{
	if (!c)
		return;
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

int ktstr_compare_exit_code(const struct ktstr_compare *c)
{
	return c->regressed ? 1 : 0;
}

/* ---- output ---- */

const char *ktstr_compare_change_name(enum ktstr_compare_change c)
{
	switch (c) {
	case KTSTR_CMP_REGRESSED:	return "REGRESSED";
	case KTSTR_CMP_IMPROVED:	return "IMPROVED";
	case KTSTR_CMP_UNCHANGED:	return "UNCHANGED";
	case KTSTR_CMP_NOT_COMPARED:	break;
	}
	return "NOT-COMPARED";
}

static const char *skip_side(const struct ktstr_compare_row *r)
{
	bool a = !strcmp(r->verdict_a, "SKIP"), b = !strcmp(r->verdict_b, "SKIP");

	return a && b ? "SKIP in A and B" : a ? "SKIP in A" : "SKIP in B";
}

/* @v of metric @m as a person reads it: "12.3 ms", "4.0%", "180 ms", "35 us", "7". */
static const char *fmt_value(enum ktstr_compare_metric m, double v, bool delta, char *buf,
			     size_t len)
{
	switch (m) {
	case KTSTR_CMP_MAX_WAIT_NS:
	case KTSTR_CMP_TOTAL_WAIT_NS:
		snprintf(buf, len, delta ? "%+.1f ms" : "%.1f ms", v / 1e6);
		break;
	case KTSTR_CMP_SPREAD_PCT:
	case KTSTR_CMP_WAIT_SPREAD_PCT:
		snprintf(buf, len, delta ? "%+.1f pts" : "%.1f%%", v);
		break;
	case KTSTR_CMP_MAX_GAP_MS:
		snprintf(buf, len, delta ? "%+.0f ms" : "%.0f ms", v);
		break;
	case KTSTR_CMP_P99_WAKE_US:
		snprintf(buf, len, delta ? "%+.0f us" : "%.0f us", v);
		break;
	default:
		snprintf(buf, len, delta ? "%+.0f" : "%.0f", v);
		break;
	}
	return buf;
}

static int format_metric_row(const struct ktstr_compare_row *r, char *buf, size_t len)
{
	char rel[32], a[32], b[32], d[32], sa[32], sb[32], samples[128] = "";

	if (isinf(r->rel_pct))
		snprintf(rel, sizeof(rel), "%cinf%%", r->rel_pct > 0 ? '+' : '-');
	else
		snprintf(rel, sizeof(rel), "%+.1f%%", r->rel_pct);
	if (r->n_a > 1 || r->n_b > 1)
		snprintf(samples, sizeof(samples), "; medians of %d/%d samples, spread %s/%s",
			 r->n_a, r->n_b, fmt_value(r->metric, r->spread_a, false, sa, sizeof(sa)),
			 fmt_value(r->metric, r->spread_b, false, sb, sizeof(sb)));
	return snprintf(buf, len, "%s %s %s %s -> %s (%s, %s%s)",
			ktstr_compare_change_name(r->change), r->scenario,
			metrics[r->metric].name, fmt_value(r->metric, r->a, false, a, sizeof(a)),
			fmt_value(r->metric, r->b, false, b, sizeof(b)),
			fmt_value(r->metric, r->delta, true, d, sizeof(d)), rel, samples);
}

int ktstr_compare_row_format(const struct ktstr_compare_row *r, char *buf, size_t len)
{
	switch (r->kind) {
	case KTSTR_CMP_ROW_METRIC:
		if (!valid_metric(r->metric))
			break;
		return format_metric_row(r, buf, len);
	case KTSTR_CMP_ROW_VERDICT:
		return snprintf(buf, len, "%s %s verdict %s -> %s",
				ktstr_compare_change_name(r->change), r->scenario,
				r->verdict_a, r->verdict_b);
	case KTSTR_CMP_ROW_SKIPPED:
		return snprintf(buf, len, "NOT-COMPARED %s (%s)", r->scenario, skip_side(r));
	case KTSTR_CMP_ROW_ONLY_A:
		return snprintf(buf, len, "ONLY-IN-A %s", r->scenario);
	case KTSTR_CMP_ROW_ONLY_B:
		return snprintf(buf, len, "ONLY-IN-B %s", r->scenario);
	}
	return snprintf(buf, len, "? %s", r->scenario);
}

int ktstr_compare_summary_format(const struct ktstr_compare *c, char *buf, size_t len)
{
	char skipped[48] = "", unpaired[64] = "";

	if (c->not_compared)
		snprintf(skipped, sizeof(skipped), ", %d not compared (SKIP)", c->not_compared);
	if (c->only_a || c->only_b)
		snprintf(unpaired, sizeof(unpaired), "; %d only in A, %d only in B",
			 c->only_a, c->only_b);
	return snprintf(buf, len,
			"compare: %d scenarios paired, %d regressed, %d improved, %d unchanged%s%s",
			c->paired, c->regressed, c->improved, c->unchanged, skipped, unpaired);
}

int ktstr_compare_ksrc_note(const struct ktstr_compare *c, char *buf, size_t len)
{
	if (strcmp(c->ksrc_a, c->ksrc_b))
		return snprintf(buf, len, "compare: kernel figures come from different sources "
				"(A: %s, B: %s): kernel metrics not compared",
				c->ksrc_a, c->ksrc_b);
	if (c->ksrc_mismatch)
		return snprintf(buf, len, "compare: kernel figures of %d paired scenarios come "
				"from different sources: their kernel metrics not compared",
				c->ksrc_mismatch);
	if (len)
		buf[0] = '\0';
	return 0;
}

static const char *kind_name(enum ktstr_compare_row_kind k)
{
	switch (k) {
	case KTSTR_CMP_ROW_METRIC:	return "metric";
	case KTSTR_CMP_ROW_VERDICT:	return "verdict";
	case KTSTR_CMP_ROW_SKIPPED:	return "not_compared";
	case KTSTR_CMP_ROW_ONLY_A:	return "only_in_a";
	case KTSTR_CMP_ROW_ONLY_B:	return "only_in_b";
	}
	return "?";
}

static const char *change_json_name(enum ktstr_compare_change c)
{
	switch (c) {
	case KTSTR_CMP_REGRESSED:	return "regressed";
	case KTSTR_CMP_IMPROVED:	return "improved";
	case KTSTR_CMP_UNCHANGED:	return "unchanged";
	case KTSTR_CMP_NOT_COMPARED:	break;
	}
	return "not_compared";
}

static json_t *row_json(const struct ktstr_compare_row *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "scenario", r->scenario,
			      "kind", kind_name(r->kind), "change", change_json_name(r->change));

	if (!j)
		return NULL;
	if (r->kind == KTSTR_CMP_ROW_METRIC) {
		json_object_set_new(j, "metric", json_string(ktstr_compare_metric_name(r->metric)));
		json_object_set_new(j, "a", json_real(r->a));
		json_object_set_new(j, "b", json_real(r->b));
		json_object_set_new(j, "delta", json_real(r->delta));
		/* Infinite (A was 0): null. */
		json_object_set_new(j, "rel_pct", isinf(r->rel_pct) ? json_null() :
				    json_real(r->rel_pct));
		if (r->n_a > 1 || r->n_b > 1) {
			json_object_set_new(j, "n_a", json_integer(r->n_a));
			json_object_set_new(j, "n_b", json_integer(r->n_b));
			json_object_set_new(j, "spread_a", json_real(r->spread_a));
			json_object_set_new(j, "spread_b", json_real(r->spread_b));
		}
	} else if (r->kind == KTSTR_CMP_ROW_VERDICT || r->kind == KTSTR_CMP_ROW_SKIPPED) {
		json_object_set_new(j, "a", json_string(r->verdict_a));
		json_object_set_new(j, "b", json_string(r->verdict_b));
	}
	return j;
}

static json_t *gates_json(const struct ktstr_compare_gates *g)
{
	json_t *j = json_object();

	for (int m = 0; j && m < KTSTR_CMP__COUNT; m++)
		json_object_set_new(j, metrics[m].name, json_pack("{s:f, s:f, s:b}",
				    "abs", g->gate[m].abs, "rel_pct", g->gate[m].rel_pct,
				    "higher_is_better", ktstr_compare_higher_is_better(m)));
	return j;
}

json_t *ktstr_compare_to_json(const struct ktstr_compare *c,
			      const struct ktstr_compare_gates *g)
{
	json_t *rows = json_array(), *root;

	if (!rows)
		return NULL;
	for (size_t i = 0; i < c->nr_rows; i++)
		json_array_append_new(rows, row_json(&c->rows[i]));
	root = json_pack("{s:i, s:o, s:{s:s, s:s, s:b, s:i},"
			 " s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
			 "version", 1,
			 "gates", gates_json(g),
			 "kernel_sources", "a", c->ksrc_a, "b", c->ksrc_b,
			 "differ", strcmp(c->ksrc_a, c->ksrc_b) != 0,
			 "mismatched_scenarios", c->ksrc_mismatch,
			 "summary", "paired", c->paired, "regressed", c->regressed,
			 "improved", c->improved, "unchanged", c->unchanged,
			 "not_compared", c->not_compared, "only_in_a", c->only_a,
			 "only_in_b", c->only_b,
			 "rows", rows);
	return root;
}
