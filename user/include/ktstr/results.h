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

/**
 * struct ktstr_shard - shard K of N of a run's matrix
 * @k: which one, 1 <= @k <= @n
 * @n: how many; the whole matrix is K = N = 1
 */
struct ktstr_shard {
	unsigned int k, n;
};

/**
 * ktstr_shard_parse() - parse a shard
 * @s: "K/N" with 1 <= K <= N <= 10000
 * @out: receives it
 *
 * Return: 0, or -EINVAL.
 */
int ktstr_shard_parse(const char *s, struct ktstr_shard *out);

/**
 * ktstr_shard_has() - is an item of the matrix in a shard
 * @s: the shard
 * @idx: the item, 0-based
 *
 * Items are dealt out round-robin in the matrix's own order (scenarios in
 * catalogue order, each over the topologies in the order given), so every
 * item is in exactly one shard, shards differ in size by at most one, and
 * every machine given the same arguments computes the same shards.
 *
 * Return: true if @idx is in @s.
 */
bool ktstr_shard_has(const struct ktstr_shard *s, size_t idx);

/**
 * ktstr_junit_write() - a run's results as JUnit XML
 * @f: where the XML goes
 * @doc: a `ktstr run --json` or `ktstr gauntlet --json` document
 *
 * One <testsuite>, one <testcase> per result (name = scenario, classname =
 * "ktstr.<category>" or "ktstr.<topology>"), <failure> with the reason and
 * the details, <skipped> with the reason, <properties> with the
 * document's provenance.
 *
 * Return: 0, -EINVAL (not such a document) or -EIO.
 */
int ktstr_junit_write(FILE *f, const json_t *doc);

/**
 * ktstr_results_merge() - merge the documents of a run's shards
 * @docs: run or gauntlet documents
 * @n: how many
 * @out: receives the new document: the first document's top-level fields,
 *	every document's results in order, the summary recounted
 * @why: receives the reason of a failure
 * @len: size of @why
 *
 * Return: 0, or -EINVAL when the documents are of different kinds or
 * versions (-ENOMEM).
 */
int ktstr_results_merge(const json_t *const *docs, size_t n, json_t **out,
			char *why, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_RESULTS_H */
