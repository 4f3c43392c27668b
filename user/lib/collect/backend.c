// SPDX-License-Identifier: GPL-2.0
/* backend.c - choosing a backend (include/ktstr/backend.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/util.h>
#include <ktstr/backend.h>

static const struct ktstr_backend *const order[] = {
	&ktstr_backend_module,
	&ktstr_backend_bpf,
	&ktstr_backend_taskstats,
};

static __thread char pick_err[512];

const char *ktstr_backend_pick_error(void)
{
	return pick_err;
}

const struct ktstr_backend *ktstr_backend_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(order); i++)
		if (!strcmp(order[i]->name, name))
			return order[i];
	return NULL;
}

int ktstr_backend_pick(const char *name, const struct ktstr_backend **be, void **st)
{
	size_t len = 0;
	int r = -ENOENT;

	if (!be || !st)
		return -EINVAL;
	*be = NULL;
	*st = NULL;
	pick_err[0] = '\0';
	if (name && strcmp(name, "auto")) {
		const struct ktstr_backend *b = ktstr_backend_find(name);

		if (!b) {
			snprintf(pick_err, sizeof(pick_err),
				 "unknown backend '%s' (module, bpf or taskstats)", name);
			return -EINVAL;
		}
		r = b->open(st);
		if (r < 0) {
			snprintf(pick_err, sizeof(pick_err), "%s", b->last_error());
			return r;
		}
		*be = b;
		return 0;
	}
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(order); i++) {
		r = order[i]->open(st);
		if (!r) {
			*be = order[i];
			return 0;
		}
		if (len < sizeof(pick_err))
			len += (size_t)snprintf(pick_err + len, sizeof(pick_err) - len, "%s%s: %s",
						len ? "; " : "", order[i]->name,
						order[i]->last_error());
	}
	return r;
}
