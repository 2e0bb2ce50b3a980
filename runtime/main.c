/* main.c: the abacus command line (placeholder until the core lands). */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "usage: abacus run FILE.lua [ARGS...]\n");
	return 2;
}
