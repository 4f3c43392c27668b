/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of ktstr compare shared by compare.c (one sample a side) and
 * compare_samples.c (runs of `ktstr run --repeat N`).
 */
#ifndef KTSTR_COMPARE_PRIV_H
#define KTSTR_COMPARE_PRIV_H

#include <stdbool.h>
#include <jansson.h>

#include <ktstr/compare.h>

const char *cmp_str_of(const json_t *obj, const char *key);
/* A result's kernel_source ("module", "taskstats", "none"). */
const char *cmp_result_ksrc(const json_t *r);
/* Metric @m of result @r over the cgroups @other has too; false: none. */
bool cmp_metric_of(const json_t *r, const json_t *other, enum ktstr_compare_metric m,
		   double *out);
/* name -> [cursor, indexes...] of @results; the next unpaired index or -1. */
json_t *cmp_index_by_name(const json_t *results);
long cmp_next_named(json_t *ix, const char *name);
enum ktstr_compare_change cmp_judge(enum ktstr_compare_metric m, double delta,
				    double rel_pct, const struct ktstr_compare_gate *gate);
double cmp_relative_pct(double a, double delta);
struct ktstr_compare_row *cmp_add_row(struct ktstr_compare *c,
				      enum ktstr_compare_row_kind kind, const char *scenario);
/* Count a compared scenario whose rows start at @first. */
void cmp_tally_scenario(struct ktstr_compare *c, size_t first);

/* compare_samples.c: every scenario's samples on each side, judged together. */
int cmp_compare_samples(struct ktstr_compare *c, const json_t *res_a, const json_t *res_b,
			const struct ktstr_compare_gates *g);

#endif /* KTSTR_COMPARE_PRIV_H */
