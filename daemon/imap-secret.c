/* The secret of an IMAP login, obtained at connect time and never stored:
 * a password file's first line, or what an XOAUTH2 token command prints
 * (contract in imap-secret.h). */
#include "config.h"
#include "imap-secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"

#define SECRET_MAX 65536
/* How long a token command may take: it holds a pool thread meanwhile. */
#define TOKEN_TIMEOUT_S 15

extern char **environ;

/* Cuts trailing blanks and line ends (an editor's final newline). */
static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Reads all of fd up to SECRET_MAX bytes into a NUL-terminated string. */
static char *fd_read_all(int fd, size_t *len_r)
{
	char *data = xmalloc(SECRET_MAX + 1);
	size_t len = 0;
	ssize_t r;

	while (len < SECRET_MAX && ((r = read(fd, data + len, SECRET_MAX - len)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	data[len] = '\0';
	*len_r = len;
	return data;
}

/* Milliseconds on the monotonic clock. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads a child's output up to SECRET_MAX bytes until it closes the pipe
 * or the deadline (monotonic ms) passes (a hung command must not hold a
 * pool thread for ever). Returns the NUL-terminated text, or NULL on
 * timeout. */
static char *pipe_read_deadline(int fd, int64_t deadline)
{
	char *data = xmalloc(SECRET_MAX + 1);
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - mono_ms();
		ssize_t r;
		int n;

		if (left <= 0)
			break;
		if ((n = poll(&p, 1, (int)left)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((r = read(fd, data + len, SECRET_MAX - len)) < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (len += (size_t)r) == SECRET_MAX) {
			data[len] = '\0';
			return data;
		}
	}
	free(data);
	return NULL;
}

/* Waits for the child until the deadline (it may close its output and go
 * on running); past it, kills it. Returns true when it ended in time. */
static bool child_wait_deadline(pid_t pid, int64_t deadline, int *status_r)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	pid_t r;

	while ((r = waitpid(pid, status_r, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) {
		if (r == 0 && mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status_r, 0) < 0 && errno == EINTR)
				;
			return false;
		}
		if (r == 0)
			nanosleep(&pause, NULL);
	}
	return true;
}

/* Contract in imap-secret.h. */
int imap_secret_file_check(const char *path, char **error_r)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*error_r = xasprintf("password file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = xasprintf("password file %s is not a regular file", path);
		return -1;
	}
	if ((st.st_mode & S_IRWXO) != 0) {
		*error_r = xasprintf("password file %s is open to others (mode %04o): chmod o-rwx %s", path,
				     (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Contract in imap-secret.h. */
int imap_secret_password(const char *path, char **password_r, char **error_r)
{
	size_t len;
	int fd;

	*password_r = NULL;
	if (imap_secret_file_check(path, error_r) < 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = xasprintf("password file %s: %s", path, strerror(errno));
		return -1;
	}
	*password_r = fd_read_all(fd, &len);
	close(fd);
	(*password_r)[strcspn(*password_r, "\r\n")] = '\0';
	if ((*password_r)[0] == '\0') {
		free(*password_r);
		*password_r = NULL;
		*error_r = xasprintf("password file %s is empty", path);
		return -1;
	}
	return 0;
}

/* command split at blanks into a NULL-ended argv (no quoting: no shell). */
static char **argv_split(const char *command, char **copy_r)
{
	char *copy = xstrdup(command), *save = NULL;
	char **argv = xcalloc(strlen(command) / 2 + 2, sizeof(*argv));
	size_t n = 0;

	for (char *w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	*copy_r = copy;
	return argv;
}

/* Contract in imap-secret.h. */
int imap_secret_token(const char *command, char **token_r, char **error_r)
{
	int64_t deadline = mono_ms() + (int64_t)TOKEN_TIMEOUT_S * 1000;
	char *copy, **argv = argv_split(command, &copy);
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = 0, ret = -1;
	pid_t pid;
	char *out;

	*token_r = NULL;
	if (argv[0] == NULL || pipe2(pipefd, O_CLOEXEC) < 0) {
		*error_r = xasprintf("oauth2 token command \"%s\": %s", command,
				     argv[0] == NULL ? "empty" : strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (errno != 0) {
		*error_r = xasprintf("oauth2 token command %s: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		goto out;
	}
	out = pipe_read_deadline(pipefd[0], deadline);
	close(pipefd[0]);
	if (!child_wait_deadline(pid, out != NULL ? deadline : mono_ms(), &status)) {
		free(out);
		out = NULL;
	}
	if (out == NULL) {
		*error_r = xasprintf("oauth2 token command %s: no answer within %d s (killed)", argv[0],
				     TOKEN_TIMEOUT_S);
		goto out;
	}
	trim_end(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out[0] == '\0' || strchr(out, '\n') != NULL) {
		bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;

		*error_r = xasprintf("oauth2 token command %s: %s", argv[0],
				     failed ? "failed" : "printed no single token");
		free(out);
		goto out;
	}
	*token_r = out;
	ret = 0;
out:
	free(argv);
	free(copy);
	return ret;
}
