/* version.h: which abacus this is.
 *
 * The version is the project's (CMakeLists.txt); the commit is what
 * `git describe --always --dirty` said when the build was configured, or
 * "unknown" when built outside a git checkout. Runs record both, so a
 * result can be traced to the code that produced it.
 */
#ifndef ABACUS_VERSION_H
#define ABACUS_VERSION_H

const char *abacus_version(void);
const char *abacus_git_commit(void);

#endif
