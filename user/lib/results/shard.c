// SPDX-License-Identifier: GPL-2.0
/* --shard K/N: a deterministic partition of the scenario x topology matrix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <ktstr/results.h>

#define SHARDS_MAX	10000

int ktstr_shard_parse(const char *s, struct ktstr_shard *out)
{
	unsigned long k, n;
	char *end;

	if (!s || *s < '1' || *s > '9')
		return -EINVAL;
	errno = 0;
	k = strtoul(s, &end, 10);
	if (errno || *end != '/' || end[1] < '1' || end[1] > '9')
		return -EINVAL;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || !k || k > n || n > SHARDS_MAX)
		return -EINVAL;
	out->k = (unsigned int)k;
	out->n = (unsigned int)n;
	return 0;
}

bool ktstr_shard_has(const struct ktstr_shard *s, size_t idx)
{
	return !s || s->n <= 1 || idx % s->n == s->k - 1;
}
