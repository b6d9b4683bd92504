/* Frees objects through kfree_bulk on purpose, beside a real leak
 * (protocol.h): SETS setsockopt(IP_OPTIONS) calls on one UDP socket, each
 * replacing the socket's ip_options_rcu, whose old copy goes through
 * kfree_rcu, whose batches end in kfree_bulk (kmem_cache_free_bulk): no
 * per-object tracepoint. Then LEAK eventfds, held until the next line. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol.h"

int main(int argc, char **argv)
{
	int sets = argc > 1 ? atoi(argv[1]) : 10000;
	int leak = argc > 2 ? atoi(argv[2]) : 100;
	/* a no-op option (NOP, END) rounded to four bytes */
	unsigned char opts[4] = {1, 1, 1, 0};
	int *fds = calloc(leak, sizeof(int));
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (!fds || s < 0 || raise_fd_limit(leak + 64) != 0) {
		perror("bulk_free_ipopts: setup");
		return 1;
	}
	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < sets; i++)
		if (setsockopt(s, IPPROTO_IP, IP_OPTIONS, opts, sizeof(opts)) != 0) {
			perror("bulk_free_ipopts: setsockopt");
			return 1;
		}
	/* the last copy is freed with the socket */
	close(s);
	for (int i = 0; i < leak; i++) {
		fds[i] = eventfd(0, 0);
		if (fds[i] < 0) {
			perror("bulk_free_ipopts: eventfd");
			return 1;
		}
	}
	protocol_step("ready");
	for (int i = 0; i < leak; i++)
		close(fds[i]);
	protocol_step("closed");
	return 0;
}
