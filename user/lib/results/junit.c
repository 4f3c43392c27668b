// SPDX-License-Identifier: GPL-2.0
/*
 * JUnit XML, as Jenkins, GitLab and GitHub test reporters read it, from the
 * JSON document of a run or a gauntlet (the one road to results: the same
 * document --json writes).
 */
#include <errno.h>
#include <string.h>

#include <ktstr/results.h>

static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Text or attribute value: XML's five entities; other controls dropped. */
static void xml_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&apos;", f);
		else if (c >= 0x20 || c == '\t' || c == '\n')
			fputc(c, f);
	}
}

static void property(FILE *f, const char *name, const json_t *v)
{
	char num[64];
	const char *s = num;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v))
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(num, sizeof(num), "%g", json_real_value(v));
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else
		return;
	fputs("      <property name=\"", f);
	xml_esc(f, name);
	fputs("\" value=\"", f);
	xml_esc(f, s);
	fputs("\"/>\n", f);
}

/* Every scalar top-level field, and the scheduler's and provenance's. */
static void properties(FILE *f, const json_t *doc)
{
	const char *key;
	json_t *v;

	fputs("    <properties>\n", f);
	json_object_foreach((json_t *)doc, key, v) {
		if (json_is_object(v) && (!strcmp(key, "scheduler") ||
					  !strcmp(key, "provenance"))) {
			const char *k2;
			json_t *v2;
			char name[128];

			json_object_foreach(v, k2, v2) {
				snprintf(name, sizeof(name), "%s.%s", key, k2);
				property(f, name, v2);
			}
		} else {
			property(f, key, v);
		}
	}
	fputs("    </properties>\n", f);
}

static void testcase(FILE *f, const json_t *r, bool gauntlet)
{
	const char *verdict = str_of(r, "verdict"), *reason = str_of(r, "reason");
	const json_t *d;
	size_t i;

	fputs("    <testcase name=\"", f);
	xml_esc(f, str_of(r, gauntlet ? "scenario" : "name"));
	fputs("\" classname=\"ktstr.", f);
	xml_esc(f, str_of(r, gauntlet ? "topology" : "category"));
	fprintf(f, "\" time=\"%.3f\"", json_number_value(json_object_get(r, "seconds")));
	if (!strcmp(verdict, "PASS")) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (!strcmp(verdict, "SKIP")) {
		fputs("      <skipped message=\"", f);
		xml_esc(f, reason);
		fputs("\"/>\n", f);
	} else {
		fputs("      <failure type=\"", f);
		xml_esc(f, verdict);
		fputs("\" message=\"", f);
		xml_esc(f, reason);
		fputs("\">", f);
		xml_esc(f, reason);
		json_array_foreach(json_object_get(r, "details"), i, d) {
			fputs("\n[", f);
			xml_esc(f, str_of(d, "kind"));
			fputs("] ", f);
			xml_esc(f, str_of(d, "message"));
		}
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
}

int ktstr_junit_write(FILE *f, const json_t *doc)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	int failures = 0, skipped = 0;
	bool gauntlet;
	double secs = 0;
	size_t i;

	if (!json_is_array(results))
		return -EINVAL;
	gauntlet = json_object_get(json_array_get(results, 0), "topology") != NULL;
	json_array_foreach(results, i, r) {
		const char *v = str_of(r, "verdict");

		failures += !strcmp(v, "FAIL");
		skipped += !strcmp(v, "SKIP");
		secs += json_number_value(json_object_get(r, "seconds"));
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"ktstr\" tests=\"%zu\" failures=\"%d\" errors=\"0\" "
		"skipped=\"%d\" time=\"%.3f\">\n"
		"  <testsuite name=\"ktstr %s\" tests=\"%zu\" failures=\"%d\" errors=\"0\" "
		"skipped=\"%d\" time=\"%.3f\">\n", json_array_size(results), failures, skipped,
		secs, gauntlet ? "gauntlet" : "run", json_array_size(results), failures,
		skipped, secs);
	properties(f, doc);
	json_array_foreach(results, i, r)
		testcase(f, r, gauntlet);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
