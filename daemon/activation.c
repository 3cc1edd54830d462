#include "config.h"
#include "activation.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#define MAX_PASSED 64

static int passed[MAX_PASSED];
static unsigned n_passed;

/* Contract in activation.h. */
unsigned activation_collect(void)
{
	int n = sd_listen_fds(1);

	n_passed = 0;
	for (int i = 0; i < n && n_passed < MAX_PASSED; i++)
		passed[n_passed++] = SD_LISTEN_FDS_START + i;
	return n_passed;
}

/* la's address as a sockaddr, for sd_is_socket_inet_sockaddr(); false
 * when the host is no IP literal. */
static bool tcp_sockaddr(const struct md_listen *la, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, la->host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)la->port);
		*len = sizeof(*in4);
		return true;
	}
	if (inet_pton(AF_INET6, la->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)la->port);
		*len = sizeof(*in6);
		return true;
	}
	return false;
}

/* Whether fd is a listening stream socket on la's address. */
static bool socket_matches(int fd, const struct md_listen *la)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (la->is_unix)
		return sd_is_socket_unix(fd, SOCK_STREAM, 1, la->path, 0) > 0;
	return tcp_sockaddr(la, &ss, &len) && sd_is_socket_sockaddr(fd, SOCK_STREAM, (struct sockaddr *)&ss, len, 1) > 0;
}

/* Contract in activation.h. */
int activation_take(const struct md_listen *la)
{
	for (unsigned i = 0; i < n_passed; i++) {
		if (passed[i] >= 0 && socket_matches(passed[i], la)) {
			int fd = passed[i];
			passed[i] = -1;
			return fd;
		}
	}
	return -1;
}

/* Contract in activation.h. */
int activation_unclaimed(void)
{
	for (unsigned i = 0; i < n_passed; i++)
		if (passed[i] >= 0)
			return passed[i];
	return -1;
}
