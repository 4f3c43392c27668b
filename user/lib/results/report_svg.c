// SPDX-License-Identifier: GPL-2.0
/*
 * The report's plots, as inline SVG: horizontal bars (one per task, cgroup
 * or CPU) and log2 latency histograms (one bar per bucket, as runqlat
 * prints them). Each <svg> says how many bars it holds (data-bars) and each
 * bar is a <rect class="bar">, so a test can count them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_priv.h"

#define BAR_H		18
#define LABEL_W		260
#define PLOT_W		420
#define NOTE_W		200

const char *report_fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f \u00b5s", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

void report_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void report_svg_hbars(FILE *f, const char *title, const struct report_bar *bars, size_t n)
{
	double max = 0;
	char v[32];

	for (size_t i = 0; i < n; i++)
		max = fmax(max, bars[i].value);
	fprintf(f, "<figure><figcaption>");
	report_esc(f, title);
	fprintf(f, "</figcaption>\n<svg class=\"plot hbars\" data-bars=\"%zu\" "
		"width=\"%d\" height=\"%zu\" role=\"img\">\n", n,
		LABEL_W + PLOT_W + NOTE_W, n * BAR_H + 4);
	for (size_t i = 0; i < n; i++) {
		const struct report_bar *b = &bars[i];
		double w = max > 0 ? b->value / max * (PLOT_W - 90) : 0;
		size_t y = i * BAR_H + 2;

		fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", LABEL_W - 6,
			y + BAR_H - 5);
		report_esc(f, b->label);
		fprintf(f, "</text><rect class=\"bar%s\" x=\"%d\" y=\"%zu\" width=\"%.1f\" "
			"height=\"%d\"><title>", b->mark ? " mark" : "", LABEL_W, y,
			fmax(w, 1), BAR_H - 4);
		report_esc(f, b->label);
		fprintf(f, ": %s</title></rect>", report_fmt_ns(b->value, v, sizeof(v)));
		fprintf(f, "<text x=\"%.1f\" y=\"%zu\">%s", LABEL_W + fmax(w, 1) + 6,
			y + BAR_H - 5, v);
		if (b->note[0]) {
			fputs(" \u2014 ", f);
			report_esc(f, b->note);
		}
		fputs("</text>\n", f);
	}
	fputs("</svg></figure>\n", f);
}

void report_svg_hist(FILE *f, const char *title, const uint64_t *counts,
		     const double *lo_ns, size_t nb)
{
	size_t first = nb, last = 0, nbars;
	uint64_t max = 0, total = 0;
	const int col = 34, h = 140;
	char lo[32];

	for (size_t b = 0; b < nb; b++) {
		if (!counts[b])
			continue;
		first = first < b ? first : b;
		last = b;
		max = counts[b] > max ? counts[b] : max;
		total += counts[b];
	}
	if (!total)
		return;
	nbars = last - first + 1;
	fprintf(f, "<figure><figcaption>");
	report_esc(f, title);
	fprintf(f, " (%llu wakeups)</figcaption>\n<svg class=\"plot hist\" data-bars=\"%zu\" "
		"width=\"%zu\" height=\"%d\" role=\"img\">\n", (unsigned long long)total,
		nbars, nbars * col + 10, h + 40);
	for (size_t b = first; b <= last; b++) {
		double bh = (double)counts[b] / (double)max * (h - 16);
		size_t x = (b - first) * col + 5;

		report_fmt_ns(lo_ns[b], lo, sizeof(lo));
		fprintf(f, "<rect class=\"bar\" x=\"%zu\" y=\"%.1f\" width=\"%d\" height=\"%.1f\">"
			"<title>%s and up: %llu</title></rect>", x, h - bh, col - 6,
			fmax(bh, counts[b] ? 1 : 0), lo, (unsigned long long)counts[b]);
		fprintf(f, "<text class=\"count\" x=\"%zu\" y=\"%.1f\">%llu</text>", x,
			h - bh - 3, (unsigned long long)counts[b]);
		fprintf(f, "<text class=\"tick\" x=\"%zu\" y=\"%d\" "
			"transform=\"rotate(40 %zu %d)\">%s</text>\n", x + 2, h + 12, x + 2, h + 12,
			lo);
	}
	fputs("</svg></figure>\n", f);
}
