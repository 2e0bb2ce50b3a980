/* test_opt.c: the option parser of the abacus command (cli/opt.h):
 * --opt value and --opt=value, every kind of value and its messages,
 * positional arguments, help, and the usage generated from the table. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "opt.h"

typedef struct args {
	int n, flag, on;
	uint64_t seed;
	double x;
	const char *s;
	int list[4], n_list;
} args;

static const opt_spec specs[] = {
    {.name = "--n", .kind = OPT_INT, .meta = "N", .min = 1, .max = 100, .off = offsetof(args, n),
     .help = "a count"},
    {.name = "--k", .kind = OPT_INT, .meta = "K", .min = -5, .max = 5, .off = offsetof(args, n),
     .help = "a signed count"},
    {.name = "--flag", .alias = "-f", .kind = OPT_FLAG, .off = offsetof(args, flag),
     .help = "a flag"},
    {.name = "--no-on", .kind = OPT_FLAG, .clears = 1, .off = offsetof(args, on),
     .help = "clears on"},
    {.name = "--seed", .kind = OPT_U64, .meta = "S", .hint = " (0: none)",
     .off = offsetof(args, seed), .help = "a seed"},
    {.name = "--x", .kind = OPT_NUM, .meta = "X", .off = offsetof(args, x), .help = "a number"},
    {.name = "--s", .kind = OPT_STR, .meta = "TEXT", .off = offsetof(args, s), .help = "text"},
    {.name = "--list", .kind = OPT_LIST, .meta = "1,2", .min = 1, .max = 64, .max_items = 4,
     .off = offsetof(args, list), .count_off = offsetof(args, n_list), .help = "a list"},
    OPT_END,
};

static const opt_command cmd = {.name = "t", .args = "[FILE]", .what = "a test", .opts = specs,
                                .max_pos = 1};
static const opt_command rest_cmd = {.name = "r", .args = "FILE [ARGS...]", .what = "rest",
                                     .opts = specs, .rest = 1};

static char err[512];
static int n_pos;

/* Parses a line split on blanks (argv is rewritten, so it is a copy). */
static int parse(const opt_command *c, const char *line, args *a, char **argv)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s", line);
	int argc = 0;
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		argv[argc++] = t;
	*a = (args){.on = 1};
	err[0] = '\0';
	return opt_parse(c, argc, argv, a, &n_pos, err, sizeof err);
}

static void bad(const char *line, const char *want)
{
	args a;
	char *argv[32];
	CHECK_INT(parse(&cmd, line, &a, argv), -1);
	CHECK_STR_HAS(err, want);
	CHECK(strchr(err, '\n') == NULL);
}

int main(void)
{
	args a;
	char *argv[32];

	/* both spellings of a value, every kind */
	CHECK_INT(parse(&cmd, "--n 7 --seed=18446744073709551615 --x=-2.5e3 --s hi -f --no-on", &a,
	                argv), 0);
	CHECK_INT(a.n, 7);
	CHECK(a.seed == UINT64_MAX);
	CHECK(a.x == -2500.0);
	CHECK(a.s && strcmp(a.s, "hi") == 0);
	CHECK_INT(a.flag, 1);
	CHECK_INT(a.on, 0);
	CHECK_INT(n_pos, 0);
	CHECK_INT(parse(&cmd, "--n=100 --k=-5", &a, argv), 0);
	CHECK_INT(a.n, -5);
	CHECK_INT(parse(&cmd, "--s= --s=a=b", &a, argv), 0);
	CHECK(strcmp(a.s, "a=b") == 0); /* the first '=' splits */
	CHECK_INT(parse(&cmd, "--list 8,1,4,1", &a, argv), 0);
	CHECK_INT(a.n_list, 3);
	CHECK(a.list[0] == 1 && a.list[1] == 4 && a.list[2] == 8);

	/* positional arguments among options, and after -- */
	CHECK_INT(parse(&cmd, "--n 3 file --flag", &a, argv), 0);
	CHECK_INT(n_pos, 1);
	CHECK(strcmp(argv[0], "file") == 0 && a.flag == 1);
	CHECK_INT(parse(&cmd, "-- --n", &a, argv), 0);
	CHECK_INT(n_pos, 1);
	CHECK(strcmp(argv[0], "--n") == 0 && a.n == 0);
	CHECK_INT(parse(&cmd, "-", &a, argv), 0);
	CHECK_INT(n_pos, 1);
	bad("a b", "unexpected argument 'b' (abacus t takes [FILE])");
	/* with rest, what follows the first positional is the command's */
	CHECK_INT(parse(&rest_cmd, "--n 2 s.lua --n 9 -x", &a, argv), 0);
	CHECK_INT(n_pos, 4);
	CHECK_INT(a.n, 2);
	CHECK(strcmp(argv[0], "s.lua") == 0 && strcmp(argv[1], "--n") == 0 &&
	      strcmp(argv[3], "-x") == 0);

	/* help anywhere among the options */
	CHECK_INT(parse(&cmd, "--n 3 --help", &a, argv), 1);
	CHECK_INT(parse(&cmd, "-h", &a, argv), 1);
	CHECK_INT(parse(&rest_cmd, "s.lua --help", &a, argv), 0);

	/* mistakes: one line naming the option */
	bad("--nope 3", "unknown option '--nope' (abacus t --help lists them)");
	bad("--nope=3", "unknown option '--nope' (abacus");
	bad("-x", "unknown option '-x'");
	bad("--n", "--n needs a value (N)");
	bad("--n 0", "--n needs a positive integer, got '0'");
	bad("--n 7x", "--n needs a positive integer, got '7x'");
	bad("--n=", "--n needs a positive integer, got ''");
	bad("--n 101", "--n must be at most 100, got '101'");
	bad("--k 6", "--k needs an integer from -5 to 5, got '6'");
	bad("--seed -1", "--seed needs a non-negative integer (0: none), got '-1'");
	bad("--seed 18446744073709551616", "--seed needs a non-negative integer");
	bad("--x 1e999", "--x needs a number, got '1e999'");
	bad("--x nan", "--x needs a number, got 'nan'");
	bad("--flag=1", "--flag takes no value, got '--flag=1'");
	bad("--list 4,1,x", "--list needs a list of integers from 1 to 64 like 1,2,4, got '4,1,x'");
	bad("--list 1,0", "--list needs a list of integers");
	bad("--list 1,2,3,4,5", "--list: at most 4 values");

	/* help and usage come from the table */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	opt_help(f, "abacus", &cmd);
	fclose(f);
	/* wrapped before column 80 */
	CHECK_STR_HAS(text, "usage: abacus t [--n N] [--k K] [-f] [--no-on] [--seed S] [--x X] "
	                    "[--s TEXT]\n        [--list 1,2] [FILE]\n");
	CHECK_STR_HAS(text, "\na test\n");
	CHECK_STR_HAS(text, "\n  -f, --flag  a flag\n");
	CHECK_STR_HAS(text, "\n  --list 1,2  a list\n");
	CHECK_STR_HAS(text, "\n  -h, --help  this help\n");
	free(text);
	return check_report("test_opt");
}
