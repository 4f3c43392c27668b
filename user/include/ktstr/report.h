/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr report: one self-contained HTML page (inline CSS and SVG, no
 * script, nothing fetched) from the JSON files ktstr writes:
 *  - `ktstr run --json`: a verdict table, the kernel's longest wait per
 *    cgroup with starvations marked;
 *  - `ktstr gauntlet --json` (and `run --topologies`): a verdict table per
 *    scenario and topology;
 *  - `ktstr stat --json`: wake-to-run latency histograms (all tasks and per
 *    command), the longest waits per task with starvation episodes marked,
 *    the episodes, per-CPU busy time;
 *  - exactly two run files: a side-by-side compare, regressions marked.
 * Every plot is an <svg class="plot" data-bars="N"> holding N
 * <rect class="bar"> elements, one per data point (docs/report.md).
 */
#ifndef KTSTR_REPORT_H
#define KTSTR_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * struct ktstr_report_input - one input of the report
 * @name: as shown (the file name)
 * @doc: its parsed document
 */
struct ktstr_report_input {
	const char *name;
	const json_t *doc;
};

/* What kind of ktstr JSON @doc is. */
enum ktstr_report_kind {
	KTSTR_REPORT_UNKNOWN,
	KTSTR_REPORT_RUN,		/* ktstr run --json */
	KTSTR_REPORT_GAUNTLET,		/* ktstr gauntlet --json */
	KTSTR_REPORT_STAT,		/* ktstr stat --json */
};

/**
 * ktstr_report_kind_of() - what kind of ktstr JSON a document is
 * @doc: the document
 *
 * Return: its kind, KTSTR_REPORT_UNKNOWN for none of them.
 */
enum ktstr_report_kind ktstr_report_kind_of(const json_t *doc);

/**
 * ktstr_report_html() - write the report page for @in to @out
 * @out:	where the page goes
 * @in:		the inputs, in the order they are shown
 * @n:		how many (at least 1)
 * @why:	on error, one line saying which input is not a ktstr file
 * @len:	size of @why
 *
 * Return: 0, -EINVAL for an input of unknown kind, or -EIO.
 */
int ktstr_report_html(FILE *out, const struct ktstr_report_input *in, size_t n,
		      char *why, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_REPORT_H */
