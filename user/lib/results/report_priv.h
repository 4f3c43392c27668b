/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the HTML report: SVG plots and text helpers (report_svg.c). */
#ifndef KTSTR_REPORT_PRIV_H
#define KTSTR_REPORT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One horizontal bar: its label, its value, marked (red) or not, a note. */
struct report_bar {
	char label[96];
	double value;
	bool mark;
	char note[64];
};

/* A duration in ns as a person reads it: "850 ns", "12.3 µs", "4.1 ms", "1.20 s". */
const char *report_fmt_ns(double ns, char *buf, size_t len);

/* @s with &, <, >, " and ' escaped for HTML text and attributes. */
void report_esc(FILE *f, const char *s);

/* A horizontal bar chart of @n bars, values formatted with report_fmt_ns(). */
void report_svg_hbars(FILE *f, const char *title, const struct report_bar *bars, size_t n);

/*
 * A log2 latency histogram: one bar per bucket from the first to the last
 * non-empty one of @counts (@nb buckets; bucket b counts latencies in
 * [@lo_ns[b], @lo_ns[b + 1])). Nothing is drawn when every bucket is empty.
 */
void report_svg_hist(FILE *f, const char *title, const uint64_t *counts,
		     const double *lo_ns, size_t nb);

#endif /* KTSTR_REPORT_PRIV_H */
