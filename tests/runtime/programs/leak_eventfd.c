/* Opens N eventfds (protocol.h). Each eventfd costs one eventfd_ctx
 * allocation from do_eventfd. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "protocol.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int *fds = calloc(n, sizeof(int));

	if (!fds || raise_fd_limit(n + 64) != 0) {
		perror("leak_eventfd: setup");
		return 1;
	}
	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		fds[i] = eventfd(0, 0);
		if (fds[i] < 0) {
			perror("leak_eventfd: eventfd");
			return 1;
		}
	}
	protocol_step("ready"); /* EOF also releases */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	protocol_step("closed");
	return 0;
}
