#ifndef MD_T_PG_RULES_LIB_H
#define MD_T_PG_RULES_LIB_H
/* Shared by the files of the t/pg-rules test program. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desk/desk-rules.h"
#include "pg-lib.h"

extern struct db *db;
/* The test's tenant, its teams Support and Billing, the customer carla. */
extern int64_t tenant, support, billing, carla;
/* Agents: ana, bob, cy online, dee away, eve offline (Support), fay
 * online (Billing); ids ascend in that order. */
extern int64_t ana, bob, cy, dee, eve, fay;
extern const struct desk_settings settings;

/* The checked fixture: a connection, the schema, a fresh tenant. */
void setup(void);
void teardown(void);

/* An id as text (one of 16 rotating buffers). */
const char *I(int64_t v);
/* SQL with n text parameters that must succeed: the first cell
 * (malloc'd) or NULL; qid: the first cell as a number, which must exist. */
#define q(...) pg_q(db, __VA_ARGS__)
int64_t qid(const char *sql, size_t n, ...);
/* The first cell of sql (n of the params p1, p2) is expected (NULL: SQL
 * NULL or no row). */
void assert_q(const char *expected, const char *sql, size_t n, const char *p1, const char *p2);

int64_t agent_new(int64_t team, const char *email, const char *status);
/* A ticket of team from carla. */
int64_t ticket_new(int64_t team, const char *subject);
/* Carla's message on a ticket; headers: the raw header section. */
int64_t message_new(int64_t ticket, const char *subject, const char *body, const char *headers);
/* Stores or replaces a rule set (team 0: tenant-wide); desk_rules_changed()
 * is left to the test. */
void rules_store(int64_t team, const char *source);
/* desk_rules_run in a transaction of its own; returns *changed_r. */
bool run_with(struct desk_rules_cache *cache, enum rules_event ev, int64_t ticket, int64_t message);
bool run(enum rules_event ev, int64_t ticket, int64_t message);

/* The ticket's events, "kind|actor|detail" a line in order. */
void assert_events(int64_t ticket, const char *expected);
/* The ticket's tags, sorted, space-separated (NULL: none). */
void assert_tags(int64_t ticket, const char *expected);
/* A column expression of the ticket, as text. */
void assert_ticket(int64_t ticket, const char *column, const char *expected);

/* The test cases of pg-rules-assign.c: assignment, SLA, delivery. */
struct TCase;
struct TCase *rules_assign_tcase(void);

#endif
