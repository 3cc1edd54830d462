#ifndef MD_RULES_PRIVATE_H
#define MD_RULES_PRIVATE_H
/* Inside lib/rules: the lexer's tokens, the compiled program (a tree of
 * conditions and a list of actions per rule) and the helpers the lexer,
 * parser, checker and evaluator share. Nothing here leaves the module. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules.h"

/* ---- Lexer (rules-lex.c) ---- */
enum tok_kind {
	TOK_EOF,
	TOK_WORD,   /* keywords and dotted names: if, from.domain, round-robin */
	TOK_STRING, /* "..." with \" and \\ escapes; str holds the value */
	TOK_NUMBER, /* digits, num holds the value */
	TOK_DURATION, /* digits then letters: 30m, 1d12h */
	TOK_LPAREN, TOK_RPAREN, TOK_COMMA,
	TOK_LT, TOK_LE, TOK_GT, TOK_GE, TOK_EQ,
	TOK_ERROR,  /* the lexer's error is in lexer.err */
};

struct token {
	enum tok_kind kind;
	const char *start; /* raw source bytes */
	size_t len;
	unsigned line, column;
	char *str;  /* TOK_STRING: the value, owned by the program's arena */
	unsigned long long num;
};

struct arena;

struct lexer {
	const char *p, *end;
	unsigned line, column;
	struct arena *arena;
	struct token tok;       /* the current token */
	unsigned prev_line;     /* line of the token before it */
	struct rules_error *err;
};

void lex_init(struct lexer *lx, const char *text, size_t len, struct arena *a, struct rules_error *err);
/* Moves to the next token; TOK_ERROR when the source is wrong (err set). */
void lex_next(struct lexer *lx);
/* True when the current token is the word w. */
bool lex_is_word(const struct lexer *lx, const char *w);
/* The column of byte offset off of a string token's value (for PCRE2's
 * error offsets: escapes take two characters in the source). */
unsigned lex_string_column(const struct token *t, size_t off);
/* Formats *err (first error only is kept by callers). */
void rules_error_set(struct rules_error *err, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- Program memory (rules-compile.c): everything the program owns is
 * recorded here and freed at once. ---- */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s, size_t n);
void arena_add_code(struct arena *a, pcre2_code *code);
/* The RULES_EV_COUNT event names, in enum order. */
const char *const *rules_event_names(void);

/* ---- The compiled program ---- */
enum field {
	F_FROM, F_FROM_DOMAIN, F_TO, F_SUBJECT, F_BODY, F_TEAM, F_STATUS, F_ASSIGNEE,
	F_HEADER, F_ATT_NAME, F_ATT_TYPE, F_TAG, F_EVENT_NAME, F_ADDED_TAG, F_REASON, F_EVENT_TYPE,
	F_ORDER, /* the last one: struct state's lens are sized by it */
};

enum cond_kind {
	C_AND, C_OR, C_NOT,
	C_TEXT,          /* field op patterns */
	C_HEADER_EXISTS, C_ATTACHMENT_EXISTS, C_ASSIGNEE_NONE,
	C_PRIORITY, C_OPEN_TICKETS, C_BUSINESS_HOURS,
	C_ORDER_EMPTY,   /* order is empty; negate: is not empty */
};

enum text_op { OP_IS, OP_IS_NOT, OP_CONTAINS, OP_STARTS, OP_ENDS, OP_MATCHES, OP_IN };
enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN };

struct cond {
	enum cond_kind kind;
	struct cond *a, *b;      /* C_AND/C_OR: both; C_NOT: a */
	enum field field;
	const char *header;      /* F_HEADER, C_HEADER_EXISTS */
	enum text_op op;
	pcre2_code **pats;       /* one per value; OP_IN may have several */
	size_t n_pats;
	enum cmp_op cmp;
	unsigned mask;           /* C_PRIORITY with CMP_IN: bit per priority */
	long long number;        /* C_PRIORITY, C_OPEN_TICKETS */
	bool negate;             /* C_ASSIGNEE_NONE: "is not none"; C_ORDER_EMPTY: "is not empty" */
};

struct act {
	struct rules_action a;   /* the template copied into results */
	const char *value;       /* SET_FIELD "to": the value */
	enum field src;          /* SET_FIELD "from": the field read */
	const char *src_header;
	pcre2_code *re;          /* SET_FIELD "from": NULL for "to" */
};

struct rule {
	const char *name;
	unsigned line;
	unsigned events;
	struct cond *cond;       /* NULL: always */
	struct act *acts;
	size_t n_acts;
	bool stop;
};

struct rules_program {
	struct arena *arena;
	struct rule *rules;
	size_t n_rules;
	struct rules_ref *refs;
	size_t n_refs;
	pcre2_match_context *mctx;
	uint32_t ovec_pairs;     /* enough for every pattern's captures */
};

/* ---- Parser (rules-parse.c, rules-parse-cond.c) ---- */
struct parser {
	struct lexer lx;
	struct rules_program *p;
	struct rules_error *err;
	bool failed;             /* err holds the first error */
	unsigned events;         /* of the rule being parsed */
	size_t rules_cap, refs_cap;
	struct act *acts;        /* of the rule being parsed */
	size_t n_acts, acts_cap;
	bool stop;               /* the rule being parsed said stop */
};

/* Parses the whole source into p (rules, refs). Returns 0, or -1 with
 * *err set (the first error). */
int rules_parse(struct rules_program *p, const char *text, size_t len, struct rules_error *err);
/* Parses one condition (or / and / not / tests); NULL on error. */
struct cond *parse_cond(struct parser *ps);
/* Records the first error at token t. Always returns -1. */
int parse_fail(struct parser *ps, const struct token *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fails with "unknown WHAT 'word'", adding "did you mean" when one of
 * names is close to the token. */
int parse_fail_unknown(struct parser *ps, const struct token *t, const char *what, const char *const *names, size_t n);
/* Fails with "expected WHAT" at the current token; -1. */
int parse_expected(struct parser *ps, const char *what);
/* Consumes the word w, or fails with "expected 'w' WHERE". */
int parse_word(struct parser *ps, const char *w, const char *where);
/* Consumes a string token into *t_r, or fails with "expected WHAT". */
int parse_string(struct parser *ps, struct token *t_r, const char *what);
/* Parses a priority (low..urgent, 0..3) at the current token. */
int parse_priority(struct parser *ps);
/* Parses one action of rule r into ps->acts (rules-parse-act.c). */
int parse_action(struct parser *ps, const struct rule *r);
/* Fields a text test or a capture may read: the word's field, or -1. */
int parse_field_name(const struct token *t);

/* ---- Checks and regex compilation (rules-check.c) ---- */
/* Compiles the text test's values (case-insensitive literals) into c. */
int check_text_patterns(struct parser *ps, struct cond *c, const struct token *const *vals, size_t n);
/* Compiles a user's regular expression (matches, set field from);
 * NULL with the error at the offending character. */
pcre2_code *check_regex(struct parser *ps, const struct token *t);
/* Value checks of the language: a tag, a mail address, a field name, a
 * "YYYY-MM-DD HH:MM" time. */
bool check_tag(const char *s);
bool check_address(const char *s);
bool check_field_name(const char *s);
bool check_datetime(const char *s);
/* "did you mean" for a misspelt word among names; NULL when nothing is close. */
const char *rules_suggest(const char *word, size_t len, const char *const *names, size_t n);

#endif
