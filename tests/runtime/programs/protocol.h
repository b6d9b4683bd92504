/* The protocol every test program here speaks, one line each way:
 *   "started PID"  -> waits for a line, then allocates
 *   "ready PID"    -> holds the allocations until a line (or EOF)
 *   "closed"       -> released them; exits after one more line (or EOF)
 * so that a test can take its "before" snapshot with the program (and the
 * pipes to it) already there. */
#ifndef POOLTAG_TEST_PROTOCOL_H
#define POOLTAG_TEST_PROTOCOL_H

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

/* Says where the program is and waits for the test's line: 0 when a line
 * came, -1 on EOF. */
static inline int protocol_step(const char *stage)
{
	char line[64];

	if (stage[0] == 'c')
		printf("%s\n", stage);
	else
		printf("%s %d\n", stage, (int)getpid());
	fflush(stdout);
	return fgets(line, sizeof line, stdin) ? 0 : -1;
}

/* Room for `needed` descriptors. The hard limit may not rise here, so it is
 * raised only when it is below the need. */
static inline int raise_fd_limit(long needed)
{
	struct rlimit rl = {needed, needed}, old;

	if (getrlimit(RLIMIT_NOFILE, &old) == 0 && old.rlim_max >= rl.rlim_max)
		rl.rlim_max = old.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

#endif
