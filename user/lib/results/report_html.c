// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report (ktstr/report.h): one section per input file, by kind,
 * then a compare of two run files. Plots come from report_svg.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/compare.h>
#include <ktstr/report.h>

#include "report_priv.h"
#include "util/ktstr_error.h"

#define TOP_TASKS	20	/* longest waits shown */
#define TOP_COMMS	8	/* per-command histograms shown */
#define HIST_BUCKETS	32

static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static double num_of(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

enum ktstr_report_kind ktstr_report_kind_of(const json_t *doc)
{
	const json_t *res = json_object_get(doc, "results");

	if (json_is_array(json_object_get(doc, "tasks")) &&
	    json_is_array(json_object_get(doc, "cpus")))
		return KTSTR_REPORT_STAT;
	if (!json_is_array(res))
		return KTSTR_REPORT_UNKNOWN;
	if (json_object_get(json_array_get(res, 0), "topology") ||
	    (!json_array_size(res) && !json_object_get(doc, "duration_ms")))
		return KTSTR_REPORT_GAUNTLET;
	return KTSTR_REPORT_RUN;
}

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}"
	"h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}"
	"h3{font-size:1.05em}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;text-align:left;"
	"border-bottom:1px solid #eee;vertical-align:top}th{background:#f4f4f4}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".PASS{color:#176317;font-weight:600}.FAIL{color:#b00020;font-weight:600}"
	".SKIP{color:#777}.REGRESSED{background:#fde2e4}.IMPROVED{background:#e3f5e1}"
	"svg text{font-size:12px;fill:#333}svg .count{font-size:10px}"
	"svg .tick{font-size:10px}rect.bar{fill:#4a78b5}rect.bar.mark{fill:#c62828}"
	"figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}"
	".reason{color:#555;font-size:12px}";

static void verdict_cell(FILE *f, const char *v)
{
	fprintf(f, "<td class=\"%s\">", !strcmp(v, "PASS") || !strcmp(v, "FAIL") ||
		!strcmp(v, "SKIP") ? v : "");
	report_esc(f, v);
	fputs("</td>", f);
}

static void summary_line(FILE *f, const json_t *doc)
{
	const json_t *s = json_object_get(doc, "summary");

	if (!s)
		return;
	fprintf(f, "<p>%.0f scenarios: <span class=\"PASS\">%.0f passed</span>, "
		"<span class=\"FAIL\">%.0f failed</span>, <span class=\"SKIP\">%.0f skipped"
		"</span></p>\n", num_of(s, "total"), num_of(s, "passed"),
		num_of(s, "failed"), num_of(s, "skipped"));
}

/* Longest kernel-measured wait of every cgroup of every result. */
static void run_waits(FILE *f, const json_t *results)
{
	struct report_bar *bars = NULL;
	const json_t *r, *cg;
	size_t i, j, n = 0, cap = 0;

	json_array_foreach(results, i, r) {
		json_array_foreach(json_object_get(r, "cgroups"), j, cg) {
			const json_t *k = json_object_get(cg, "kernel");
			struct report_bar *b;

			if (!json_is_number(json_object_get(k, "max_wait_ns")))
				continue;
			if (n == cap) {
				struct report_bar *nb = realloc(bars, (cap ? cap * 2 : 16) *
								 sizeof(*nb));

				if (!nb)
					break;
				bars = nb;
				cap = cap ? cap * 2 : 16;
			}
			b = &bars[n++];
			memset(b, 0, sizeof(*b));
			snprintf(b->label, sizeof(b->label), "%.60s / %.30s", str_of(r, "name"),
				 str_of(cg, "name"));
			b->value = num_of(k, "max_wait_ns");
			b->mark = num_of(k, "starvations") > 0;
			if (b->mark)
				snprintf(b->note, sizeof(b->note), "%.0f starvation(s), %.16s[%.0f]",
					 num_of(k, "starvations"), str_of(k, "max_wait_comm"),
					 num_of(k, "max_wait_pid"));
			else
				snprintf(b->note, sizeof(b->note), "%.16s[%.0f]",
					 str_of(k, "max_wait_comm"), num_of(k, "max_wait_pid"));
		}
	}
	if (n)
		report_svg_hbars(f, "Longest runqueue wait per cgroup (kernel; red: starvation)",
				 bars, n);
	else
		fputs("<p>No kernel records in this run (module not loaded).</p>\n", f);
	free(bars);
}

static void run_section(FILE *f, const json_t *doc)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	size_t i;

	fprintf(f, "<p>%.0f ms per scenario, %.0f workers per cgroup, kernel figures from "
		"<b>", num_of(doc, "duration_ms"), num_of(doc, "workers"));
	report_esc(f, str_of(doc, "kernel_source"));
	fputs("</b>.</p>\n", f);
	summary_line(f, doc);
	fputs("<table><tr><th>scenario</th><th>category</th><th>verdict</th><th>s</th>"
	      "<th>reason</th></tr>\n", f);
	json_array_foreach(results, i, r) {
		fputs("<tr><td>", f);
		report_esc(f, str_of(r, "name"));
		fputs("</td><td>", f);
		report_esc(f, str_of(r, "category"));
		fputs("</td>", f);
		verdict_cell(f, str_of(r, "verdict"));
		fprintf(f, "<td class=\"num\">%.1f</td><td class=\"reason\">", num_of(r, "seconds"));
		report_esc(f, str_of(r, "reason"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	run_waits(f, results);
}

/* Index of @s in @v (adding it), or -1 when out of memory. */
static int intern(const char ***v, size_t *n, const char *s)
{
	const char **nv;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return (int)i;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = s;
	return (int)(*n)++;
}

/* Scenarios down, topologies across, a verdict in each cell. */
static void gauntlet_section(FILE *f, const json_t *doc)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	const char **scen = NULL, **topo = NULL;
	size_t ns = 0, nt = 0, i;

	summary_line(f, doc);
	json_array_foreach(results, i, r)
		if (intern(&scen, &ns, str_of(r, "scenario")) < 0 ||
		    intern(&topo, &nt, str_of(r, "topology")) < 0)
			goto out;
	fputs("<table><tr><th>scenario</th>", f);
	for (size_t t = 0; t < nt; t++) {
		fputs("<th>", f);
		report_esc(f, topo[t]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t s = 0; s < ns; s++) {
		fputs("<tr><td>", f);
		report_esc(f, scen[s]);
		fputs("</td>", f);
		for (size_t t = 0; t < nt; t++) {
			const json_t *hit = NULL;

			json_array_foreach(results, i, r)
				if (!strcmp(str_of(r, "scenario"), scen[s]) &&
				    !strcmp(str_of(r, "topology"), topo[t]))
					hit = r;
			if (!hit) {
				fputs("<td>-</td>", f);
				continue;
			}
			fprintf(f, "<td class=\"%s\" title=\"", str_of(hit, "verdict"));
			report_esc(f, str_of(hit, "reason"));
			fputs("\">", f);
			report_esc(f, str_of(hit, "verdict"));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
out:
	free(scen);
	free(topo);
}

/* Lower bounds of the histogram buckets, from hist_bounds_ns. */
static void hist_bounds(const json_t *doc, double *lo)
{
	const json_t *b = json_object_get(doc, "hist_bounds_ns");

	for (size_t i = 0; i < HIST_BUCKETS; i++)
		lo[i] = json_number_value(json_array_get(json_array_get(b, i), 0));
}

static void add_hist(uint64_t *sum, const json_t *task)
{
	const json_t *h = json_object_get(task, "hist");

	for (size_t b = 0; b < HIST_BUCKETS; b++)
		sum[b] += (uint64_t)json_integer_value(json_array_get(h, b));
}

struct comm_hist {
	const char *comm;
	int tasks;
	uint64_t hist[HIST_BUCKETS];
	uint64_t waits;
};

static int by_waits(const void *a, const void *b)
{
	const struct comm_hist *x = a, *y = b;

	return x->waits < y->waits ? 1 : x->waits > y->waits ? -1 : strcmp(x->comm, y->comm);
}

static void stat_hists(FILE *f, const json_t *doc, const double *lo)
{
	const json_t *tasks = json_object_get(doc, "tasks"), *t;
	struct comm_hist *c = calloc(json_array_size(tasks) + 1, sizeof(*c));
	uint64_t all[HIST_BUCKETS] = { 0 };
	size_t n = 0, i;
	char title[96];

	if (!c)
		return;
	json_array_foreach(tasks, i, t) {
		const char *comm = str_of(t, "comm");
		size_t k;

		add_hist(all, t);
		for (k = 0; k < n && strcmp(c[k].comm, comm); k++)
			;
		if (k == n)
			c[n++].comm = comm;
		c[k].tasks++;
		add_hist(c[k].hist, t);
		c[k].waits += (uint64_t)json_integer_value(json_object_get(t, "nr_wake_waits"));
	}
	report_svg_hist(f, "Wake-to-run latency, all tasks", all, lo, HIST_BUCKETS);
	qsort(c, n, sizeof(*c), by_waits);
	for (size_t k = 0; k < n && k < TOP_COMMS; k++) {
		snprintf(title, sizeof(title), "Wake-to-run latency of %.16s (%d task%s)",
			 c[k].comm, c[k].tasks, c[k].tasks == 1 ? "" : "s");
		report_svg_hist(f, title, c[k].hist, lo, HIST_BUCKETS);
	}
	free(c);
}

static int by_max_wait(const void *a, const void *b)
{
	const struct report_bar *x = a, *y = b;

	return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

static void stat_waits(FILE *f, const json_t *doc)
{
	const json_t *tasks = json_object_get(doc, "tasks"), *t;
	size_t n = json_array_size(tasks), i;
	struct report_bar *bars = calloc(n + 1, sizeof(*bars));
	char title[96];

	if (!bars)
		return;
	json_array_foreach(tasks, i, t) {
		struct report_bar *b = &bars[i];
		double starv = num_of(t, "nr_starvations");

		snprintf(b->label, sizeof(b->label), "%.16s[%.0f]", str_of(t, "comm"),
			 num_of(t, "pid"));
		b->value = num_of(t, "max_wait_ns");
		b->mark = starv > 0;
		if (b->mark)
			snprintf(b->note, sizeof(b->note), "%.0f starvation episode%s", starv,
				 starv == 1 ? "" : "s");
	}
	qsort(bars, n, sizeof(*bars), by_max_wait);
	snprintf(title, sizeof(title), "Longest runqueue wait per task (top %d of %zu; "
		 "red: starved)", n < TOP_TASKS ? (int)n : TOP_TASKS, n);
	if (n)
		report_svg_hbars(f, title, bars, n < TOP_TASKS ? n : TOP_TASKS);
	free(bars);
}

static void stat_starvations(FILE *f, const json_t *doc)
{
	const json_t *ev = json_object_get(doc, "starvations"), *e;
	size_t i;
	char d[32];

	fprintf(f, "<h3>Starvation episodes (threshold %s)</h3>\n",
		report_fmt_ns(num_of(doc, "starve_threshold_ns"), d, sizeof(d)));
	if (!json_array_size(ev)) {
		fputs("<p>None reported.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>event</th><th>task</th><th>cpu</th><th>waited</th></tr>\n", f);
	json_array_foreach(ev, i, e) {
		fputs("<tr><td>", f);
		report_esc(f, str_of(e, "type"));
		fputs("</td><td>", f);
		report_esc(f, str_of(e, "comm"));
		fprintf(f, "[%.0f]</td><td class=\"num\">%.0f</td><td class=\"num\">%s</td></tr>\n",
			num_of(e, "pid"), num_of(e, "cpu"),
			report_fmt_ns(num_of(e, "wait_ns"), d, sizeof(d)));
	}
	fputs("</table>\n", f);
}

static void stat_cpus(FILE *f, const json_t *doc)
{
	const json_t *cpus = json_object_get(doc, "cpus"), *c;
	size_t n = json_array_size(cpus), i;
	struct report_bar *bars = calloc(n + 1, sizeof(*bars));

	if (!bars)
		return;
	json_array_foreach(cpus, i, c) {
		snprintf(bars[i].label, sizeof(bars[i].label), "cpu%.0f", num_of(c, "cpu"));
		bars[i].value = num_of(c, "busy_ns");
		snprintf(bars[i].note, sizeof(bars[i].note), "%.0f switches",
			 num_of(c, "nr_switches"));
	}
	if (n)
		report_svg_hbars(f, "Busy time per CPU (whole session)", bars, n);
	free(bars);
}

static void stat_section(FILE *f, const json_t *doc)
{
	const json_t *cmd = json_object_get(doc, "command"), *a;
	double lo[HIST_BUCKETS];
	size_t i;
	char d[32];

	fputs("<p>Command <code>", f);
	json_array_foreach(cmd, i, a) {
		report_esc(f, json_string_value(a));
		fputc(' ', f);
	}
	fprintf(f, "</code>: exit status %.0f, %zu tasks, %s; backend <b>",
		num_of(doc, "exit_status"), json_array_size(json_object_get(doc, "tasks")),
		report_fmt_ns(num_of(doc, "elapsed_ns"), d, sizeof(d)));
	report_esc(f, json_object_get(doc, "backend") ? str_of(doc, "backend") : "module");
	fputs("</b>.</p>\n", f);
	hist_bounds(doc, lo);
	stat_hists(f, doc, lo);
	stat_waits(f, doc);
	stat_starvations(f, doc);
	stat_cpus(f, doc);
}

static void fmt_metric(enum ktstr_compare_metric m, double v, char *buf, size_t len)
{
	if (m == KTSTR_CMP_MAX_WAIT_NS || m == KTSTR_CMP_TOTAL_WAIT_NS)
		report_fmt_ns(v, buf, len);
	else if (m == KTSTR_CMP_SPREAD_PCT || m == KTSTR_CMP_WAIT_SPREAD_PCT)
		snprintf(buf, len, "%.1f%%", v);
	else
		snprintf(buf, len, "%.6g", v);
}

static void compare_section(FILE *f, const struct ktstr_report_input *a,
			    const struct ktstr_report_input *b)
{
	struct ktstr_compare_gates g;
	struct ktstr_compare c;
	char line[256], va[32], vb[32];

	ktstr_compare_gates_init(&g);
	if (ktstr_compare_runs(a->doc, b->doc, &g, &c))
		return;
	fputs("<h2>Compare: ", f);
	report_esc(f, a->name);
	fputs(" \u2192 ", f);
	report_esc(f, b->name);
	ktstr_compare_summary_format(&c, line, sizeof(line));
	fputs("</h2>\n<p>", f);
	report_esc(f, line);
	fputs("</p>\n<table><tr><th>scenario</th><th>metric</th><th>A</th><th>B</th>"
	      "<th>change</th><th></th></tr>\n", f);
	for (size_t i = 0; i < c.nr_rows; i++) {
		const struct ktstr_compare_row *r = &c.rows[i];
		const char *what = ktstr_compare_change_name(r->change);

		if (r->change == KTSTR_CMP_UNCHANGED)
			continue;
		if (r->kind == KTSTR_CMP_ROW_METRIC) {
			fmt_metric(r->metric, r->a, va, sizeof(va));
			fmt_metric(r->metric, r->b, vb, sizeof(vb));
		} else {
			snprintf(va, sizeof(va), "%s", r->verdict_a);
			snprintf(vb, sizeof(vb), "%s", r->verdict_b);
		}
		fprintf(f, "<tr class=\"%s\"><td>", r->change == KTSTR_CMP_REGRESSED ? "REGRESSED" :
			r->change == KTSTR_CMP_IMPROVED ? "IMPROVED" : "");
		report_esc(f, r->scenario);
		fputs("</td><td>", f);
		report_esc(f, r->kind == KTSTR_CMP_ROW_METRIC ?
			   ktstr_compare_metric_name(r->metric) : "verdict");
		fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>", va, vb);
		if (r->kind == KTSTR_CMP_ROW_METRIC && r->a)
			fprintf(f, "<td class=\"num\">%+.1f%%</td>", r->rel_pct);
		else
			fputs("<td></td>", f);
		fputs("<td>", f);
		report_esc(f, what);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	ktstr_compare_free(&c);
}

static const char *const kind_names[] = {
	[KTSTR_REPORT_RUN] = "run", [KTSTR_REPORT_GAUNTLET] = "gauntlet",
	[KTSTR_REPORT_STAT] = "stat",
};

int ktstr_report_html(FILE *out, const struct ktstr_report_input *in, size_t n,
		      char *why, size_t len)
{
	size_t runs = 0, run_idx[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++) {
		enum ktstr_report_kind k = ktstr_report_kind_of(in[i].doc);

		if (k == KTSTR_REPORT_UNKNOWN) {
			return ktstr_errorf_buf(why, len, -EINVAL,
						"%s: not a ktstr run, gauntlet or stat JSON file",
						in[i].name);
		}
		if (k == KTSTR_REPORT_RUN && runs < 2)
			run_idx[runs] = i;
		runs += k == KTSTR_REPORT_RUN;
	}
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>ktstr report</title><style>%s</style></head><body>\n"
		"<h1>ktstr report</h1>\n<ul>", css);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<li><a href=\"#in%zu\">", i);
		report_esc(out, in[i].name);
		fprintf(out, "</a> (%s)</li>", kind_names[ktstr_report_kind_of(in[i].doc)]);
	}
	fputs("</ul>\n", out);
	if (runs == 2)
		compare_section(out, &in[run_idx[0]], &in[run_idx[1]]);
	for (size_t i = 0; i < n; i++) {
		enum ktstr_report_kind k = ktstr_report_kind_of(in[i].doc);

		fprintf(out, "<section id=\"in%zu\"><h2>", i);
		report_esc(out, in[i].name);
		fprintf(out, " <small>(%s)</small></h2>\n", kind_names[k]);
		if (k == KTSTR_REPORT_RUN)
			run_section(out, in[i].doc);
		else if (k == KTSTR_REPORT_GAUNTLET)
			gauntlet_section(out, in[i].doc);
		else
			stat_section(out, in[i].doc);
		fputs("</section>\n", out);
	}
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
