// SPDX-License-Identifier: GPL-2.0
/*
 * The test-kernel cache: scan $KTSTR_CACHE/kernels, read each kernel's
 * config, and resolve `ktstr vm --kernel NAME` to an image and a module.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktstr/util.h>
#include "ktstr/kernel.h"
#include "util/ktstr_error.h"

const struct ktstr_kernel_recipe ktstr_kernel_recipes[] = {
	{ "default", "Debian bookworm 6.12 (linux-headers-6.12-amd64), the default test kernel" },
	{ "bookworm-6.1", "Debian bookworm's default 6.1 (newest linux-headers-6.1.0-N-amd64 of the host's apt); "
			  "ktstr.ko built with the host's gcc-12" },
	{ "sched-ext", "Debian unstable (linux-headers-amd64): CONFIG_SCHED_CLASS_EXT=y, BTF; "
		       "ktstr.ko built in a debootstrapped unstable build root" },
};
const size_t ktstr_kernel_nr_recipes =
	KTSTR_ARRAY_SIZE(ktstr_kernel_recipes);

char *ktstr_kernel_cache_dir(void)
{
	const char *cache = getenv("KTSTR_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;
	int r;

	if (cache && *cache)
		r = asprintf(&p, "%s", cache);
	else if (xdg && *xdg)
		r = asprintf(&p, "%s/ktstr", xdg);
	else
		r = asprintf(&p, "%s/.cache/ktstr", home ? home : "");
	return r < 0 ? NULL : p;
}

static char *path_join(const char *a, const char *b)
{
	char *p;

	return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

static bool exists(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	bool ok = p && !access(p, R_OK);

	free(p);
	return ok;
}

char *ktstr_kernel_config_get(const char *config_path, const char *opt)
{
	FILE *f = fopen(config_path, "re");
	char line[512], *val = NULL;
	size_t n = strlen(opt);

	if (!f)
		return NULL;
	while (!val && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CONFIG_", 7) || strncmp(line + 7, opt, n) ||
		    line[7 + n] != '=')
			continue;
		line[strcspn(line, "\n")] = 0;
		val = strdup(line + 8 + n);
	}
	fclose(f);
	return val;
}

static bool config_is_y(const char *dir, const char *opt)
{
	static const char *const configs[] = { "config", "build/.config" };
	bool y = false;

	for (size_t i = 0; i < 2; i++) {
		char *p = path_join(dir, configs[i]);
		char *v = p ? ktstr_kernel_config_get(p, opt) : NULL;
		bool have = p && !access(p, R_OK);

		y = v && !strcmp(v, "y");
		free(v);
		free(p);
		if (have)
			break;
	}
	return y;
}

static char *exe_relative(const char *rel)
{
	char *self = realpath("/proc/self/exe", NULL), *p = NULL;

	if (!self)
		return NULL;
	if (asprintf(&p, "%s/%s", dirname(self), rel) < 0)
		p = NULL;
	free(self);
	return p;
}

static const char *libexec_dir;

void ktstr_set_libexec_dir(const char *dir)
{
	libexec_dir = dir;
}

char *ktstr_kernel_tree_module(void)
{
	return libexec_dir ? NULL : exe_relative("../kmod/ktstr.ko");
}

char *ktstr_kernel_script(const char *script)
{
	const char *env = getenv("KTSTR_SCRIPTS");
	char *p, *rel;

	if (env && *env)
		return asprintf(&p, "%s/%s", env, script) < 0 ? NULL : p;
	if (libexec_dir)
		return asprintf(&p, "%s/%s", libexec_dir, script) < 0 ? NULL : p;
	if (asprintf(&rel, "../scripts/%s", script) < 0)
		return NULL;
	p = exe_relative(rel);
	free(rel);
	return p;
}

char *ktstr_kernel_fetch_script(void)
{
	return ktstr_kernel_script("kernel-fetch.sh");
}

/* The first line of dir/name, or NULL (malloc'd). */
static char *read_line(const char *dir, const char *name)
{
	char *p = path_join(dir, name), *line = NULL;
	size_t cap = 0;
	FILE *f = p ? fopen(p, "re") : NULL;

	free(p);
	if (!f)
		return NULL;
	if (getline(&line, &cap, f) <= 0) {
		free(line);
		line = NULL;
	} else {
		line[strcspn(line, "\n")] = 0;
	}
	fclose(f);
	return line;
}

/* Whether the .ko at path was built for kernel release ver. */
static bool module_matches(const char *path, const char *ver)
{
	char *needle = NULL, *buf = NULL;
	bool ok = false;
	struct stat st;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fstat(fileno(f), &st) && st.st_size > 0 && st.st_size < (64 << 20) &&
	    (buf = malloc(st.st_size)) && fread(buf, 1, st.st_size, f) == (size_t)st.st_size &&
	    asprintf(&needle, "vermagic=%s ", ver) >= 0)
		ok = memmem(buf, st.st_size, needle, strlen(needle)) != NULL;
	free(needle);
	free(buf);
	fclose(f);
	return ok;
}

void ktstr_kernel_free(struct ktstr_kernel *k, size_t nr)
{
	for (size_t i = 0; k && i < nr; i++) {
		free(k[i].version);
		free(k[i].names);
		free(k[i].dir);
		free(k[i].image);
		free(k[i].module);
	}
	free(k);
}

static int cmp_kernel(const void *a, const void *b)
{
	return strverscmp(((const struct ktstr_kernel *)a)->version,
			  ((const struct ktstr_kernel *)b)->version);
}

static int add_alias(struct ktstr_kernel *k, const char *name)
{
	char *n;

	if (asprintf(&n, "%s%s%s", k->names, *k->names ? "," : "", name) < 0)
		return -1;
	free(k->names);
	k->names = n;
	return 0;
}

/*
 * One unpacked kernel, in @dir (malloc()ed, now @k's) named @name: a kernel
 * of `ktstr kernel build` lives in kernels/NAME, its version the release
 * it was built as, its name the directory's; a fetched one is
 * kernels/<version>. -1 when out of memory.
 */
static int fill_kernel(struct ktstr_kernel *k, char *dir, const char *name)
{
	memset(k, 0, sizeof(*k));
	k->dir = dir;
	k->built = exists(dir, "source");
	k->version = k->built ? read_line(dir, "release") : NULL;
	if (!k->version || !*k->version) {
		free(k->version);
		k->version = strdup(name);
	}
	k->names = strdup(k->built ? name : "");
	k->image = path_join(dir, "vmlinuz");
	if (!k->version || !k->names || !k->image)
		return -1;
	k->sched_ext = config_is_y(dir, "SCHED_CLASS_EXT");
	k->btf = config_is_y(dir, "DEBUG_INFO_BTF");
	if (exists(dir, "ktstr.ko") && !(k->module = path_join(dir, "ktstr.ko")))
		return -1;
	return 0;
}

/*
 * Pass 1 of the scan: the unpacked kernels of @kdir (real directories with
 * .complete) appended to *@ks (*@n of them, room for *@cap). -1 when out
 * of memory; what was added is in *@ks either way.
 */
static int scan_unpacked(DIR *d, const char *kdir, struct ktstr_kernel **ks, size_t *n,
			 size_t *cap)
{
	struct dirent *e;

	while ((e = readdir(d))) {
		struct stat st;
		char *dir;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (!(dir = path_join(kdir, e->d_name)))
			return -1;
		if (!exists(dir, ".complete")) {
			free(dir);
			continue;
		}
		if (*n == *cap) {
			size_t c = *cap ? 2 * *cap : 8;
			struct ktstr_kernel *t = realloc(*ks, c * sizeof(**ks));

			if (!t) {
				free(dir);
				return -1;
			}
			*ks = t;
			*cap = c;
		}
		if (fill_kernel(&(*ks)[(*n)++], dir, e->d_name))
			return -1;
	}
	return 0;
}

/* Pass 2: the names, symlinks to a version directory. -1 when out of memory. */
static int scan_names(DIR *d, struct ktstr_kernel *ks, size_t n)
{
	struct dirent *e;

	rewinddir(d);
	while ((e = readdir(d))) {
		char target[256];
		ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);

		if (len <= 0)
			continue;
		target[len] = 0;
		for (size_t i = 0; i < n; i++) {
			char *b = strrchr(ks[i].dir, '/');

			if (strcmp(basename(target), b ? b + 1 : ks[i].dir))
				continue;
			if (add_alias(&ks[i], e->d_name))
				return -1;
			/* The default kernel's module is the tree's, built by make. */
			if (!strcmp(e->d_name, "default") && !ks[i].module) {
				char *m = ktstr_kernel_tree_module();

				if (m && module_matches(m, ks[i].version)) {
					ks[i].module = m;
					ks[i].module_in_tree = true;
				} else {
					free(m);
				}
			}
		}
	}
	return 0;
}

int ktstr_kernel_scan(struct ktstr_kernel **out, size_t *nr)
{
	char *cache = ktstr_kernel_cache_dir(), *kdir = NULL;
	struct ktstr_kernel *ks = NULL;
	size_t n = 0, cap = 0;
	DIR *d = NULL;
	int ret = -1;

	*out = NULL;
	*nr = 0;
	if (!cache || !(kdir = path_join(cache, "kernels")))
		goto oom;
	d = opendir(kdir);
	if (!d) {
		ret = errno == ENOENT ? 0 : -1;
		if (ret)
			ktstr_print("ktstr: cannot read %s: %s\n", kdir, strerror(errno));
		goto out;
	}
	if (scan_unpacked(d, kdir, &ks, &n, &cap) || scan_names(d, ks, n))
		goto oom;
	qsort(ks, n, sizeof(*ks), cmp_kernel);
	*out = ks;
	*nr = n;
	ks = NULL;
	n = 0;
	ret = 0;
	goto out;
oom:
	ktstr_print("ktstr: out of memory\n");
out:
	if (d)
		closedir(d);
	ktstr_kernel_free(ks, n);
	free(kdir);
	free(cache);
	return ret;
}

int ktstr_kernel_resolve(const char *arg, char **image, char **module)
{
	char *cache = NULL, *dir = NULL, *def = NULL, *rdir = NULL, *rdef = NULL;
	int ret = -1;

	*image = *module = NULL;
	if (!arg)
		return 0;
	if (!*arg) {
		ktstr_print("ktstr: --kernel needs a kernel name or an image path\n");
		return -1;
	}
	if (!strchr(arg, '/') && strcmp(arg, ".") && strcmp(arg, "..")) {
		cache = ktstr_kernel_cache_dir();
		if (!cache || asprintf(&dir, "%s/kernels/%s", cache, arg) < 0) {
			dir = NULL;
			goto oom;
		}
		if (exists(dir, "vmlinuz")) {
			if (!(*image = path_join(dir, "vmlinuz")))
				goto oom;
			/*
			 * Its own ktstr.ko; none for the default kernel means
			 * the tree's module (the caller's default), for any
			 * other a path that does not exist yet, so the caller
			 * reports it missing.
			 */
			if (asprintf(&def, "%s/kernels/default", cache) < 0) {
				def = NULL;
				goto oom;
			}
			rdir = realpath(dir, NULL);
			rdef = realpath(def, NULL);
			if (exists(dir, "ktstr.ko") || !rdir || !rdef || strcmp(rdir, rdef)) {
				if (!(*module = path_join(dir, "ktstr.ko")))
					goto oom;
			}
			ret = 0;
			goto out;
		}
		if (access(arg, F_OK)) {
			ktstr_print("ktstr: no kernel '%s' in %s/kernels and no such file: "
				"see 'ktstr kernel list', 'ktstr kernel fetch NAME'\n", arg, cache);
			goto out;
		}
	}
	if (!(*image = strdup(arg)))
		goto oom;
	ret = 0;
	goto out;
oom:
	ktstr_print("ktstr: out of memory\n");
	free(*image);
	*image = NULL;
out:
	free(rdir);
	free(rdef);
	free(def);
	free(dir);
	free(cache);
	return ret;
}
