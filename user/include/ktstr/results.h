/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results for CI fleets: a deterministic shard of the scenario x topology
 * matrix (--shard K/N), JUnit XML of a run or gauntlet JSON document
 * (--junit FILE), and the merge of shards' JSON files (ktstr merge).
 * See docs/ci.md.
 */
#ifndef KTSTR_RESULTS_H
#define KTSTR_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Shard K of N (1 <= K <= N). The whole matrix is K = N = 1. */
struct ktstr_shard {
	unsigned int k, n;
};

/* "K/N" with 1 <= K <= N <= 10000; 0 or -EINVAL. */
int ktstr_shard_parse(const char *s, struct ktstr_shard *out);

/*
 * Is the @idx-th item (0-based) of the matrix in shard @s? Items are dealt
 * out round-robin in the matrix's own order (scenarios in catalogue order,
 * each over the topologies in the order given), so every item is in
 * exactly one shard, shards differ in size by at most one, and every
 * machine given the same arguments computes the same shards.
 */
bool ktstr_shard_has(const struct ktstr_shard *s, size_t idx);

/*
 * JUnit XML of a `ktstr run --json` or `ktstr gauntlet --json` document:
 * one <testsuite>, one <testcase> per result (name = scenario, classname =
 * "ktstr.<category>" or "ktstr.<topology>"), <failure> with the reason and
 * the details, <skipped> with the reason, <properties> with the
 * document's provenance. 0, -EINVAL (not such a document) or -EIO.
 */
int ktstr_junit_write(FILE *f, const json_t *doc);

/*
 * Merge run or gauntlet documents (shards of one run) into a new one:
 * the first document's top-level fields, every document's results in
 * order, the summary recounted. -EINVAL with @why set when the documents
 * are of different kinds or versions. The new document is in *out.
 */
int ktstr_results_merge(const json_t *const *docs, size_t n, json_t **out,
			char *why, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_RESULTS_H */
