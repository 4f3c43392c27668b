/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files, written the one way every ktstr output is written: into a
 * temp file in the same directory, then rename()d over the final name, so a
 * reader sees the old file or the whole new one, never a half-written one,
 * and a symlink planted at the final name is refused, never followed.
 * "-" means standard output.
 */
#ifndef KTSTR_OUTPUT_H
#define KTSTR_OUTPUT_H

#include <stdio.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * ktstr_output_write() - write an output file atomically
 * @path:	the file to write, or "-" for standard output
 * @fill:	writes the content to @fp; returns 0 or a negative errno
 * @arg:	passed to @fill
 *
 * The directory of @path is opened once and everything else is done
 * relative to it. An existing @path that is a symlink or not a regular
 * file is left alone and the call fails with -ELOOP or -EEXIST. The new
 * file gets mode 0666 & ~umask, as creat() would give it.
 *
 * Return: 0, or a negative errno (the temp file is removed) with
 * ktstr_last_error() naming @path.
 */
int ktstr_output_write(const char *path, int (*fill)(FILE *fp, void *arg), void *arg);

/**
 * ktstr_output_check() - can ktstr_output_write() write @path?
 * @path:	as for ktstr_output_write()
 *
 * Checked before long work starts: the directory exists and takes a temp
 * file (one is created and removed), and nothing but a regular file is at
 * @path.
 *
 * Return: 0 or the negative errno ktstr_output_write() would fail with.
 */
int ktstr_output_check(const char *path);

/**
 * ktstr_output_json() - write @doc to @path with ktstr_output_write()
 * @path:	the file to write, or "-" for standard output
 * @doc:	the document: two-space indented, ending with a newline
 *
 * Return: 0 or a negative errno.
 */
int ktstr_output_json(const char *path, const json_t *doc);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_OUTPUT_H */
