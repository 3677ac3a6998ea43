/* usmbd-bench: options, per-channel state and the report. */
#ifndef USMBD_BENCH_BENCH_H
#define USMBD_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/smb2_client.h"

enum bench_rw { RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE, RW_MIX };
enum bench_op { OP_IO, OP_CREATE_CLOSE, OP_STAT };
enum bench_transport { TRANSPORT_TCP, TRANSPORT_RDMA };

struct bench_opts {
	const char *host;
	uint16_t port;
	const char *user, *domain, *password;
	const char *share;
	unsigned channels;
	enum bench_transport transport;
	uint32_t rdma_threshold; /* payloads above go by RDMA READ/WRITE */
	unsigned qd;
	uint32_t bs;
	enum bench_rw rw;
	unsigned mix_read_pct;
	enum bench_op op;
	double seconds;
	uint64_t bytes; /* 0: run by time */
	uint64_t file_size;
	unsigned files;
	bool prealloc;
	bool sign, encrypt;
	bool verify; /* writes carry a pattern that reads check */
	const char *json;
	bool quiet;
};

/*
 * Latency histogram in nanoseconds: exact below 64 ns, then 32 linear
 * sub-buckets per power of two (about 3% resolution) up to 2^43 ns.
 */
#define HIST_SUB 32
#define HIST_BUCKETS (64 + 37 * HIST_SUB)

struct bench_hist {
	uint64_t n[HIST_BUCKETS];
	uint64_t count;
	uint64_t max_ns;
};

void hist_add(struct bench_hist *h, uint64_t ns);
void hist_merge(struct bench_hist *into, const struct bench_hist *h);
/* The latency below which q (0..1) of the samples lie, in ns: the upper
 * bound of its bucket, capped at the largest sample. */
uint64_t hist_quantile(const struct bench_hist *h, double q);
/* Bucket of a latency, and the largest latency that bucket holds. */
unsigned hist_index(uint64_t ns);
uint64_t hist_upper(unsigned i);

/* bench_stats.c: option values and rates, free of I/O. */
/* "4k", "1M", "1G", "2T" (binary units, optional "i"/"B"), or plain
 * bytes; 0 on malformed input or overflow. */
uint64_t bench_parse_size(const char *s);
/* --rw read|write|randread|randwrite|mix[=PCT]: sets o->rw (and
 * o->mix_read_pct, 70 by default, 0..100); 0 or -1. */
int bench_parse_rw(struct bench_opts *o, const char *s);
/* MB/s (10^6 bytes) and operations per second; 0 for no elapsed time. */
double bench_mb_per_s(uint64_t bytes, double wall_s);
double bench_iops(uint64_t ops, double wall_s);

struct bench_stats {
	uint64_t ops, bytes_read, bytes_written;
	struct bench_hist lat;
};

struct bench_chan {
	unsigned index;
	struct smb2c_chan *ch;
	struct smb2c_transport *t;
	uint32_t tree_id;
	struct smb2c_fid *fids; /* one per test file */
	struct bench_stats st;
	unsigned inflight;
};

struct bench_result {
	const struct bench_opts *o;
	const struct smb2c_conn_info *info;
	const char *mode; /* how the channels were set up */
	bool encrypted;	  /* asked for, or the server's flag */
	bool signed_;
	struct bench_chan *chans;
	unsigned n_chans;
	double wall_s;
	double cpu_user_s, cpu_sys_s;
	bool failed;
	char error[256];
	uint64_t rdma_ops; /* READs/WRITEs that went with an RDMA channel */
	uint64_t verified_bytes;
};

/* The --verify pattern: one 64-bit word per 8 bytes of the file, made of
 * the file number and the word's offset, so misplaced data shows. */
void bench_pattern_fill(uint8_t *buf, uint32_t len, unsigned file,
			uint64_t off);
/* The offset of the first byte that differs from the pattern, or -1. */
int64_t bench_pattern_check(const uint8_t *buf, uint32_t len, unsigned file,
			    uint64_t off);

/* bench_run.c: the measured run over the channels set up. 0 or -errno. */
int bench_run(struct tevent_context *ev, const struct bench_opts *o,
	      struct bench_result *res);

/* bench_report.c */
void bench_print_table(FILE *f, const struct bench_result *r);
int bench_write_json(const char *path, const struct bench_result *r);
const char *bench_rw_name(const struct bench_opts *o);
const char *bench_sign_name(enum smb2_sign_alg alg);

#endif
