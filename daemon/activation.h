#ifndef MD_ACTIVATION_H
#define MD_ACTIVATION_H
/* Socket activation (sd_listen_fds(3)): listening sockets the service
 * manager (maildeskd.socket, or systemd-socket-activate) opened for us and
 * passed at start. Each is matched to the lmtp_listen or smtp_listen entry
 * with the same address, which then uses it instead of binding. */
#include <stdbool.h>

#include "base/conf.h"

/* Takes the sockets passed in LISTEN_FDS (and unsets the variables, so no
 * child inherits them). Returns how many; 0 without socket activation. */
unsigned activation_collect(void);

/* The passed socket listening on la's address (a stream socket in the
 * listening state; the same unix path, or the same IP address and port),
 * or -1. A socket is handed out once; it is then the caller's. */
int activation_take(const struct md_listen *la);

/* The first passed socket no listener took, or -1: a socket unit that
 * names an address maildesk.conf does not have (a configuration error:
 * mail sent there would wait for nobody). */
int activation_unclaimed(void);

#endif
