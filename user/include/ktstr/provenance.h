/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a result came from: every JSON file ktstr writes carries a
 * "provenance" object, so that results from different machines, kernels
 * or accelerators are never compared unawares (ktstr compare warns).
 *
 *   "provenance": { "ktstr_version": "0.1.0", "kernel": "6.12.118+deb12-amd64",
 *                   "machine": "x86_64", "accelerator": "tcg",
 *                   "topology": "1 node, 1 LLC, 2 CPUs", "cpus": 2,
 *                   "scheduler": "default" }
 *
 * accelerator: "kvm" or "tcg" in a `ktstr vm` guest (KTSTR_VM_ACCEL on the
 * kernel command line), "none" on a host. scheduler: the sched_ext
 * scheduler's ops name while one is enabled, else "default" (the kernel's
 * own fair class). docs/run-json.md.
 */
#ifndef KTSTR_PROVENANCE_H
#define KTSTR_PROVENANCE_H

#include <stddef.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * ktstr_version() - the version of libktstr
 *
 * Return: the Makefile's VERSION.
 */
const char *ktstr_version(void);

/**
 * ktstr_provenance_json() - where and how a run happens, now
 *
 * Return: a new provenance object of this machine (the caller owns it),
 * or NULL when out of memory.
 */
json_t *ktstr_provenance_json(void);

/**
 * ktstr_provenance_diff() - how two provenance objects differ
 * @a: one object
 * @b: the other
 * @buf: receives the keys in which they differ ("kernel, accelerator")
 * @len: size of @buf
 *
 * Return: 0 when they agree (or either is missing), else how many keys
 * differ.
 */
int ktstr_provenance_diff(const json_t *a, const json_t *b, char *buf, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_PROVENANCE_H */
