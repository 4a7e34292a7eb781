/* The host-facts automaton against a naive search: random needles and
 * texts over a small alphabet (so needles overlap, nest and share
 * suffixes), the first hit and its offset compared. */
#define hostscan_kind_bit t_hostscan_kind_bit
#define hostscan_kind_name t_hostscan_kind_name
#define hostscan_new t_hostscan_new
#define hostscan_free t_hostscan_free
#define hostscan_entry t_hostscan_entry
#include "../../builder/build/hostscan.c"

#include <stdlib.h>
#include "test.h"

/* What scan() is meant to find: the earliest end position; there, the
 * needles ending at it, longest first (the fail chain's order). */
static const struct needle *naive(const struct hostscan *hs, const unsigned char *p, size_t n,
				  unsigned allowed, size_t *offset)
{
	for (size_t end = 1; end <= n; end++) {
		for (size_t len = end; len >= 1; len--) {
			const struct needle *nd = NULL;
			for (size_t k = 0; k < hs->n; k++)
				if (hs->needles[k].len == len && !memcmp(p + end - len, hs->needles[k].text, len))
					nd = &hs->needles[k];
			if (!nd)
				continue;
			size_t start = end - len;
			if (!bounded(nd, p, n, start))
				continue;
			nd = longest_at(hs, nd, p, n, start);
			if (allowed & (1u << nd->kind))
				break;
			*offset = start;
			return nd;
		}
	}
	return NULL;
}

static void automaton_matches_naive(void)
{
	static const char alpha[] = "ab/.x ";
	srand(12345);
	long hits = 0;
	for (int round = 0; round < 3000 && !test_current_failed; round++) {
		struct hostscan *hs = calloc(1, sizeof *hs);
		int nn = 1 + rand() % 6;
		for (int k = 0; k < nn; k++) {
			char t[9];
			int len = 4 + rand() % 5;
			for (int j = 0; j < len; j++)
				t[j] = alpha[rand() % 3 == 0 ? rand() % 6 : rand() % 2];
			t[len] = '\0';
			CHECK(add_needle(hs, t, (enum hostscan_kind)(rand() % HS_N_KINDS), (enum bound)(rand() % 3)) == 0);
		}
		CHECK(compile(hs) == 0);
		for (int text = 0; text < 20; text++) {
			unsigned char p[200];
			size_t n = (size_t)(rand() % 200);
			for (size_t i = 0; i < n; i++)
				p[i] = (unsigned char)(rand() % 8 == 0 ? rand() % 256 : alpha[rand() % 3 == 0 ? rand() % 6 : rand() % 2]);
			unsigned allowed = rand() % 2 ? 0 : (unsigned)rand() & ((1u << HS_N_KINDS) - 1);
			size_t o1 = (size_t)-1, o2 = (size_t)-1;
			const struct needle *a = scan(hs, p, n, allowed, &o1);
			const struct needle *b = naive(hs, p, n, allowed, &o2);
			CHECK(a == b);
			if (a && b)
				CHECK(o1 == o2);
			if (a != b || (a && o1 != o2)) {
				printf("  round %d text %d: scan %s@%zu, naive %s@%zu\n", round, text,
				       a ? a->text : "-", o1, b ? b->text : "-", o2);
				break;
			}
			hits += a != NULL;
		}
		hostscan_free(hs);
	}
	CHECK(hits > 1000); /* the texts do hit */
}

int main(void)
{
	RUN(automaton_matches_naive);
	return test_failures ? 1 : 0;
}
