/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test kernels in the cache ($KTSTR_CACHE/kernels, see docs/kernels.md):
 *
 *   kernels/<kver>/{vmlinuz, build/, config, ktstr.ko, .complete}
 *   kernels/<name> -> <kver>          (default, sched-ext, ...)
 *   kernels/<name>/{..., source, release}   built by `ktstr kernel build`
 *
 * scripts/kernel-fetch.sh and scripts/kernel-build.sh fill it; `ktstr kernel list` shows it and
 * `ktstr vm --kernel NAME` boots a kernel from it.
 *
 * Functions that fail print one "ktstr: ..." line to stderr and return -1.
 */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#pragma GCC visibility push(default)

/* A kernel that `ktstr kernel fetch NAME` knows how to prepare. */
struct ktstr_kernel_recipe {
	const char *name;
	const char *description;
};

extern const struct ktstr_kernel_recipe ktstr_kernel_recipes[];
extern const size_t ktstr_kernel_nr_recipes;

/* One unpacked kernel of the cache. */
struct ktstr_kernel {
	char *version;		/* directory name: 6.12.117+deb12-amd64, or the
				 * release of a built kernel */
	char *names;		/* aliases pointing at it, comma-separated, or "" */
	char *dir;		/* absolute path of kernels/<version> */
	char *image;		/* dir/vmlinuz */
	char *module;		/* ktstr.ko for it, or NULL if none is built */
	bool module_in_tree;	/* module is the tree's kmod/ktstr.ko (default) */
	bool sched_ext;		/* CONFIG_SCHED_CLASS_EXT=y */
	bool btf;		/* CONFIG_DEBUG_INFO_BTF=y */
	bool built;		/* made by `ktstr kernel build` (kernels/NAME) */
};

/* $KTSTR_CACHE, else $XDG_CACHE_HOME/ktstr, else ~/.cache/ktstr (malloc'd). */
char *ktstr_kernel_cache_dir(void);

/* The complete kernels of the cache, sorted by version; free with _free. */
int ktstr_kernel_scan(struct ktstr_kernel **out, size_t *nr);
void ktstr_kernel_free(struct ktstr_kernel *k, size_t nr);

/* Value of CONFIG_<opt> in a kernel config file ("y", "m", ...), or NULL. */
char *ktstr_kernel_config_get(const char *config_path, const char *opt);

/*
 * `ktstr vm --kernel ARG`: ARG is an image path (contains '/' or names an
 * existing file) or a cached kernel name or version. Sets *image (NULL when
 * ARG is NULL: the caller's default) and *module: the ktstr.ko built for
 * that kernel, or NULL to keep the caller's default module (a path, or the
 * default kernel without a cached module). Both are malloc'd.
 */
int ktstr_kernel_resolve(const char *arg, char **image, char **module);

/*
 * An installed ktstr (make install) names the directory of its helper
 * scripts, $(PREFIX)/libexec/ktstr, fixed at build time; it then never
 * looks next to its own binary. Unset (NULL), ktstr is a built source
 * tree's build/ktstr, whose scripts/ and kmod/ sit beside build/.
 */
void ktstr_set_libexec_dir(const char *dir);

/*
 * The tree's ktstr.ko next to our binary: <dir of exe>/../kmod/ktstr.ko;
 * NULL for an installed ktstr (it has no tree).
 */
char *ktstr_kernel_tree_module(void);

/*
 * scripts/<script>: in $KTSTR_SCRIPTS, else the installed libexec dir, else
 * the tree's scripts/ next to our binary.
 */
char *ktstr_kernel_script(const char *script);

/* ktstr_kernel_script("kernel-fetch.sh"). */
char *ktstr_kernel_fetch_script(void);

#pragma GCC visibility pop

#endif
