/* The protocol of every program here, one line each way:
 *   "started PID"  -> waits for a line, then allocates
 *   "ready PID"    -> holds the allocations until a line (or EOF)
 *   "closed"       -> released them; exits after one more line (or EOF)
 * so that a test can take its "before" snapshot with the program (and the
 * pipes to it) already there. This one opens N eventfds. Each eventfd costs one eventfd_ctx
 * allocation from do_eventfd. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	struct rlimit rl = {n + 64, n + 64}; /* the hard limit may not rise: raise it only when needed */
	int *fds = calloc(n, sizeof(int));
	char line[64];

	struct rlimit old;

	if (getrlimit(RLIMIT_NOFILE, &old) == 0 && old.rlim_max >= rl.rlim_max)
		rl.rlim_max = old.rlim_max;
	if (!fds || setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("leak_eventfd: setup");
		return 1;
	}
	printf("started %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	for (int i = 0; i < n; i++) {
		fds[i] = eventfd(0, 0);
		if (fds[i] < 0) {
			perror("leak_eventfd: eventfd");
			return 1;
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0'; /* EOF also releases */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	printf("closed\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0'; /* EOF also releases */
	return 0;
}
