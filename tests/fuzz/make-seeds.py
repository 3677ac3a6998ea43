#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets under tests/fuzz/corpus/.

Every seed is a valid (or deliberately borderline) message as a client
sends it, so the fuzzers start past the first length and magic checks.
The server target takes a list of messages, each prefixed with its length
as a little-endian 16-bit number; session, tree and file ids in the seeds
are those the fuzz harness makes the server hand out (all start at 1).

Usage: make-seeds.py [corpus-dir]   (python3 standard library only)
"""
import hashlib
import hmac
import os
import struct
import sys
import uuid

P16 = struct.Struct('<H')
HDR = 64


def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)
def utf16(s): return s.encode('utf-16-le')
def pad8(b): return b + b'\0' * (-len(b) % 8)


# ---- SMB2 (MS-SMB2 2.2) ----

FID_RELATED = b'\xff' * 16


def fid(p=1, v=1):
    return u64(p) + u64(v)


def smb2_hdr(cmd, mid, sid=0, tid=0, flags=0, next_cmd=0, credits=64,
             charge=1):
    return (b'\xfeSMB' + u16(64) + u16(charge) + u32(0) + u16(cmd) +
            u16(credits) + u32(flags) + u32(next_cmd) + u64(mid) +
            u32(0xfeff) + u32(tid) + u64(sid) + b'\0' * 16)


def negotiate(dialects, contexts=True, caps=0x7f):
    guid = bytes(range(16))
    fixed = 36
    dial = b''.join(u16(d) for d in dialects)
    ctx = b''
    ctx_off = 0
    n_ctx = 0
    if contexts and 0x0311 in dialects:
        items = [
            # preauth integrity: SHA-512 with a 32-byte salt (2.2.3.1.1)
            (1, u16(1) + u16(32) + u16(1) + bytes(range(32))),
            # encryption: GCM and CCM, 128 and 256 (2.2.3.1.2)
            (2, u16(4) + u16(2) + u16(1) + u16(4) + u16(3)),
            # compression: LZ77 (2.2.3.1.3)
            (3, u16(1) + u16(0) + u32(0) + u16(2)),
            (5, utf16('fuzzserver')),
            (6, u32(0)),
            (7, u16(1) + u16(0) + u32(0) + u16(1)),
            # signing: AES-GMAC, AES-CMAC (2.2.3.1.7)
            (8, u16(2) + u16(2) + u16(1)),
        ]
        body_end = HDR + fixed + len(dial)
        ctx_off = body_end + (-body_end % 8)
        parts = []
        for t, data in items:
            parts.append(pad8(u16(t) + u16(len(data)) + u32(0) + data))
        ctx = b''.join(parts)
        ctx = ctx[:len(ctx) - (-len(items[-1][1]) % 8)]
        n_ctx = len(items)
    body = (u16(36) + u16(len(dialects)) + u16(1) + u16(0) + u32(caps) +
            guid + u32(ctx_off) + u16(n_ctx) + u16(0) + dial)
    if ctx:
        body += b'\0' * (ctx_off - HDR - len(body)) + ctx
    return body


def session_setup(token, flags=0):
    return (u16(25) + bytes([flags, 1]) + u32(0) + u32(0) + u16(88) +
            u16(len(token)) + u64(0) + token)


def tree_connect(path):
    p = utf16(path)
    return u16(9) + u16(0) + u16(72) + u16(len(p)) + p


def create_context(name, data):
    name_off = 16
    data_off = 24 if data else 0
    return (u32(0) + u16(name_off) + u16(len(name)) + u16(0) +
            u16(data_off) + u32(len(data)) + pad8(name) + data)


def chain_contexts(items):
    out = b''
    for i, c in enumerate(items):
        if i < len(items) - 1:
            c = pad8(c)
            c = u32(len(c)) + c[4:]
        out += c
    return out


def create(name, access=0x12019f, disposition=1, options=0, contexts=(),
           share=7, attrs=0x80, oplock=0):
    n = utf16(name)
    fixed = 56
    name_off = HDR + fixed
    buf = n if n else b'\0'
    ctx = chain_contexts(list(contexts)) if contexts else b''
    ctx_off = 0
    if ctx:
        end = name_off + len(buf)
        ctx_off = end + (-end % 8)
        buf += b'\0' * (ctx_off - end) + ctx
    return (u16(57) + bytes([0, oplock]) + u32(2) + u64(0) + u64(0) +
            u32(access) + u32(attrs) + u32(share) + u32(disposition) +
            u32(options) + u16(name_off) + u16(len(n)) + u32(ctx_off) +
            u32(len(ctx)) + buf)


def close(f=None, flags=1):
    return u16(24) + u16(flags) + u32(0) + (f or fid())


def flush(f=None):
    return u16(24) + u16(0) + u32(0) + (f or fid())


def read(f=None, length=4096, offset=0):
    return (u16(49) + bytes([0x50, 0]) + u32(length) + u64(offset) +
            (f or fid()) + u32(0) + u32(0) + u32(0) + u16(0) + u16(0) +
            b'\0')


def write(data, f=None, offset=0):
    return (u16(49) + u16(HDR + 48) + u32(len(data)) + u64(offset) +
            (f or fid()) + u32(0) + u32(0) + u16(0) + u16(0) + u32(0) +
            data)


def lock(f=None, flags=2):
    return (u16(48) + u16(1) + u32(0) + (f or fid()) + u64(0) + u64(10) +
            u32(flags) + u32(0))


def ioctl(code, data=b'', f=None, max_out=65536):
    return (u16(57) + u16(0) + u32(code) + (f or FID_RELATED) +
            u32(HDR + 56 if data else 0) + u32(len(data)) + u32(0) +
            u32(0) + u32(0) + u32(max_out) + u32(1) + u32(0) +
            (data or b''))


def query_directory(pattern='*', cls=37, flags=1, f=None, out_len=65536):
    p = utf16(pattern)
    return (u16(33) + bytes([cls, flags]) + u32(0) + (f or fid()) +
            u16(HDR + 32) + u16(len(p)) + u32(out_len) + (p or b'\0'))


def change_notify(f=None):
    return u16(32) + u16(0) + u32(4096) + (f or fid()) + u32(0x17) + u32(0)


def query_info(info_type, cls, f=None, out_len=65536, addl=0, inp=b''):
    return (u16(41) + bytes([info_type, cls]) + u32(out_len) +
            u16(HDR + 40 if inp else 0) + u16(0) + u32(len(inp)) +
            u32(addl) + u32(0) + (f or fid()) + (inp or b'\0'))


def set_info(info_type, cls, buf, f=None, addl=0):
    return (u16(33) + bytes([info_type, cls]) + u32(len(buf)) +
            u16(HDR + 32) + u16(0) + u32(addl) + (f or fid()) + buf)


def oplock_break(f=None):
    return u16(24) + bytes([0, 0]) + u32(0) + (f or fid())


def simple4():
    return u16(4) + u16(0)


def compound(elems):
    """elems: (cmd, body, kwargs); related elements get the flag."""
    out = b''
    for i, (cmd, body, kw) in enumerate(elems):
        last = i == len(elems) - 1
        msg = smb2_hdr(cmd, **kw) + body
        if not last:
            msg = pad8(msg)
            msg = msg[:20] + u32(len(msg)) + msg[24:]
        out += msg
    return out


# ---- SMB1 negotiate (MS-SMB 2.2.4.5.1, MS-SMB2 3.3.5.3.1) ----

def smb1_negotiate(dialects):
    hdr = (b'\xffSMB' + bytes([0x72]) + u32(0) + bytes([0x18]) +
           u16(0xc853) + u16(0) + b'\0' * 8 + u16(0) + u16(0xffff) +
           u16(0xfeff) + u16(0) + u16(0))
    data = b''.join(b'\x02' + d.encode() + b'\0' for d in dialects)
    return hdr + b'\0' + u16(len(data)) + data


# ---- DER / SPNEGO (RFC 4178) ----

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


OID_SPNEGO = bytes.fromhex('2b0601050502')
OID_NTLMSSP = bytes.fromhex('2b0601040182370202 0a'.replace(' ', ''))
OID_KRB5 = bytes.fromhex('2a864886f712010202')
OID_MSKRB5 = bytes.fromhex('2a864882f712010202')


def neg_token_init(token, mechs=(OID_NTLMSSP,), mic=None):
    mech_types = der(0x30, b''.join(der(0x06, m) for m in mechs))
    inner = der(0xa0, mech_types)
    if token is not None:
        inner += der(0xa2, der(0x04, token))
    if mic is not None:
        inner += der(0xa3, der(0x04, mic))
    return der(0x60, der(0x06, OID_SPNEGO) + der(0xa0, der(0x30, inner)))


def neg_token_resp(token, mic=None, state=None):
    inner = b''
    if state is not None:
        inner += der(0xa0, der(0x0a, bytes([state])))
    if token is not None:
        inner += der(0xa2, der(0x04, token))
    if mic is not None:
        inner += der(0xa3, der(0x04, mic))
    return der(0xa1, der(0x30, inner))


# ---- NTLMSSP (MS-NLMP 2.2.1) ----

NTLM_FLAGS = 0xe2088297  # unicode, sign, seal, NTLM, ESS, 128, key exch...
FUZZ_CHALLENGE = bytes(range(1, 9))  # fuzz_ntlmssp.c's fixed challenge
FUZZ_NT_HASH = bytes.fromhex('8846f7eaee8fb117ad06bdd830b7586c')


def ntlm_negotiate(flags=NTLM_FLAGS):
    return (b'NTLMSSP\0' + u32(1) + u32(flags) + u16(0) + u16(0) +
            u32(40) + u16(0) + u16(0) + u32(40) +
            bytes([10, 0]) + u16(19041) + b'\0\0\0\x0f')


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xff
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for c in data:
        i = (i + 1) & 0xff
        j = (j + s[i]) & 0xff
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) & 0xff])
    return bytes(out)


def ntlm_authenticate(user='', domain='', ws='WS', nt=b'', lm=b'',
                      enc_key=b'', flags=NTLM_FLAGS):
    fields = [lm, nt, utf16(domain), utf16(user), utf16(ws), enc_key]
    off = 88  # fixed part with version and MIC
    hdr = b'NTLMSSP\0' + u32(3)
    payload = b''
    descs = b''
    for f in fields:
        descs += u16(len(f)) + u16(len(f)) + u32(off + len(payload))
        payload += f
    return (hdr + descs + u32(flags) + bytes([10, 0]) + u16(19041) +
            b'\0\0\0\x0f' + b'\0' * 16 + payload)


def ntlmv2_response(user, domain, nt_hash, challenge, av=b''):
    ntowf = hmac.new(nt_hash, utf16(user.upper()) + utf16(domain),
                     hashlib.md5).digest()
    av = av or (u16(2) + u16(6) + utf16('DOM') + u16(0) + u16(0))
    blob = (b'\x01\x01' + b'\0' * 6 + u64(0x01d0000000000000) +
            bytes(range(0x20, 0x28)) + u32(0) + av + u32(0))
    proof = hmac.new(ntowf, challenge + blob, hashlib.md5).digest()
    base = hmac.new(ntowf, proof, hashlib.md5).digest()
    return proof + blob, base


# ---- the corpora ----

def length_prefixed(parts):
    return b''.join(P16.pack(len(p)) + p for p in parts)


class Session:
    """Builds the messages of one connection with running MessageIds."""

    def __init__(self, dialects=(0x0202, 0x0210, 0x0300, 0x0302, 0x0311)):
        self.mid = 0
        self.msgs = [self.one(0, negotiate(list(dialects)))]

    def one(self, cmd, body, **kw):
        kw.setdefault('mid', self.next_mid())
        return smb2_hdr(cmd, **kw) + body

    def next_mid(self):
        m = self.mid
        self.mid += 1
        return m

    def add(self, cmd, body, **kw):
        self.msgs.append(self.one(cmd, body, **kw))
        return self

    def add_compound(self, elems):
        full = []
        for i, (cmd, body, kw) in enumerate(elems):
            kw = dict(kw)
            kw['mid'] = self.next_mid()
            full.append((cmd, body, kw))
        self.msgs.append(compound(full))
        return self

    def anonymous_logon(self, spnego=True):
        neg = ntlm_negotiate()
        auth = ntlm_authenticate(lm=b'\0')
        if spnego:
            t1, t3 = neg_token_init(neg), neg_token_resp(auth)
        else:
            t1, t3 = neg, auth
        self.add(1, session_setup(t1))
        self.add(1, session_setup(t3), sid=1)
        return self

    def tree(self, share='share'):
        return self.add(3, tree_connect('\\\\FUZZ\\' + share), sid=1)

    def data(self):
        return length_prefixed(self.msgs)


def T(**kw):
    d = {'sid': 1, 'tid': 1}
    d.update(kw)
    return d


REL = {'flags': 4, 'sid': 1, 'tid': 1}


def server_seeds():
    s = {}
    s['negotiate-311'] = Session().data()
    s['negotiate-202'] = Session((0x0202,)).data()
    s['negotiate-300'] = Session((0x0300, 0x0302)).data()
    s['negotiate-wildcard'] = length_prefixed([
        smb2_hdr(0, 0) + negotiate([0x0202, 0x02ff], contexts=False)])
    s['smb1-negotiate'] = length_prefixed([
        smb1_negotiate(['PC NETWORK PROGRAM 1.0', 'NT LM 0.12',
                        'SMB 2.002', 'SMB 2.???']),
        smb2_hdr(0, 1) + negotiate([0x0202, 0x0210, 0x0300],
                                   contexts=False)])
    s['session-anonymous'] = Session().anonymous_logon().data()
    s['session-raw-ntlmssp'] = Session((0x0210,)).anonymous_logon(
        spnego=False).data()
    s['session-bad-user'] = Session((0x0300,)).add(
        1, session_setup(neg_token_init(ntlm_negotiate()))).add(
        1, session_setup(neg_token_resp(ntlm_authenticate(
            user='nobody', domain='DOM',
            nt=ntlmv2_response('nobody', 'DOM', FUZZ_NT_HASH,
                               FUZZ_CHALLENGE)[0]))), sid=1).data()
    s['session-krb5-only'] = Session().add(1, session_setup(
        neg_token_init(None, mechs=(OID_MSKRB5, OID_KRB5)))).data()

    for dialects, tag in (((0x0210,), '210'), ((0x0311,), '311')):
        def base():
            return Session(dialects).anonymous_logon().tree()

        s['tree-' + tag] = base().add(4, simple4(), **T()).add(
            2, simple4(), sid=1).data()
        s['ipc-' + tag] = Session(dialects).anonymous_logon().tree(
            'IPC$').add(5, create('srvsvc', access=0x12019f),
                        **T()).add(
            11, ioctl(0x0011c017, b'\x05\x00\x0b\x03' + b'\0' * 68,
                      f=fid()), **T()).data()
        s['create-contexts-' + tag] = base().add(5, create(
            'file.txt', oplock=0xff, contexts=[
                create_context(b'MxAc', b''),
                create_context(b'QFid', b''),
                create_context(b'DHnQ', b'\0' * 16),
                create_context(b'RqLs', b'\0' * 16 + u32(7) + u32(0) +
                               u64(0)),
                create_context(b'AlSi', u64(4096)),
            ]), **T()).add(6, close(), **T()).data()
        s['create-timewarp-' + tag] = base().add(5, create(
            'file.txt', contexts=[create_context(
                b'TWrp', u64(0x01d0000000000000))]), **T()).data()
        s['compound-read-' + tag] = base().add_compound([
            (5, create('file.txt'), T()),
            (8, read(FID_RELATED), REL),
            (16, query_info(1, 18, FID_RELATED), REL),
            (6, close(FID_RELATED), REL),
        ]).data()
        s['write-' + tag] = base().add(5, create(
            'new.txt', access=0x12019f | 0x10000, disposition=5),
            **T()).add(9, write(b'hello, fuzz\n' * 8), **T()).add(
            7, flush(), **T()).add(8, read(), **T()).add(
            10, lock(), **T()).add(10, lock(flags=4), **T()).add(
            6, close(), **T()).data()
        s['query-directory-' + tag] = base().add(5, create(
            '', access=0x100081, options=1), **T())
        for cls in (1, 2, 3, 12, 37, 38, 60):
            s['query-directory-' + tag].add(
                14, query_directory('*', cls=cls), **T())
        s['query-directory-' + tag].add(
            14, query_directory('f<.t?t', flags=0), **T()).add(
            15, change_notify(), **T()).add(6, close(), **T())
        s['query-directory-' + tag] = s['query-directory-' + tag].data()
        q = base().add(5, create('dir\\inner.txt'), **T())
        for cls in (4, 5, 6, 7, 8, 9, 14, 16, 17, 18, 21, 22, 28, 34, 35):
            q.add(16, query_info(1, cls), **T())
        for cls in (1, 3, 4, 5, 6, 7, 8, 11):
            q.add(16, query_info(2, cls), **T())
        q.add(16, query_info(3, 0, addl=7), **T())
        q.add(16, query_info(4, 0, inp=b'\0' * 24), **T())
        s['query-info-' + tag] = q.add(6, close(), **T()).data()
        name = utf16('renamed.txt')
        si = base().add(5, create('file.txt', access=0x1f01ff),
                        **T())
        for cls, buf in (
                (4, u64(0x01d0000000000000) * 4 + u32(0x20) + u32(0)),
                (14, u64(5)), (16, u32(0)), (19, u64(4096)),
                (20, u64(3)), (39, u64(3)),
                (10, b'\0' * 16 + u32(len(name)) + name),
                (13, b'\1'), (64, u32(0x13))):
            si.add(17, set_info(1, cls, buf), **T())
        si.add(17, set_info(2, 6, b'\0' * 48), **T())
        si.add(17, set_info(3, 0, b'\1\0\4\x80' + b'\0' * 16, addl=4),
               **T())
        s['set-info-' + tag] = si.add(6, close(), **T()).data()
        vni = (u32(0x7f) + bytes(range(16)) + u16(1) + u16(1) +
               u16(dialects[0]))
        io = base()
        if tag != '311':  # 3.1.1 drops the connection (3.3.5.15.12)
            io.add(11, ioctl(0x00140204, vni), **T())
        s['ioctl-' + tag] = io.add(
            11, ioctl(0x001401fc), **T()).add(
            5, create('file.txt'), **T()).add(
            11, ioctl(0x00140078, f=fid()), **T()).add(
            11, ioctl(0x000900c0, f=fid()), **T()).add(
            11, ioctl(0x00060194, utf16('\\FUZZ\\share') + b'\0\0'),
            **T()).data()
        s['misc-' + tag] = base().add(13, simple4()).add(
            5, create('file.txt'), **T()).add(
            18, oplock_break(), **T()).add(
            12, simple4(), **T()).add(
            6, close(), **T()).add(2, simple4(), sid=1).data()
        s['delete-' + tag] = base().add_compound([
            (5, create('gone.txt', access=0x10000 | 0x12019f,
                       disposition=2, options=0x1000), T()),
            (6, close(FID_RELATED), REL),
        ]).add_compound([
            (5, create('dir', access=0x10000 | 0x100081, options=1),
             T()),
            (17, set_info(1, 13, b'\1', FID_RELATED), REL),
            (6, close(FID_RELATED), REL),
        ]).data()
    return s


def hdr_seeds(server):
    out = {}
    for name, data in server.items():
        # the first message of each connection and any compound
        msgs = []
        while len(data) >= 2:
            n = P16.unpack_from(data)[0]
            msgs.append(data[2:2 + n])
            data = data[2 + n:]
        for i, m in enumerate(msgs):
            if i == 0 or struct.unpack_from('<I', m, 20)[0]:
                out['%s-%d' % (name, i)] = m
    return out


def ntlmssp_seeds():
    neg = ntlm_negotiate()
    nt, base = ntlmv2_response('fuzz', 'DOM', FUZZ_NT_HASH,
                               FUZZ_CHALLENGE)
    exported = bytes(range(0x40, 0x50))
    s = {
        'v2-user': length_prefixed([neg, ntlm_authenticate(
            'fuzz', 'DOM', nt=nt, lm=b'\0' * 24,
            flags=NTLM_FLAGS & ~0x40000000)]),
        'v2-key-exchange': length_prefixed([neg, ntlm_authenticate(
            'fuzz', 'DOM', nt=nt, enc_key=rc4(base, exported))]),
        'v2-wrong-password': length_prefixed([neg, ntlm_authenticate(
            'fuzz', 'DOM', nt=ntlmv2_response(
                'fuzz', 'DOM', b'\x11' * 16, FUZZ_CHALLENGE)[0])]),
        'v2-mic-flag': length_prefixed([neg, ntlm_authenticate(
            'fuzz', 'DOM', nt=ntlmv2_response(
                'fuzz', 'DOM', FUZZ_NT_HASH, FUZZ_CHALLENGE,
                av=u16(6) + u16(4) + u32(2) + u16(0) + u16(0))[0])]),
        'v1-response': length_prefixed([neg, ntlm_authenticate(
            'fuzz', 'DOM', nt=b'\x22' * 24, lm=b'\x33' * 24)]),
        'anonymous': length_prefixed([neg, ntlm_authenticate(lm=b'\0')]),
        'oem-negotiate': length_prefixed([ntlm_negotiate(0x00000206)]),
    }
    return s


def spnego_seeds():
    neg = ntlm_negotiate()
    auth = ntlm_authenticate(lm=b'\0')
    return {
        'init-ntlmssp': neg_token_init(neg),
        'init-krb5-first': neg_token_init(
            neg, mechs=(OID_MSKRB5, OID_KRB5, OID_NTLMSSP)),
        'init-no-token': neg_token_init(None),
        'resp-token': neg_token_resp(auth),
        'resp-token-mic': neg_token_resp(auth, mic=b'\1' * 16, state=1),
        'raw-ntlmssp': neg,
        'long-length': der(0x60, der(0x06, OID_SPNEGO) + der(
            0xa0, der(0x30, der(0xa0, der(0x30, der(0x06, OID_NTLMSSP))) +
                      der(0xa2, der(0x04, neg + b'\0' * 300))))),
    }


def conf_seeds(sample):
    s = {
        'minimal': b'[global]\nusers file = /tmp/u\n[data]\npath = /srv\n',
        'all-global': (b'[global]\nlisten = 127.0.0.1:4450, [::1]:4450\n'
                       b'server name = fuzz\nserver signing = required\n'
                       b'log level = debug\nmax pdu size = 1M\n'
                       b'max read size = 64K\nio threads = 2\n'
                       b'handshake timeout = 5\n'),
        'continuation': (b'; comment\n[Share One]\n  path = /srv/\\\n'
                         b'one\n  read only = yes\n  guest ok = true\n'
                         b'  comment = a \\\n  b\n[two]\npath=/x\n'),
        'errors': b'[global]\nbogus = 1\n[ipc$]\npath = relative\n',
    }
    if sample:
        s['sample'] = sample
    return s


def users_seeds():
    return {
        'two-users': (b'# users\nalice:8846F7EAEE8FB117AD06BDD830B7586C\n'
                      b'bob:31d6cfe0d16ae931b73c59d7e0c089c0\n\n'),
        'bad-hash': b'carol:XYZ\n',
        'duplicate': (b'a:00000000000000000000000000000000\n'
                      b'A:11111111111111111111111111111111\n'),
        'no-newline': b'  dave : 00112233445566778899aabbccddeeff',
    }


def unicode_seeds():
    def pair(a, b):
        return length_prefixed([a, b])
    return {
        'star': pair(utf16('*.txt'), utf16('file.txt')),
        'dos-wildcards': pair(utf16('<.t?t'), utf16('FILE.TXT')),
        'dos-dot': pair(utf16('a"b>'), utf16('a.b')),
        'case-fold': pair(utf16('\u00c4\u03a3\u0416'),
                          utf16('\u00e4\u03c3\u0436')),
        'surrogates': pair(utf16('\U0001f600*'), utf16('\U0001f600x')),
        'lone-surrogate': pair(b'\x00\xd8a\x00', utf16('a')),
        'many-stars': pair(utf16('*a*a*a*a*a*a*a*a*b'), utf16('a' * 40)),
    }


def setinfo_seeds():
    name = utf16('dir\\new name.txt')
    return {
        'basic': b'\x04' + u64(0x01d0000000000000) * 4 + u32(0x20) + u32(0),
        'basic-minus-one': b'\x04' + b'\xff' * 32 + u32(0) + u32(0),
        'rename': b'\x0a\x01' + b'\0' * 15 + u32(len(name)) + name,
        'link': b'\x0b\x00' + b'\0' * 15 + u32(len(name)) + name,
        'disposition': b'\x0d\x01',
        'disposition-ex': b'\x40' + u32(0x13),
        'position': b'\x0e' + u64(512),
        'mode': b'\x10' + u32(2),
        'allocation': b'\x13' + u64(1 << 20),
        'end-of-file': b'\x14' + u64(12345),
        'valid-data-length': b'\x27' + u64(10),
        'full-ea': b'\x0f' + u32(0) + b'\0' + bytes([4]) + u16(3) +
                   b'name\0abc',
        'short-name': b'\x28' + u32(8) + utf16('ABC~1'),
    }


def transform_seeds(server):
    """First byte: cipher index (bits 0-1), bit 7 = encrypt round trip."""
    msg = smb2_hdr(13, 5, sid=0x1234) + simple4()
    big = server['compound-read-311']
    out = {}
    for i, name in enumerate(('aes128-ccm', 'aes128-gcm', 'aes256-ccm',
                              'aes256-gcm')):
        out['round-trip-' + name] = bytes([0x80 | i]) + msg
        ct = bytes((b * 7 + 3) & 0xff for b in msg)
        hdr = (b'\xfdSMB' + bytes(range(16)) + bytes(range(16, 32)) +
               u32(len(ct)) + u16(0) + u16(1) + u64(0x1234))
        out['received-' + name] = bytes([i]) + hdr + ct
    out['round-trip-compound'] = b'\x81' + big
    out['received-short'] = b'\x01' + b'\xfdSMB' + b'\0' * 40
    return out


# ---- SMB Direct (MS-SMBD 2.2) ----

def smbd_negotiate_req(lo=0x0100, hi=0x0100, credits=255, send=1364,
                       recv=8192, frag=1048576):
    return (u16(lo) + u16(hi) + u16(0) + u16(credits) + u32(send) +
            u32(recv) + u32(frag))


def smbd_data(payload=b'', remaining=0, flags=0, credits=255, granted=10):
    off = 24 if payload else 0
    hdr = (u16(credits) + u16(granted) + u16(flags) + u16(0) +
           u32(remaining) + u32(off) + u32(len(payload)))
    return hdr + (b'\0' * 4 + payload if payload else b'')


def smbd_desc(offset, token, length):
    return u64(offset) + u32(token) + u32(length)


def smbdirect_seeds(server):
    """Parts: negotiate request, then data transfer messages."""
    msg = server['negotiate-311'][2:]
    half = len(msg) // 2
    descs = (smbd_desc(0x7f0000001000, 0x1234, 65536) +
             smbd_desc(0x7f0000100000, 0x1235, 4096))
    return {
        'negotiate-only': length_prefixed([smbd_negotiate_req()]),
        'bad-version': length_prefixed([smbd_negotiate_req(0x0200, 0x0200)]),
        'one-message': length_prefixed([smbd_negotiate_req(),
                                        smbd_data(msg)]),
        'fragmented': length_prefixed([
            smbd_negotiate_req(),
            smbd_data(msg[:half], remaining=len(msg) - half),
            smbd_data(msg[half:])]),
        'keepalive': length_prefixed([
            smbd_negotiate_req(), smbd_data(flags=1),
            b'\xff' + smbd_data()[1:], smbd_data(msg)]),
        'buffer-descriptors': length_prefixed([descs, descs[:16]]),
        'negotiate-response': length_prefixed([
            u16(0x0100) + u16(0x0100) + u16(0x0100) + u16(255) + u16(255) +
            u16(0) + u32(0) + u32(1048576) + u32(1364) + u32(8192) +
            u32(1048576)]),
    }


# ---- DCE/RPC and srvsvc (C706 12.6, MS-RPCE 2.2.2, MS-SRVS) ----

SRVSVC = (uuid.UUID('4b324fc8-1670-01d3-1278-5a47bf6ee188').bytes_le +
          u32(3))
NDR = uuid.UUID('8a885d04-1ceb-11c9-9fe8-08002b104860').bytes_le + u32(2)


def rpc_pdu(ptype, call_id, body, flags=3):
    return (bytes([5, 0, ptype, flags]) + b'\x10\0\0\0' +
            u16(16 + len(body)) + u16(0) + u32(call_id) + body)


def rpc_bind(call_id=1, ptype=11, abstract=SRVSVC):
    ctx = u16(0) + bytes([1, 0]) + abstract + NDR
    return rpc_pdu(ptype, call_id, u16(4280) + u16(4280) + u32(0) +
                   bytes([1, 0, 0, 0]) + ctx)


def rpc_request(call_id, opnum, stub, flags=3, alloc=None):
    alloc = len(stub) if alloc is None else alloc
    return rpc_pdu(0, call_id, u32(alloc) + u16(0) + u16(opnum) + stub,
                   flags)


def ndr_string(s):
    b = utf16(s + '\0')
    n = len(b) // 2
    return u32(n) + u32(0) + u32(n) + b + b'\0' * (-len(b) % 4)


def srvsvc_share_enum(level=1):
    return (u32(0x20000) + ndr_string('\\\\FUZZSERVER') + u32(level) +
            u32(level) + u32(0x20004) + u32(0) + u32(0) +
            u32(0xffffffff) + u32(0x20008) + u32(0))


def dcerpc_seeds():
    enum1 = srvsvc_share_enum(1)
    get_info = (u32(0x20000) + ndr_string('\\\\FUZZSERVER') +
                ndr_string('share') + u32(1))
    server_info = u32(0x20000) + ndr_string('\\\\FUZZSERVER') + u32(101)
    half = len(enum1) // 2
    return {
        'bind': length_prefixed([rpc_bind()]),
        'share-enum-1': length_prefixed([rpc_bind(),
                                         rpc_request(2, 15, enum1)]),
        'share-enum-0': length_prefixed([
            rpc_bind(), rpc_request(2, 15, srvsvc_share_enum(0))]),
        'share-get-info': length_prefixed([rpc_bind(),
                                           rpc_request(2, 16, get_info)]),
        'server-get-info': length_prefixed([
            rpc_bind(), rpc_request(2, 21, server_info)]),
        'fragmented-request': length_prefixed([
            rpc_bind(),
            rpc_request(2, 15, enum1[:half], flags=1, alloc=len(enum1)),
            rpc_request(2, 15, enum1[half:], flags=2)]),
        'alter-context': length_prefixed([rpc_bind(),
                                          rpc_bind(2, ptype=14)]),
        'unknown-interface': length_prefixed([rpc_bind(abstract=NDR)]),
        'split-write': length_prefixed([rpc_bind()[:10], rpc_bind()[10:]]),
        'bad-opnum': length_prefixed([rpc_bind(),
                                      rpc_request(2, 200, b'')]),
    }


# ---- security descriptors (MS-DTYP 2.4) ----

def sid(auth, *subs):
    return bytes([1, len(subs)]) + auth.to_bytes(6, 'big') + b''.join(
        u32(x) for x in subs)


def ace(typ, flags, mask, s, post=b''):
    body = u32(mask) + s + post
    return bytes([typ, flags]) + u16(4 + len(body)) + body


def acl(aces, rev=2):
    body = b''.join(aces)
    return bytes([rev, 0]) + u16(8 + len(body)) + u16(len(aces)) + u16(0) + \
        body


def secdesc(control, owner=None, group=None, sacl=None, dacl=None):
    off = 20
    offs = []
    body = b''
    for part in (owner, group, sacl, dacl):
        if part is None:
            offs.append(0)
        else:
            offs.append(off + len(body))
            body += part
    return (bytes([1, 0]) + u16(control | 0x8000) + u32(offs[0]) +
            u32(offs[1]) + u32(offs[2]) + u32(offs[3]) + body)


def secdesc_seeds():
    user = sid(5, 21, 1, 2, 3, 1000)
    group = sid(5, 21, 1, 2, 3, 513)
    everyone = sid(1, 0)
    system = sid(5, 18)
    creator = sid(3, 0)
    dacl = acl([ace(1, 0, 0x2, everyone),
                ace(0, 0, 0x1f01ff, user),
                ace(0, 0x13, 0x10000000, system),
                ace(0, 0x0b, 0x10000000, creator),
                ace(0, 0, 0x1200a9, everyone)])
    sacl = acl([ace(2, 0xc0, 0x10000, everyone),
                ace(0x11, 0, 1, sid(16, 0x2000))])
    # object ACE: Flags (ObjectType present) and the GUID sit between the
    # mask and the SID (MS-DTYP 2.4.4.3); callback ACEs end in app data
    guid = bytes(range(16))
    obj_body = u32(0x100) + u32(1) + guid + user
    obj = acl([bytes([5, 0]) + u16(4 + len(obj_body)) + obj_body,
               ace(9, 0, 0x1, everyone, b'artx' + b'\0' * 4),
               ace(0, 0, 0x1200a9, user)], 4)
    return {
        'owner-group-dacl': secdesc(0x4, user, group, None, dacl),
        'full': secdesc(0x14, user, group, sacl, dacl),
        'null-dacl': secdesc(0x4, user, group),
        'empty-dacl': secdesc(0x4, user, group, None, acl([])),
        'protected-inherit': secdesc(0x1404, user, group, None, dacl),
        'callback-aces': secdesc(0x4, user, None, None, obj),
        'owner-only': secdesc(0, user),
    }


def write_corpus(root, target, seeds):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus')
    sample_path = os.path.join(here, '..', '..', 'conf', 'usmbd.conf.sample')
    sample = open(sample_path, 'rb').read() if os.path.exists(
        sample_path) else b''
    server = server_seeds()
    write_corpus(root, 'server', server)
    write_corpus(root, 'hdr', hdr_seeds(server))
    write_corpus(root, 'transform', transform_seeds(server))
    write_corpus(root, 'ntlmssp', ntlmssp_seeds())
    write_corpus(root, 'spnego', spnego_seeds())
    write_corpus(root, 'conf', conf_seeds(sample))
    write_corpus(root, 'users', users_seeds())
    write_corpus(root, 'unicode', unicode_seeds())
    write_corpus(root, 'setinfo', setinfo_seeds())
    write_corpus(root, 'smbdirect', smbdirect_seeds(server))
    write_corpus(root, 'dcerpc', dcerpc_seeds())
    write_corpus(root, 'secdesc', secdesc_seeds())


if __name__ == '__main__':
    main()
