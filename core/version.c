/* version.c: version.h, from the definitions CMake passes in. */
#include "version.h"

#include "abacus_commit.h" /* generated at build time: scripts/commit.cmake */


const char *abacus_version(void)
{
	return ABACUS_VERSION;
}

const char *abacus_git_commit(void)
{
	return ABACUS_GIT_COMMIT;
}
