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
 * Functions that fail hand one "ktstr: ..." line to the print function
 * (ktstr_set_print(), <ktstr/error.h>) and return -1.
 */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * struct ktstr_kernel_recipe - a kernel `ktstr kernel fetch NAME` prepares
 * @name: NAME
 * @description: one line about it
 */
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

/**
 * ktstr_kernel_cache_dir() - ktstr's cache directory
 *
 * Return: $KTSTR_CACHE, else $XDG_CACHE_HOME/ktstr, else ~/.cache/ktstr
 * (malloc()ed), or NULL when out of memory.
 */
char *ktstr_kernel_cache_dir(void);

/**
 * ktstr_kernel_scan() - the complete kernels of the cache
 * @out: receives them, sorted by version (free with ktstr_kernel_free())
 * @nr: receives how many
 *
 * Return: 0 (no cache is no kernel), or -1 (said to the print function).
 */
int ktstr_kernel_scan(struct ktstr_kernel **out, size_t *nr);

/**
 * ktstr_kernel_free() - free what ktstr_kernel_scan() gave
 * @k: the kernels
 * @nr: how many
 */
void ktstr_kernel_free(struct ktstr_kernel *k, size_t nr);

/**
 * ktstr_kernel_config_get() - one option of a kernel config file
 * @config_path: the file
 * @opt: the option, without CONFIG_
 *
 * Return: its value ("y", "m", ...; malloc()ed), or NULL when unset or
 * the file cannot be read.
 */
char *ktstr_kernel_config_get(const char *config_path, const char *opt);

/**
 * ktstr_kernel_resolve() - what `ktstr vm --kernel ARG` boots
 * @arg: an image path (contains '/' or names an existing file) or a cached
 *	kernel name or version
 * @image: receives the image (malloc()ed; NULL when @arg is NULL: the
 *	caller's default)
 * @module: receives the ktstr.ko built for that kernel (malloc()ed), or
 *	NULL to keep the caller's default module (a path, or the default
 *	kernel without a cached module)
 *
 * Return: 0, or -1 (said to the print function).
 */
int ktstr_kernel_resolve(const char *arg, char **image, char **module);

/**
 * ktstr_set_libexec_dir() - where an installed ktstr's helper scripts are
 * @dir: $(PREFIX)/libexec/ktstr, fixed at build time; ktstr then never
 *	looks next to its own binary. NULL: ktstr is a built source tree's
 *	build/ktstr, whose scripts/ and kmod/ sit beside build/
 */
void ktstr_set_libexec_dir(const char *dir);

/**
 * ktstr_kernel_tree_module() - the tree's ktstr.ko next to our binary
 *
 * Return: <dir of exe>/../kmod/ktstr.ko (malloc()ed); NULL for an
 * installed ktstr (it has no tree).
 */
char *ktstr_kernel_tree_module(void);

/**
 * ktstr_kernel_script() - the path of one of ktstr's helper scripts
 * @script: its name
 *
 * Return: the path in $KTSTR_SCRIPTS, else the installed libexec dir, else
 * the tree's scripts/ next to our binary (malloc()ed); NULL when there is
 * none or out of memory.
 */
char *ktstr_kernel_script(const char *script);

/**
 * ktstr_kernel_fetch_script() - ktstr_kernel_script("kernel-fetch.sh")
 *
 * Return: as ktstr_kernel_script().
 */
char *ktstr_kernel_fetch_script(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
