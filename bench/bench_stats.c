/*
 * usmbd-bench's pure helpers: option value parsing, the latency histogram
 * and rate arithmetic. Kept free of I/O so tests/unit/test_bench.c can
 * check them directly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

uint64_t bench_parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	/* strtoull takes a sign and leading blanks: refuse both */
	if (!s || *s < '0' || *s > '9')
		return 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return 0;
	v <<= shift;
	/* "4k", "4kB", "4KiB"; a plain count may say "B" */
	if (shift && strcmp(end, "iB") == 0)
		return v;
	return *end == '\0' || strcmp(end, "B") == 0 ? v : 0;
}

int bench_parse_rw(struct bench_opts *o, const char *s)
{
	static const char *const names[] = { "read", "write", "randread",
					     "randwrite" };
	unsigned long pct;
	char *end;

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			o->rw = (enum bench_rw)i;
			return 0;
		}
	}
	if (strcmp(s, "mix") == 0) {
		o->rw = RW_MIX;
		o->mix_read_pct = 70;
		return 0;
	}
	if (strncmp(s, "mix=", 4) != 0 || s[4] < '0' || s[4] > '9')
		return -1;
	pct = strtoul(s + 4, &end, 10);
	if (*end || pct > 100)
		return -1;
	o->rw = RW_MIX;
	o->mix_read_pct = (unsigned)pct;
	return 0;
}

unsigned hist_index(uint64_t ns)
{
	unsigned msb;

	if (ns < 64)
		return (unsigned)ns;
	msb = 63u - (unsigned)__builtin_clzll(ns);
	/* the last bucket also takes everything from 2^43 ns on */
	if (msb > 42)
		return HIST_BUCKETS - 1;
	/* msb >= 6: the 5 bits under the top one pick the sub-bucket */
	return 64 + (msb - 6) * HIST_SUB +
	       (unsigned)((ns >> (msb - 5)) & (HIST_SUB - 1));
}

uint64_t hist_upper(unsigned i)
{
	unsigned msb, sub;

	if (i < 64)
		return i;
	if (i >= HIST_BUCKETS - 1)
		return UINT64_MAX; /* open-ended: quantiles cap at max_ns */
	msb = (i - 64) / HIST_SUB + 6;
	sub = (i - 64) % HIST_SUB;
	return ((uint64_t)(HIST_SUB + sub + 1) << (msb - 5)) - 1;
}

void hist_add(struct bench_hist *h, uint64_t ns)
{
	h->n[hist_index(ns)]++;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void hist_merge(struct bench_hist *into, const struct bench_hist *h)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->n[i] += h->n[i];
	into->count += h->count;
	if (h->max_ns > into->max_ns)
		into->max_ns = h->max_ns;
}

uint64_t hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)h->count);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want) {
			uint64_t u = hist_upper(i);

			return u < h->max_ns ? u : h->max_ns;
		}
	}
	return h->max_ns;
}

double bench_mb_per_s(uint64_t bytes, double wall_s)
{
	return wall_s > 0 ? (double)bytes / wall_s / 1e6 : 0;
}

double bench_iops(uint64_t ops, double wall_s)
{
	return wall_s > 0 ? (double)ops / wall_s : 0;
}
