/* usmbd-bench output: latency histogram, the table and the JSON file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

const char *bench_rw_name(const struct bench_opts *o)
{
	static const char *const names[] = { "read", "write", "randread",
					     "randwrite", "mix" };

	if (o->op == OP_CREATE_CLOSE)
		return "create-close";
	if (o->op == OP_STAT)
		return "stat";
	return names[o->rw];
}

const char *bench_sign_name(enum smb2_sign_alg alg)
{
	switch (alg) {
	case SMB2_SIGN_AES_GMAC:
		return "AES-GMAC";
	case SMB2_SIGN_AES_CMAC:
		return "AES-CMAC";
	default:
		return "HMAC-SHA256";
	}
}

static const char *cipher_name(uint16_t c)
{
	return c == SMB2_CIPHER_AES128_GCM   ? "AES-128-GCM"
	       : c == SMB2_CIPHER_AES128_CCM ? "AES-128-CCM"
					     : "none";
}

struct row {
	double mbs, iops, p50, p99, p999;
};

static struct row make_row(const struct bench_stats *st, double wall)
{
	struct row r;

	r.mbs = bench_mb_per_s(st->bytes_read + st->bytes_written, wall);
	r.iops = bench_iops(st->ops, wall);
	r.p50 = (double)hist_quantile(&st->lat, 0.5) / 1e3;
	r.p99 = (double)hist_quantile(&st->lat, 0.99) / 1e3;
	r.p999 = (double)hist_quantile(&st->lat, 0.999) / 1e3;
	return r;
}

static void total_stats(const struct bench_result *r, struct bench_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < r->n_chans; i++) {
		const struct bench_stats *s = &r->chans[i].st;

		t->ops += s->ops;
		t->bytes_read += s->bytes_read;
		t->bytes_written += s->bytes_written;
		hist_merge(&t->lat, &s->lat);
	}
}

static void print_row(FILE *f, const char *name, const struct row *r)
{
	fprintf(f, "%-8s %10.1f %10.0f %10.1f %10.1f %10.1f\n", name, r->mbs,
		r->iops, r->p50, r->p99, r->p999);
}

void bench_print_table(FILE *f, const struct bench_result *r)
{
	const struct bench_opts *o = r->o;
	struct bench_stats total;
	struct row row;
	double cpu = r->cpu_user_s + r->cpu_sys_s;

	fprintf(f, "target   //%s:%u/%s as %s%s%s, SMB %x.%x.%x, signing %s, "
		   "encryption %s\n",
		o->host, o->port, o->share, *o->domain ? o->domain : "",
		*o->domain ? "\\" : "", o->user, r->info->dialect >> 8,
		(r->info->dialect >> 4) & 0xf, r->info->dialect & 0xf,
		r->signed_ ? bench_sign_name(r->info->sign_alg) : "off",
		r->encrypted ? cipher_name(r->info->cipher) : "off");
	fprintf(f, "channels %u over %s: %s\n", r->n_chans,
		o->transport == TRANSPORT_RDMA ? "rdma" : "tcp", r->mode);
	if (o->op == OP_IO)
		fprintf(f, "workload %s, bs %u, qd %u per channel, %u file(s) "
			   "of %llu bytes, %.1f s\n",
			bench_rw_name(o), o->bs, o->qd, o->files,
			(unsigned long long)o->file_size, r->wall_s);
	else
		fprintf(f, "workload %s, qd %u per channel, %.1f s\n",
			bench_rw_name(o), o->qd, r->wall_s);
	fprintf(f, "\n%-8s %10s %10s %10s %10s %10s\n", "channel", "MB/s",
		"IOPS", "p50 us", "p99 us", "p99.9 us");
	for (unsigned i = 0; i < r->n_chans; i++) {
		char name[16];

		snprintf(name, sizeof(name), "%u", i);
		row = make_row(&r->chans[i].st, r->wall_s);
		print_row(f, name, &row);
	}
	total_stats(r, &total);
	row = make_row(&total, r->wall_s);
	print_row(f, "total", &row);
	fprintf(f,
		"\nclient cpu %.1f%% of one core (user %.2f s, sys %.2f s)\n",
		r->wall_s > 0 ? 100.0 * cpu / r->wall_s : 0, r->cpu_user_s,
		r->cpu_sys_s);
	if (r->failed)
		fprintf(f, "run FAILED: %s\n", r->error);
}

static void json_row(FILE *f, const struct bench_stats *st, double wall)
{
	struct row r = make_row(st, wall);

	fprintf(f,
		"{\"ops\": %llu, \"bytes_read\": %llu, \"bytes_written\": "
		"%llu, \"mb_s\": %.3f, \"iops\": %.1f, \"lat_us\": {\"p50\": "
		"%.1f, \"p99\": %.1f, \"p99.9\": %.1f, \"max\": %.1f}}",
		(unsigned long long)st->ops,
		(unsigned long long)st->bytes_read,
		(unsigned long long)st->bytes_written, r.mbs, r.iops, r.p50,
		r.p99, r.p999, (double)st->lat.max_ns / 1e3);
}

/* Strings we write are ours or the user's host/share names: escape the
 * two characters JSON needs and drop control characters. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

int bench_write_json(const char *path, const struct bench_result *r)
{
	const struct bench_opts *o = r->o;
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	struct bench_stats total;

	if (!f)
		return -errno;
	fprintf(f, "{\"host\": ");
	json_str(f, o->host);
	fprintf(f, ", \"port\": %u, \"share\": ", o->port);
	json_str(f, o->share);
	fprintf(f, ", \"workload\": \"%s\", \"bs\": %u, \"qd\": %u, "
		   "\"channels\": %u, \"transport\": \"%s\", \"mode\": ",
		bench_rw_name(o), o->bs, o->qd, r->n_chans,
		o->transport == TRANSPORT_RDMA ? "rdma" : "tcp");
	json_str(f, r->mode);
	fprintf(f, ", \"signing\": \"%s\", \"encryption\": \"%s\", "
		   "\"files\": %u, \"file_size\": %llu, \"seconds\": %.3f, "
		   "\"failed\": %s,\n \"per_channel\": [",
		r->signed_ ? bench_sign_name(r->info->sign_alg) : "off",
		r->encrypted ? cipher_name(r->info->cipher) : "off", o->files,
		(unsigned long long)o->file_size, r->wall_s,
		r->failed ? "true" : "false");
	for (unsigned i = 0; i < r->n_chans; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		json_row(f, &r->chans[i].st, r->wall_s);
	}
	total_stats(r, &total);
	fputs("],\n \"total\": ", f);
	json_row(f, &total, r->wall_s);
	fprintf(f, ",\n \"client_cpu\": {\"user_s\": %.3f, \"sys_s\": %.3f}}\n",
		r->cpu_user_s, r->cpu_sys_s);
	if (f != stdout && fclose(f) != 0)
		return -errno;
	return 0;
}
