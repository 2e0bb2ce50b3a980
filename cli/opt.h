/* opt.h: the one option parser of the abacus command.
 *
 * Every subcommand describes its options in a table of opt_spec (long
 * name, kind of value, help text, where the value goes as an offset into
 * the command's own argument struct), and the same table drives parsing,
 * `abacus CMD --help` and the usage that `abacus --help` and a mistake
 * print. Adding an option is adding a line to a table.
 *
 * Accepted: `--opt value` and `--opt=value`; `--` ends the options; an
 * alias ("-v") where the table gives one; `-h` and `--help` anywhere among
 * a command's options. Refused, in one line naming the option: an unknown
 * option, a missing value, a value that is not of the option's kind, a
 * value given to a flag (`--all=1`).
 *
 * The parser checks the form of a value (an integer in range, a number,
 * a list of integers); what a value means (a known GPU, a policy, a
 * fraction a learner can use) is checked by the module that uses it, so
 * that the same checks hold for callers that are not the command line.
 */
#ifndef ABACUS_OPT_H
#define ABACUS_OPT_H

#include <stddef.h>
#include <stdio.h>

typedef enum opt_kind {
	OPT_FLAG, /* no value; stores int 1 (0 with .clears) */
	OPT_INT,  /* int in [min, max] */
	OPT_U64,  /* uint64_t: decimal digits only (seeds, counts) */
	OPT_NUM,  /* double: any finite number */
	OPT_STR,  /* const char *: the text itself, borrowed from argv */
	OPT_LIST, /* ints like 1,2,4 in [min, max]: sorted, without repeats, into
	           * an int array of max_items at off, their count at count_off */
} opt_kind;

typedef struct opt_spec {
	const char *name;  /* "--gpu" */
	const char *alias; /* "-v", or NULL */
	opt_kind kind;
	const char *meta;  /* the value in the usage: "G", "N", "PATH" */
	const char *help;  /* one line for CMD --help, defaults included */
	size_t off;        /* where the value goes: offsetof in the args struct */
	int clears;        /* OPT_FLAG: store 0 (--no-solo) */
	long long min, max;      /* OPT_INT, OPT_LIST items */
	const char *hint;        /* added to the message of a malformed value */
	int max_items;           /* OPT_LIST */
	size_t count_off;        /* OPT_LIST: int */
} opt_spec;

/* NULL-name terminated tables. */
#define OPT_END {.name = NULL}

/* One subcommand: its tables, its usage and the function that runs it. */
typedef struct opt_command {
	const char *name;
	const char *args; /* positional arguments in the usage: "FILE.lua [ARGS...]" */
	const char *what; /* one line: what the command does */
	const char *more; /* CMD --help only: a paragraph after the options; may be NULL */
	const opt_spec *opts;
	/* 1: the first positional argument and everything after it are the
	 * command's (a scenario's own arguments may look like options). */
	int rest;
	int max_pos; /* positional arguments taken (with rest: at least one) */
} opt_command;

/* Parses argv[0..argc) into args. Positional arguments are moved to the
 * front of argv, in order, and counted in *n_pos (with cmd->rest, they
 * are argv[i..argc) from the first one on). Returns 0, 1 when help was
 * asked for, -1 with one line in err ("--seed needs a non-negative
 * integer, got '-1'"). */
int opt_parse(const opt_command *cmd, int argc, char **argv, void *args, int *n_pos, char *err,
              size_t errlen);

/* "abacus [--db PATH] run [--opt V]... FILE.lua [ARGS...]", wrapped at
 * `width` columns with continuation lines indented by `indent`. prefix
 * is what comes before the command's name ("abacus"). */
void opt_synopsis(FILE *f, const char *prefix, const opt_command *cmd, int indent, int width);

/* CMD --help: the synopsis, what it does, one line per option, cmd->more. */
void opt_help(FILE *f, const char *prefix, const opt_command *cmd);

/* The integer list of OPT_LIST: "8,1,4,1" -> 1,4,8. -1 with a message
 * naming `what` when an item is not an integer in [lo, hi] or there are
 * more than max distinct ones. */
int opt_parse_ints(const char *text, const char *what, long long lo, long long hi, int *out,
                   int max, int *n, char *err, size_t errlen);

#endif
