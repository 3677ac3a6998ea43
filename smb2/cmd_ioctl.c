/*
 * IOCTL (MS-SMB2 3.3.5.15): the FSCTLs of the SMB2 layer (validate
 * negotiate, network interfaces, server-side copy, named pipes) and the
 * file system ones that VM storage and backups use (MS-FSCC 2.3: sparse
 * files, allocated ranges, zeroing, trim, block cloning). Data work runs
 * on the thread pool; the codecs are in smb2/fsctl.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/log.h"
#include "smb2/brlock.h"
#include "smb2/durable.h"
#include "smb2/fsctl.h"
#include "smb2/ipc.h"
#include "smb2/replay.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

#define IOCTL_RSP_SIZE 48
/* a client may ask for millions of allocated ranges; answer at most this
 * many at once (BUFFER_OVERFLOW tells it to ask again from the last) */
#define QAR_MAX_RANGES 65536u
/* what Samba assumes when a NIC does not report its speed */
#define NET_DEFAULT_LINK_SPEED 10000000000ull
/* NTFS_VOLUME_DATA_BUFFER (MS-FSCC 2.3.21) */
#define NTFS_VOLUME_DATA_SIZE 96

struct ioctl_call {
	uint32_t ctl_code;
	uint64_t fid_p, fid_v;
	struct wire_slice in;
	uint32_t max_out;
};

static NTSTATUS ioctl_response(struct smb2_req *req, uint32_t ctl_code,
			       uint64_t fid_p, uint64_t fid_v,
			       const uint8_t *out, uint32_t out_len)
{
	struct wire_wr *w = &req->out;

	wire_wr_u16(w, IOCTL_RSP_SIZE + 1);
	wire_wr_u16(w, 0);
	wire_wr_u32(w, ctl_code);
	wire_wr_u64(w, fid_p);
	wire_wr_u64(w, fid_v);
	wire_wr_u32(w, SMB2_HDR_SIZE + IOCTL_RSP_SIZE); /* InputOffset */
	wire_wr_u32(w, 0);
	wire_wr_u32(w, SMB2_HDR_SIZE + IOCTL_RSP_SIZE); /* OutputOffset */
	wire_wr_u32(w, out_len);
	wire_wr_u32(w, 0);
	wire_wr_u32(w, 0);
	wire_wr_bytes(w, out, out_len);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/* A response for the open o, carrying status (maybe an error, as for
 * copychunk limits, with its output all the same). */
static NTSTATUS open_response(struct smb2_req *req, const struct ioctl_call *c,
			      const struct smb2_open *o, const uint8_t *out,
			      uint32_t out_len, NTSTATUS status)
{
	NTSTATUS rsp = ioctl_response(req, c->ctl_code, o->persistent_id,
				      o->volatile_id, out, out_len);

	return NT_STATUS_IS_OK(rsp) ? status : rsp;
}

/* MS-SMB2 3.3.5.15.12: a mismatch means a man in the middle rewrote the
 * NEGOTIATE: drop the connection. */
static NTSTATUS validate_negotiate(struct smb2_req *req,
				   const struct ioctl_call *c)
{
	struct smb2_conn *conn = req->conn;
	struct wire_rd r;
	uint32_t caps;
	uint8_t guid[16];
	uint16_t mode, count, best = 0;
	uint8_t out[24];

	if (conn->dialect == SMB2_DIALECT_311) {
		smb2_conn_terminate(conn, "VALIDATE_NEGOTIATE_INFO on 3.1.1");
		return NT_STATUS_ACCESS_DENIED;
	}
	wire_rd_init_slice(&r, c->in);
	caps = wire_rd_u32(&r);
	wire_rd_bytes(&r, guid, 16);
	mode = wire_rd_u16(&r);
	count = wire_rd_u16(&r);
	if (r.err || wire_rd_left(&r) < (size_t)count * 2 || c->max_out < 24)
		return NT_STATUS_INVALID_PARAMETER;
	for (uint16_t i = 0; i < count; i++) {
		uint16_t d = wire_rd_u16(&r);
		if (d <= SMB2_DIALECT_302 && d > best)
			best = d;
	}
	if (caps != conn->client_capabilities ||
	    memcmp(guid, conn->client_guid, 16) != 0 ||
	    mode != conn->client_security_mode || best != conn->dialect) {
		smb2_conn_terminate(conn, "VALIDATE_NEGOTIATE_INFO mismatch");
		return NT_STATUS_ACCESS_DENIED;
	}
	put_le32(out, conn->server_capabilities);
	memcpy(out + 4, conn->srv->server_guid, 16);
	put_le16(out + 20, SMB2_NEGOTIATE_SIGNING_ENABLED |
				   (conn->signing_required
					    ? SMB2_NEGOTIATE_SIGNING_REQUIRED
					    : 0));
	put_le16(out + 22, conn->dialect);
	return ioctl_response(req, FSCTL_VALIDATE_NEGOTIATE_INFO, UINT64_MAX,
			      UINT64_MAX, out, sizeof(out));
}

/* FSCTL_PIPE_TRANSCEIVE (MS-SMB2 3.3.5.15.1): an RPC round trip. */
static NTSTATUS pipe_transceive(struct smb2_req *req,
				const struct ioctl_call *c)
{
	struct smb2_open *o = smb2_open_lookup(req, c->fid_p, c->fid_v);
	uint8_t *out;
	size_t out_len;
	NTSTATUS status;

	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (!o->pipe)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	status = smb2_ipc_transceive(o, c->in.p, c->in.len, c->max_out, req,
				     &out, &out_len);
	if (!NT_STATUS_IS_OK(status) &&
	    !NT_STATUS_EQUAL(status, NT_STATUS_BUFFER_OVERFLOW))
		return status;
	return open_response(req, c, o, out, (uint32_t)out_len, status);
}

/* ---- network interfaces (MS-SMB2 3.3.5.15.11) ---- */

/* Reads a small decimal sysfs value; -1 when absent or unknown. */
static long long sysfs_number(const char *ifname, const char *attr)
{
	char path[96], buf[32];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

/* Receive-side scaling needs more than one receive queue. */
static bool nic_has_rss(const char *ifname)
{
	char path[96];
	unsigned rx = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rx-", 3) == 0)
			rx++;
	closedir(d);
	return rx > 1;
}

/* An RDMA device (rxe, siw, a RoCE or iWARP NIC) sits on this netdev:
 * its GID table names it (/sys/class/infiniband/DEV/ports/N/gid_attrs). */
static bool nic_has_rdma(const char *ifname)
{
	DIR *devs = opendir("/sys/class/infiniband");
	struct dirent *dev;
	bool found = false;

	if (!devs)
		return false;
	while (!found && (dev = readdir(devs)) != NULL) {
		char path[320], name[32];
		if (dev->d_name[0] == '.')
			continue;
		/* port 1 is where soft and most hardware devices sit */
		for (int i = 0; i < 4 && !found; i++) {
			FILE *f;
			snprintf(path, sizeof(path),
				 "/sys/class/infiniband/%s/ports/1/gid_attrs/"
				 "ndevs/%d",
				 dev->d_name, i);
			f = fopen(path, "re");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f)) {
				name[strcspn(name, "\n")] = '\0';
				found = strcmp(name, ifname) == 0;
			}
			fclose(f);
		}
	}
	closedir(devs);
	return found;
}

static const struct conf_iface *iface_conf(const struct usmbd_conf *conf,
					   const char *ifname)
{
	for (size_t i = 0; i < conf->n_ifaces; i++)
		if (strcmp(conf->ifaces[i].name, ifname) == 0)
			return &conf->ifaces[i];
	return NULL;
}

/*
 * The admin's 'interfaces' list restricts and overrides what the kernel
 * says; RDMA_CAPABLE is offered only where usmbd listens for SMB Direct.
 */
static bool iface_apply_conf(const struct usmbd_conf *conf,
			     const char *ifname, struct fsctl_net_iface *out)
{
	const struct conf_iface *c = iface_conf(conf, ifname);
	bool rdma;

	if (conf->n_ifaces && !c)
		return false;
	if (c && c->speed)
		out->link_speed = c->speed;
	if (c && c->rss >= 0)
		out->capability = (out->capability &
				   ~FSCTL_NET_IFACE_RSS_CAPABLE) |
				  (c->rss ? FSCTL_NET_IFACE_RSS_CAPABLE : 0);
	rdma = c && c->rdma >= 0 ? c->rdma
				 : conf->n_rdma_listen > 0 && nic_has_rdma(ifname);
	if (rdma)
		out->capability |= FSCTL_NET_IFACE_RDMA_CAPABLE;
	return true;
}

static bool iface_from_ifaddr(const struct ifaddrs *ifa,
			      struct fsctl_net_iface *out)
{
	long long mbps;

	memset(out, 0, sizeof(*out));
	if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) ||
	    strchr(ifa->ifa_name, '/'))
		return false;
	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin =
			(const struct sockaddr_in *)ifa->ifa_addr;
		out->family = FSCTL_NET_AF_INET;
		memcpy(out->addr, &sin->sin_addr, 4);
	} else if (ifa->ifa_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)ifa->ifa_addr;
		out->family = FSCTL_NET_AF_INET6;
		memcpy(out->addr, &sin6->sin6_addr, 16);
		out->scope_id = sin6->sin6_scope_id;
	} else {
		return false;
	}
	out->if_index = if_nametoindex(ifa->ifa_name);
	mbps = sysfs_number(ifa->ifa_name, "speed");
	out->link_speed = mbps > 0 ? (uint64_t)mbps * 1000000u
				   : NET_DEFAULT_LINK_SPEED;
	if (nic_has_rss(ifa->ifa_name))
		out->capability |= FSCTL_NET_IFACE_RSS_CAPABLE;
	return true;
}

/* One entry per address of an up interface; loopback only when there is
 * nothing else (a client would not reach the server there anyway). */
static size_t list_interfaces(TALLOC_CTX *mem_ctx,
			      const struct usmbd_conf *conf,
			      struct fsctl_net_iface **out)
{
	struct ifaddrs *all, *ifa;
	struct fsctl_net_iface *list = NULL;
	size_t n = 0, cap = 0;

	if (getifaddrs(&all) != 0)
		return 0;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (ifa = all; ifa; ifa = ifa->ifa_next) {
			bool lo = ifa->ifa_flags & IFF_LOOPBACK;

			if (lo != (pass == 1))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				list = talloc_realloc(mem_ctx, list,
						      struct fsctl_net_iface,
						      cap);
				if (!list) {
					n = 0;
					goto out;
				}
			}
			if (iface_from_ifaddr(ifa, &list[n]) &&
			    iface_apply_conf(conf, ifa->ifa_name, &list[n]))
				n++;
		}
	}
out:
	freeifaddrs(all);
	*out = list;
	return n;
}

static NTSTATUS query_network_interfaces(struct smb2_req *req,
					 const struct ioctl_call *c)
{
	struct fsctl_net_iface *ifs;
	struct wire_wr w;
	NTSTATUS status;
	size_t n;

	/* not about a file: the FileId must be all ones */
	if (c->fid_p != UINT64_MAX || c->fid_v != UINT64_MAX)
		return NT_STATUS_INVALID_PARAMETER;
	n = list_interfaces(req, req->conn->srv->conf, &ifs);
	if (n == 0)
		return NT_STATUS_NOT_SUPPORTED;
	wire_wr_init(&w, req, n * FSCTL_NET_IFACE_SIZE);
	status = fsctl_net_iface_encode(&w, ifs, n, c->max_out);
	if (!NT_STATUS_IS_OK(status))
		return status;
	return ioctl_response(req, c->ctl_code, UINT64_MAX, UINT64_MAX, w.buf,
			      (uint32_t)w.len);
}

/* ---- requests on an open, answered at once ---- */

/*
 * FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3): a stable object id derived from
 * the inode and device, so it is the same for every open and restart.
 */
static NTSTATUS object_id(struct smb2_req *req, const struct ioctl_call *c,
			  struct smb2_open *o)
{
	struct vfs_stat st;
	uint8_t out[64] = { 0 };

	if (c->max_out < sizeof(out))
		return NT_STATUS_BUFFER_TOO_SMALL;
	if (o->fd < 0 || vfs_fstat(o->fd, &st) != 0)
		return NT_STATUS_INVALID_HANDLE;
	put_le64(out, st.file_id);
	put_le64(out + 8, st.dev);
	put_le64(out + 16, st.dev); /* BirthVolumeId */
	put_le64(out + 32, st.file_id); /* BirthObjectId */
	put_le64(out + 40, st.dev);
	return open_response(req, c, o, out, sizeof(out), NT_STATUS_OK);
}

/* MS-FSA 2.1.5.9.34: any write-ish access will do; directories cannot
 * be sparse. An empty buffer means "set". */
static NTSTATUS set_sparse(struct smb2_req *req, const struct ioctl_call *c,
			   struct smb2_open *o)
{
	bool sparse = c->in.len == 0 || c->in.p[0] != 0;
	int rc;

	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask &
	      (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES)))
		return NT_STATUS_ACCESS_DENIED;
	rc = vfs_set_sparse(o->fd, sparse);
	if (rc < 0)
		return ntstatus_from_errno(-rc);
	return open_response(req, c, o, NULL, 0, NT_STATUS_OK);
}

/* SRV_REQUEST_RESUME_KEY (MS-SMB2 3.3.5.15.5). */
static NTSTATUS request_resume_key(struct smb2_req *req,
				   const struct ioctl_call *c,
				   struct smb2_open *o)
{
	uint8_t out[FSCTL_RESUME_KEY_RSP_SIZE] = { 0 };
	uint32_t len = FSCTL_RESUME_KEY_RSP_SIZE;

	if (c->max_out < FSCTL_RESUME_KEY_RSP_MIN)
		return NT_STATUS_INVALID_PARAMETER;
	if (c->max_out < len)
		len = FSCTL_RESUME_KEY_RSP_MIN;
	fsctl_resume_key_encode(out, o->persistent_id, o->volatile_id,
				req->session->id);
	return open_response(req, c, o, out, len, NT_STATUS_OK);
}

/* NTFS_VOLUME_DATA_BUFFER from statvfs; the MFT fields have no
 * counterpart and stay zero. */
static NTSTATUS ntfs_volume_data(struct smb2_req *req,
				 const struct ioctl_call *c,
				 struct smb2_open *o)
{
	struct vfs_fsinfo fs;
	uint8_t out[NTFS_VOLUME_DATA_SIZE] = { 0 };
	uint32_t bs;
	int rc;

	if (c->max_out < sizeof(out))
		return NT_STATUS_BUFFER_TOO_SMALL;
	rc = vfs_fsinfo(req->tcon->share->vfs, &fs);
	if (rc < 0)
		return ntstatus_from_errno(-rc);
	bs = fs.block_size ? fs.block_size : 4096;
	put_le64(out, (uint32_t)(fs.fsid ^ (fs.fsid >> 32)));
	put_le64(out + 8, fs.total_bytes / 512);  /* NumberSectors */
	put_le64(out + 16, fs.total_bytes / bs);  /* TotalClusters */
	put_le64(out + 24, fs.free_bytes / bs);	  /* FreeClusters */
	put_le32(out + 40, 512);		  /* BytesPerSector */
	put_le32(out + 44, bs);			  /* BytesPerCluster */
	put_le32(out + 48, 1024); /* BytesPerFileRecordSegment */
	put_le32(out + 52, bs <= 1024 ? 1024 / bs : 0);
	return open_response(req, c, o, out, sizeof(out), NT_STATUS_OK);
}

/*
 * No compression is offered (FILE_FILE_COMPRESSION stays clear): files
 * read as uncompressed and only "uncompressed" can be set, as on a
 * volume without it (MS-FSA 2.1.5.9.7, 2.1.5.9.29).
 */
static NTSTATUS compression(struct smb2_req *req, const struct ioctl_call *c,
			    struct smb2_open *o)
{
	uint8_t none[2] = { 0 }; /* COMPRESSION_FORMAT_NONE */

	if (c->ctl_code == FSCTL_GET_COMPRESSION) {
		if (c->max_out < sizeof(none))
			return NT_STATUS_INVALID_PARAMETER;
		return open_response(req, c, o, none, sizeof(none),
				     NT_STATUS_OK);
	}
	if (c->in.len < 2)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask &
	      (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES)))
		return NT_STATUS_ACCESS_DENIED;
	if (get_le16(c->in.p) != 0)
		return NT_STATUS_NOT_SUPPORTED;
	return open_response(req, c, o, NULL, 0, NT_STATUS_OK);
}

/* ---- requests on an open, run on the thread pool ---- */

enum fsctl_kind { JOB_COPYCHUNK, JOB_QAR, JOB_ZERO, JOB_TRIM, JOB_DUP };

struct fsctl_job {
	enum fsctl_kind kind;
	struct smb2_fdref *fdref;     /* the open the IOCTL names */
	struct smb2_fdref *src_fdref; /* copy and clone source */
	bool sparse;
	struct fsctl_range range;     /* QAR, ZERO */
	struct fsctl_range *ranges;   /* TRIM in; QAR out */
	uint32_t n_ranges, cap_ranges;
	struct fsctl_copychunk cc;
	struct fsctl_copychunk_rsp cc_rsp;
	NTSTATUS cc_stop; /* why the chunks after cc.count were dropped */
	struct fsctl_dup_extents dup;
	NTSTATUS status; /* the worker's outcome */
};

struct fsctl_state {
	struct smb2_req *req;
	struct fsctl_job *job;
	struct ioctl_call call;
	uint64_t fid_p, fid_v;
	uint32_t max_out;
};

static int fsctl_job_destructor(struct fsctl_job *job)
{
	if (job->fdref)
		smb2_fdref_put(job->fdref);
	if (job->src_fdref)
		smb2_fdref_put(job->src_fdref);
	return 0;
}

static int file_size(int fd, uint64_t *size)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return -errno;
	*size = (uint64_t)sb.st_size;
	return 0;
}

/* Through a buffer: copy_file_range refuses overlapping ranges of one
 * file and some file system pairs. len is at most one chunk (1 MiB). */
static int copy_buffered(int src, uint64_t src_off, int dst, uint64_t dst_off,
			 size_t len)
{
	uint8_t *buf = malloc(len);
	size_t done = 0;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (done < len) {
		n = pread(src, buf + done, len - done, (off_t)(src_off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -ERANGE;
			goto out;
		}
		done += (size_t)n;
	}
	for (done = 0; done < len;) {
		n = pwrite(dst, buf + done, len - done, (off_t)(dst_off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)n;
	}
out:
	free(buf);
	return rc;
}

static int copy_range(int src, uint64_t src_off, int dst, uint64_t dst_off,
		      size_t len)
{
	while (len > 0) {
		loff_t in = (loff_t)src_off, out = (loff_t)dst_off;
		ssize_t n = copy_file_range(src, &in, dst, &out, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == EINVAL ||
			      errno == EOPNOTSUPP || errno == ENOSYS))
			return copy_buffered(src, src_off, dst, dst_off, len);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ERANGE; /* the source shrank meanwhile */
		src_off += (uint64_t)n;
		dst_off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* MS-SMB2 3.3.5.15.6: chunks in order; a chunk reading past the end of
 * the source fails with STATUS_INVALID_VIEW_SIZE, as on Windows. */
static void job_copychunk(struct fsctl_job *job)
{
	int src = job->src_fdref->fd, dst = job->fdref->fd;

	for (uint32_t i = 0; i < job->cc.count; i++) {
		const struct fsctl_chunk *ch = &job->cc.chunks[i];
		uint64_t size = 0;
		int rc = file_size(src, &size);

		if (rc == 0 && (ch->source_off > size ||
				ch->length > size - ch->source_off))
			rc = -ERANGE;
		if (rc == 0)
			rc = copy_range(src, ch->source_off, dst,
					ch->target_off, ch->length);
		if (rc == -ERANGE) {
			job->status = NT_STATUS_INVALID_VIEW_SIZE;
			return;
		}
		if (rc < 0) {
			job->status = ntstatus_from_errno(-rc);
			return;
		}
		job->cc_rsp.chunks_written++;
		job->cc_rsp.total_bytes_written += ch->length;
	}
	job->status = job->cc_stop;
}

static void qar_add(struct fsctl_job *job, uint64_t from, uint64_t to)
{
	if (to > from && job->n_ranges < job->cap_ranges) {
		job->ranges[job->n_ranges].off = from;
		job->ranges[job->n_ranges].len = to - from;
		job->n_ranges++;
	}
}

/* Allocated ranges within the query and the file: the data extents of a
 * sparse file, all of a non-sparse one (MS-FSA 2.1.5.9.22). */
static void job_qar(struct fsctl_job *job)
{
	int fd = job->fdref->fd;
	uint64_t size, end, pos;
	int rc = file_size(fd, &size);

	if (rc < 0) {
		job->status = ntstatus_from_errno(-rc);
		return;
	}
	end = job->range.off + job->range.len;
	if (end > size)
		end = size;
	if (!job->sparse) {
		qar_add(job, job->range.off, end);
		return;
	}
	for (pos = job->range.off;
	     pos < end && job->n_ranges < job->cap_ranges;) {
		off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
		off_t hole;

		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			goto fail;
		if ((uint64_t)data >= end)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			goto fail;
		qar_add(job, (uint64_t)data,
			(uint64_t)hole < end ? (uint64_t)hole : end);
		pos = (uint64_t)hole;
	}
	return;
fail:
	job->status = ntstatus_from_errno(errno);
}

/* Writes zeros over [off, off+len) of the file's current data. */
static int write_zeros(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];
	uint64_t size;
	int rc = file_size(fd, &size);

	if (rc < 0)
		return rc;
	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	while (len > 0) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/*
 * Zeroes a range without changing the size (MS-FSA 2.1.5.9.38). A sparse
 * file gives the space back; a non-sparse one keeps it allocated where
 * the file system can, as NTFS does. The kernel zeroes partial blocks at
 * either edge itself; where it cannot help, zeros are written.
 */
static int zero_range(int fd, uint64_t off, uint64_t len, bool sparse)
{
	int keep = FALLOC_FL_KEEP_SIZE;

	if (len == 0)
		return 0;
	if (!sparse &&
	    fallocate(fd, FALLOC_FL_ZERO_RANGE | keep, (off_t)off,
		      (off_t)len) == 0)
		return 0;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | keep, (off_t)off,
		      (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	return write_zeros(fd, off, len);
}

static void job_zero(struct fsctl_job *job)
{
	int rc = zero_range(job->fdref->fd, job->range.off, job->range.len,
			    job->sparse);

	if (rc < 0)
		job->status = ntstatus_from_errno(-rc);
}

/* FILE_LEVEL_TRIM (MS-FSCC 2.3.73): the client no longer needs the
 * data; giving the blocks back is the point, so punch. */
static void job_trim(struct fsctl_job *job)
{
	int fd = job->fdref->fd;

	for (uint32_t i = 0; i < job->n_ranges; i++) {
		const struct fsctl_range *r = &job->ranges[i];

		if (r->len > 0 &&
		    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)r->off, (off_t)r->len) != 0 &&
		    errno != EOPNOTSUPP) {
			job->status = ntstatus_from_errno(errno);
			return;
		}
	}
}

/* Block cloning where the file system shares extents (btrfs, XFS);
 * elsewhere the answer of a volume without it (NTFS). */
static void job_dup(struct fsctl_job *job)
{
	struct file_clone_range fcr = {
		.src_fd = job->src_fdref->fd,
		.src_offset = job->dup.source_off,
		.src_length = job->dup.byte_count,
		.dest_offset = job->dup.target_off,
	};
	uint64_t size = 0;
	int rc;

	if (job->dup.byte_count == 0)
		return;
	rc = file_size(fcr.src_fd, &size);
	if (rc < 0) {
		job->status = ntstatus_from_errno(-rc);
		return;
	}
	if (job->dup.source_off + job->dup.byte_count > size) {
		job->status = NT_STATUS_NOT_SUPPORTED;
		return;
	}
	if (ioctl(job->fdref->fd, FICLONERANGE, &fcr) == 0)
		return;
	if (errno == EOPNOTSUPP || errno == EXDEV || errno == ENOTTY ||
	    errno == EINVAL)
		job->status = NT_STATUS_INVALID_DEVICE_REQUEST;
	else
		job->status = ntstatus_from_errno(errno);
}

static void fsctl_job_run(void *private_data)
{
	struct fsctl_job *job = private_data;

	switch (job->kind) {
	case JOB_COPYCHUNK:
		job_copychunk(job);
		break;
	case JOB_QAR:
		job_qar(job);
		break;
	case JOB_ZERO:
		job_zero(job);
		break;
	case JOB_TRIM:
		job_trim(job);
		break;
	case JOB_DUP:
		job_dup(job);
		break;
	}
}

/* The output of a finished job and the status it goes with. */
static NTSTATUS fsctl_job_output(const struct fsctl_state *state,
				 struct wire_wr *w)
{
	struct fsctl_job *job = state->job;
	uint8_t cc[FSCTL_COPYCHUNK_RSP_SIZE];

	switch (job->kind) {
	case JOB_COPYCHUNK:
		/* the counts go with a failure too (MS-SMB2 3.3.5.15.6) */
		fsctl_copychunk_rsp_encode(cc, &job->cc_rsp);
		wire_wr_bytes(w, cc, sizeof(cc));
		return job->status;
	case JOB_QAR:
		if (!NT_STATUS_IS_OK(job->status))
			return job->status;
		return fsctl_qar_encode(w, job->ranges, job->n_ranges,
					state->max_out);
	case JOB_TRIM:
		if (!NT_STATUS_IS_OK(job->status))
			return job->status;
		wire_wr_u32(w, job->n_ranges); /* NumRangesProcessed */
		return NT_STATUS_OK;
	case JOB_ZERO:
	case JOB_DUP:
		break;
	}
	return job->status;
}

static void fsctl_job_done(struct tevent_req *subreq)
{
	struct fsctl_state *state =
		tevent_req_callback_data(subreq, struct fsctl_state);
	struct smb2_req *req = state->req;
	struct wire_wr w;
	NTSTATUS status, rsp;
	int rc = threadpool_run_recv(subreq);

	TALLOC_FREE(subreq);
	if (rc != 0) {
		smb2_req_complete(req, ntstatus_from_errno(rc));
		return;
	}
	wire_wr_init(&w, state, 64);
	status = fsctl_job_output(state, &w);
	if (w.err) {
		smb2_req_complete(req, NT_STATUS_NO_MEMORY);
		return;
	}
	/* an error without output is sent as a plain error response */
	if (NT_STATUS_IS_ERR(status) && w.len == 0) {
		smb2_req_complete(req, status);
		return;
	}
	rsp = ioctl_response(req, state->call.ctl_code, state->fid_p,
			     state->fid_v, w.buf, (uint32_t)w.len);
	smb2_req_complete(req, NT_STATUS_IS_OK(rsp) ? status : rsp);
}

static struct fsctl_job *fsctl_job_new(struct smb2_req *req,
				       enum fsctl_kind kind,
				       struct smb2_open *o)
{
	struct fsctl_job *job = talloc_zero(req, struct fsctl_job);

	if (!job)
		return NULL;
	job->kind = kind;
	job->fdref = smb2_fdref_get(o->fdref);
	talloc_set_destructor(job, fsctl_job_destructor);
	return job;
}

static NTSTATUS fsctl_job_start(struct smb2_req *req,
				const struct ioctl_call *c,
				struct smb2_open *o, struct fsctl_job *job)
{
	struct fsctl_state *state = talloc_zero(req, struct fsctl_state);
	struct tevent_req *subreq;

	if (!state) {
		talloc_free(job);
		return NT_STATUS_NO_MEMORY;
	}
	state->req = req;
	state->job = job;
	state->call = *c;
	state->fid_p = o->persistent_id;
	state->fid_v = o->volatile_id;
	state->max_out = c->max_out;
	subreq = threadpool_run_send(state, req->conn->srv->ev,
				     req->conn->srv->tp, fsctl_job_run, job);
	if (!subreq)
		return NT_STATUS_NO_MEMORY;
	tevent_req_set_callback(subreq, fsctl_job_done, state);
	return SMB2_STATUS_ASYNC;
}

static bool is_sparse(const struct smb2_open *o)
{
	struct vfs_stat st;

	return vfs_fstat(o->fd, &st) == 0 &&
	       (st.attributes & FILE_ATTRIBUTE_SPARSE_FILE);
}

static NTSTATUS query_allocated_ranges(struct smb2_req *req,
				       const struct ioctl_call *c,
				       struct smb2_open *o)
{
	struct fsctl_range range;
	struct fsctl_job *job;
	NTSTATUS status;

	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask & FILE_READ_DATA))
		return NT_STATUS_ACCESS_DENIED;
	status = fsctl_qar_decode(c->in, &range);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (range.len == 0)
		return open_response(req, c, o, NULL, 0, NT_STATUS_OK);
	job = fsctl_job_new(req, JOB_QAR, o);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->range = range;
	job->sparse = is_sparse(o);
	/* one more than fits tells "truncated" from "complete" */
	job->cap_ranges = c->max_out / FSCTL_ALLOCATED_RANGE_SIZE;
	if (job->cap_ranges > QAR_MAX_RANGES)
		job->cap_ranges = QAR_MAX_RANGES;
	job->cap_ranges++;
	job->ranges = talloc_array(job, struct fsctl_range, job->cap_ranges);
	if (!job->ranges) {
		talloc_free(job);
		return NT_STATUS_NO_MEMORY;
	}
	return fsctl_job_start(req, c, o, job);
}

static NTSTATUS set_zero_data(struct smb2_req *req, const struct ioctl_call *c,
			      struct smb2_open *o)
{
	struct fsctl_range range;
	struct fsctl_job *job;
	NTSTATUS status;

	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask & FILE_WRITE_DATA))
		return NT_STATUS_ACCESS_DENIED;
	status = fsctl_zero_data_decode(c->in, &range);
	if (!NT_STATUS_IS_OK(status))
		return status;
	/* zeroing is writing (MS-FSA 2.1.5.9.38) */
	status = smb2_brlock_check_rw(o, range.off, range.len, true);
	if (!NT_STATUS_IS_OK(status))
		return status;
	job = fsctl_job_new(req, JOB_ZERO, o);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->range = range;
	job->sparse = is_sparse(o);
	return fsctl_job_start(req, c, o, job);
}

static NTSTATUS file_level_trim(struct smb2_req *req,
				const struct ioctl_call *c,
				struct smb2_open *o)
{
	struct fsctl_job *job;
	NTSTATUS status;

	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask & FILE_WRITE_DATA))
		return NT_STATUS_ACCESS_DENIED;
	if (c->max_out < 4)
		return NT_STATUS_BUFFER_TOO_SMALL;
	job = fsctl_job_new(req, JOB_TRIM, o);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	status = fsctl_trim_decode(job, c->in, &job->ranges, &job->n_ranges);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(job);
		return status;
	}
	return fsctl_job_start(req, c, o, job);
}

/* The open a resume key names, in this session (any of its trees). */
static struct smb2_open *resume_key_open(struct smb2_req *req,
					 const uint8_t *key)
{
	uint64_t fid_p, fid_v;

	if (!fsctl_resume_key_decode(key, req->session->id, &fid_p, &fid_v))
		return NULL;
	for (struct smb2_tcon *t = req->session->tcons; t; t = t->next) {
		struct smb2_open *o = smb2_open_find(t, fid_p, fid_v);

		if (o)
			return o;
	}
	return NULL;
}

static NTSTATUS copy_limits_response(struct smb2_req *req,
				     const struct ioctl_call *c,
				     struct smb2_open *o)
{
	struct fsctl_copychunk_rsp lim = fsctl_copychunk_limits();
	uint8_t out[FSCTL_COPYCHUNK_RSP_SIZE];

	fsctl_copychunk_rsp_encode(out, &lim);
	return open_response(req, c, o, out, sizeof(out),
			     NT_STATUS_INVALID_PARAMETER);
}

/*
 * Copies read the source and write the target through the byte-range
 * lock checks, as on Windows 2012 and later: the chunks before the first
 * one that hits a lock are copied, then FILE_LOCK_CONFLICT.
 */
static void copychunk_check_locks(struct fsctl_job *job,
				  struct smb2_open *src, struct smb2_open *dst)
{
	for (uint32_t i = 0; i < job->cc.count; i++) {
		const struct fsctl_chunk *ch = &job->cc.chunks[i];
		NTSTATUS st = smb2_brlock_check_rw(src, ch->source_off,
						   ch->length, false);

		if (NT_STATUS_IS_OK(st))
			st = smb2_brlock_check_rw(dst, ch->target_off,
						  ch->length, true);
		if (!NT_STATUS_IS_OK(st)) {
			job->cc.count = i;
			job->cc_stop = st;
			return;
		}
	}
}

/*
 * SRV_COPYCHUNK / SRV_COPYCHUNK_WRITE (MS-SMB2 3.3.5.15.6): the target
 * needs WRITE_DATA, and READ_DATA too for COPYCHUNK (the client could
 * read it back); the source needs READ_DATA or EXECUTE.
 */
static NTSTATUS server_side_copy(struct smb2_req *req,
				 const struct ioctl_call *c,
				 struct smb2_open *o)
{
	uint32_t need = FILE_WRITE_DATA;
	struct smb2_open *src;
	struct fsctl_job *job;
	NTSTATUS status;

	if (c->max_out < FSCTL_COPYCHUNK_RSP_SIZE)
		return NT_STATUS_INVALID_PARAMETER;
	if (o->is_dir)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	job = fsctl_job_new(req, JOB_COPYCHUNK, o);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	status = fsctl_copychunk_decode(job, c->in, &job->cc);
	if (!NT_STATUS_IS_OK(status))
		goto fail;
	if (!fsctl_copychunk_within_limits(&job->cc) || job->cc.count == 0) {
		talloc_free(job);
		return copy_limits_response(req, c, o);
	}
	if (c->ctl_code == FSCTL_SRV_COPYCHUNK)
		need |= FILE_READ_DATA;
	status = NT_STATUS_ACCESS_DENIED;
	if ((o->access_mask & need) != need)
		goto fail;
	src = resume_key_open(req, job->cc.source_key);
	status = NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (!src || src->fd < 0 || src->is_dir || !src->fdref)
		goto fail;
	status = NT_STATUS_ACCESS_DENIED;
	if (!(src->access_mask & (FILE_READ_DATA | FILE_EXECUTE)))
		goto fail;
	job->src_fdref = smb2_fdref_get(src->fdref);
	copychunk_check_locks(job, src, o);
	return fsctl_job_start(req, c, o, job);
fail:
	talloc_free(job);
	return status;
}

static NTSTATUS duplicate_extents(struct smb2_req *req,
				  const struct ioctl_call *c,
				  struct smb2_open *o)
{
	struct fsctl_dup_extents dup;
	struct smb2_open *src;
	struct fsctl_job *job;
	NTSTATUS status;

	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	status = fsctl_dup_extents_decode(c->in, &dup);
	if (!NT_STATUS_IS_OK(status))
		return status;
	src = smb2_open_find(req->tcon, dup.src_fid_p, dup.src_fid_v);
	if (!src || src->fd < 0 || src->is_dir || !src->fdref)
		return NT_STATUS_INVALID_HANDLE;
	if (!(o->access_mask & FILE_WRITE_DATA) ||
	    !(src->access_mask & FILE_READ_DATA))
		return NT_STATUS_ACCESS_DENIED;
	job = fsctl_job_new(req, JOB_DUP, o);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->dup = dup;
	job->src_fdref = smb2_fdref_get(src->fdref);
	return fsctl_job_start(req, c, o, job);
}

/* FSCTLs on a file or directory of a disk share. */
static NTSTATUS file_fsctl(struct smb2_req *req, const struct ioctl_call *c,
			   struct smb2_open *o)
{
	if (o->fd < 0 || !o->fdref)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	switch (c->ctl_code) {
	case FSCTL_SET_SPARSE:
		return set_sparse(req, c, o);
	case FSCTL_QUERY_ALLOCATED_RANGES:
		return query_allocated_ranges(req, c, o);
	case FSCTL_SET_ZERO_DATA:
		return set_zero_data(req, c, o);
	case FSCTL_FILE_LEVEL_TRIM:
		return file_level_trim(req, c, o);
	case FSCTL_SRV_REQUEST_RESUME_KEY:
		return request_resume_key(req, c, o);
	case FSCTL_SRV_COPYCHUNK:
	case FSCTL_SRV_COPYCHUNK_WRITE:
		return server_side_copy(req, c, o);
	case FSCTL_DUPLICATE_EXTENTS_TO_FILE:
		return duplicate_extents(req, c, o);
	case FSCTL_GET_NTFS_VOLUME_DATA:
		return ntfs_volume_data(req, c, o);
	case FSCTL_GET_COMPRESSION:
	case FSCTL_SET_COMPRESSION:
		return compression(req, c, o);
	case FSCTL_GET_REPARSE_POINT:
		/* no reparse points are kept (MS-FSA 2.1.5.9.14) */
		return NT_STATUS_NOT_A_REPARSE_POINT;
	case FSCTL_IS_PATHNAME_VALID:
		/* MS-FSA 2.1.5.9.16: always success */
		return open_response(req, c, o, NULL, 0, NT_STATUS_OK);
	default:
		/* integrity streams and the rest, as an NTFS volume that
		 * has not got them answers */
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	}
}

NTSTATUS smb2_cmd_ioctl(struct smb2_req *req)
{
	struct wire_rd r;
	struct ioctl_call c;
	uint32_t in_off, in_count, flags;
	struct smb2_open *o;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 4);
	c.ctl_code = wire_rd_u32(&r);
	c.fid_p = wire_rd_u64(&r);
	c.fid_v = wire_rd_u64(&r);
	in_off = wire_rd_u32(&r);
	in_count = wire_rd_u32(&r);
	wire_rd_skip(&r, 4 + 4 + 4); /* MaxInput, OutputOffset/Count */
	c.max_out = wire_rd_u32(&r);
	flags = wire_rd_u32(&r);
	if (r.err || !wire_slice_at(&req->in, in_off, in_count, &c.in))
		return NT_STATUS_INVALID_PARAMETER;
	if (!(flags & SMB2_0_IOCTL_IS_FSCTL))
		return NT_STATUS_NOT_SUPPORTED;
	if (in_count > req->conn->max_trans ||
	    c.max_out > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER;
	switch (c.ctl_code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		return validate_negotiate(req, &c);
	case FSCTL_QUERY_NETWORK_INTERFACE_INFO:
		return query_network_interfaces(req, &c);
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601b0: /* FSCTL_DFS_GET_REFERRALS_EX */
		return NT_STATUS_FS_DRIVER_REQUIRED;
	case FSCTL_PIPE_TRANSCEIVE:
		return pipe_transceive(req, &c);
	default:
		break;
	}
	/* the rest operate on an open */
	o = smb2_open_lookup(req, c.fid_p, c.fid_v);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	switch (c.ctl_code) {
	case FSCTL_CREATE_OR_GET_OBJECT_ID:
	case FSCTL_GET_OBJECT_ID:
		return object_id(req, &c, o);
	case FSCTL_LMR_REQUEST_RESILIENCY:
		status = smb2_durable_request_resiliency(req, o, c.in);
		if (!NT_STATUS_IS_OK(status))
			return status;
		return open_response(req, &c, o, NULL, 0, status);
	default:
		break;
	}
	status = smb2_replay_check(req, o);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (req->tcon->is_ipc || o->pipe)
		return NT_STATUS_NOT_SUPPORTED;
	return file_fsctl(req, &c, o);
}
