/* SPDX-License-Identifier: MIT */
/* Frame names at snapshot time: dladdr, the object's own .symtab, and Node's perf map. */
#include "heap.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "emit.h"
#include "sys.h"

/*
 * Only the snapshot writer calls these (snapshots are serialised), so the
 * caches below need no lock.  Nothing allocates: object files are mapped
 * read-only and stay mapped, JIT names go to a fixed pool.
 */

#define OBJ_MAX 24
struct obj {
	char path[256];
	const unsigned char *map;
	size_t len;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *str;
	size_t strsz;
	int exec; /* ET_EXEC: symbol values are addresses */
	int bad;  /* no usable .symtab */
};
static struct obj objs[OBJ_MAX];
static int nobjs;

#define JIT_MAX 512
#define JIT_POOL 32768
static struct {
	uintptr_t ip;
	uint32_t name; /* offset in jit_pool, or UINT32_MAX when not found */
} jit[JIT_MAX];
static int njit;
static char jit_pool[JIT_POOL];
static uint32_t jit_pool_used;
static char scan_buf[65536];

static void *map_file(const char *path, size_t *len)
{
	struct stat st;
	long fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	void *m;
	int saved = errno;

	if (fd < 0)
		return NULL;
	if (ags_sys(SYS_fstat, fd, (long)&st, 0, 0) != 0 ||
	    st.st_size < (off_t)sizeof(Elf64_Ehdr) || st.st_size > (1l << 31)) {
		ags_sys_close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	errno = saved;
	ags_sys_close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return m;
}

/* Find the .symtab of an ELF file, checking every offset against the file size. */
static void load_symtab(struct obj *o)
{
	const Elf64_Ehdr *eh = (const void *)o->map;
	const Elf64_Shdr *sh;

	o->bad = 1;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff >= o->len ||
	    (o->len - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return;
	sh = (const void *)(o->map + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *s = &sh[i], *l;

		if (s->sh_type != SHT_SYMTAB || s->sh_link >= eh->e_shnum)
			continue;
		l = &sh[s->sh_link];
		if (s->sh_offset > o->len || s->sh_size > o->len - s->sh_offset ||
		    l->sh_offset > o->len || l->sh_size > o->len - l->sh_offset)
			return;
		o->syms = (const void *)(o->map + s->sh_offset);
		o->nsyms = s->sh_size / sizeof(Elf64_Sym);
		o->str = (const char *)o->map + l->sh_offset;
		o->strsz = l->sh_size;
		o->exec = eh->e_type == ET_EXEC;
		o->bad = 0;
		return;
	}
}

static struct obj *get_obj(const char *path)
{
	struct obj *o;

	for (int i = 0; i < nobjs; i++)
		if (!strcmp(objs[i].path, path))
			return &objs[i];
	if (nobjs == OBJ_MAX || strlen(path) >= sizeof(objs[0].path))
		return NULL;
	o = &objs[nobjs++];
	strcpy(o->path, path);
	o->map = map_file(path, &o->len);
	if (o->map)
		load_symtab(o);
	else
		o->bad = 1;
	return o;
}

/* The function symbol covering addr (an address relative to the object's base). */
static const char *symtab_find(const struct obj *o, uintptr_t addr, uintptr_t *off)
{
	const Elf64_Sym *best = NULL;

	for (size_t i = 0; i < o->nsyms; i++) {
		const Elf64_Sym *s = &o->syms[i];

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_value > addr ||
		    s->st_name >= o->strsz)
			continue;
		if (addr < s->st_value + (s->st_size ? s->st_size : 1)) {
			best = s;
			break;
		}
	}
	if (!best)
		return NULL;
	*off = addr - best->st_value;
	return o->str + best->st_name;
}

static size_t put(char *buf, size_t pos, size_t len, const char *s, size_t n)
{
	if (pos + n >= len)
		n = pos < len - 1 ? len - 1 - pos : 0;
	memcpy(buf + pos, s, n);
	return pos + n;
}

static size_t put_hex(char *buf, size_t pos, size_t len, uintptr_t v)
{
	char tmp[20];
	int n = 0;

	tmp[n++] = '0';
	tmp[n++] = 'x';
	for (int shift = 60, any = 0; shift >= 0; shift -= 4) {
		int d = (int)((v >> shift) & 15);

		if (d || any || shift == 0) {
			tmp[n++] = "0123456789abcdef"[d];
			any = 1;
		}
	}
	return put(buf, pos, len, tmp, (size_t)n);
}

static const char *jit_name(uintptr_t ip)
{
	for (int i = 0; i < njit; i++)
		if (jit[i].ip == ip)
			return jit[i].name == UINT32_MAX ? NULL : jit_pool + jit[i].name;
	return NULL;
}

size_t ags_sym_frame(uintptr_t ip, char *buf, size_t len)
{
	Dl_info info;
	const char *name = NULL, *jn;
	uintptr_t off = 0, base = 0;
	size_t pos = 0;

	if (dladdr((void *)(ip - 1), &info) && info.dli_fname) {
		/* The main program's name is argv[0], maybe relative: use /proc/self/exe's. */
		const char *path =
			info.dli_fname[0] == '/' || !ags_exe[0] ? info.dli_fname : ags_exe;

		base = (uintptr_t)info.dli_fbase;
		if (info.dli_sname && info.dli_saddr) {
			name = info.dli_sname;
			off = ip - (uintptr_t)info.dli_saddr;
		} else if (path[0]) {
			struct obj *o = get_obj(path);

			if (o && !o->bad)
				name = symtab_find(o, o->exec ? ip - 1 : ip - 1 - base, &off);
			off++;
		}
		if (name) {
			pos = put(buf, pos, len, name, strlen(name));
			pos = put(buf, pos, len, "+", 1);
			pos = put_hex(buf, pos, len, off);
		} else {
			pos = put_hex(buf, pos, len, ip - base); /* object + offset */
		}
		pos = put(buf, pos, len, " (", 2);
		pos = put(buf, pos, len, path, strlen(path));
		pos = put(buf, pos, len, ")", 1);
	} else if ((jn = jit_name(ip))) {
		pos = put(buf, pos, len, jn, strlen(jn));
		pos = put(buf, pos, len, " ([jit])", 8);
	} else {
		pos = put_hex(buf, pos, len, ip);
	}
	buf[pos] = '\0';
	return pos;
}

/*
 * The loaded objects' executable ranges, taken once per snapshot: telling JIT code from an
 * object's code this way is one loop, where dladdr() scans the object's symbol table (Node
 * exports about 100,000 symbols).
 */
#define RANGE_MAX 512
static struct {
	uintptr_t lo, hi;
} ranges[RANGE_MAX];
static int nranges;

static int add_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum && nranges < RANGE_MAX; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		ranges[nranges].lo = info->dlpi_addr + ph->p_vaddr;
		ranges[nranges].hi = ranges[nranges].lo + ph->p_memsz;
		nranges++;
	}
	return 0;
}

void ags_sym_begin(void)
{
	njit = 0;
	jit_pool_used = 0;
	nranges = 0;
	dl_iterate_phdr(add_ranges, NULL);
}

void ags_sym_want(uintptr_t ip)
{
	if (njit == JIT_MAX)
		return;
	for (int i = 0; i < nranges; i++)
		if (ip - 1 >= ranges[i].lo && ip - 1 < ranges[i].hi)
			return;
	for (int i = 0; i < njit; i++)
		if (jit[i].ip == ip)
			return;
	jit[njit].ip = ip;
	jit[njit].name = UINT32_MAX;
	njit++;
}

static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;
	const char *p = *s;

	for (;; p++) {
		int d = (*p >= '0' && *p <= '9')		 ? *p - '0'
			: ((*p | 32) >= 'a' && (*p | 32) <= 'f') ? (*p | 32) - 'a' + 10
								 : -1;
		if (d < 0)
			break;
		v = v << 4 | (uintptr_t)d;
	}
	*s = p;
	return v;
}

/* One "START SIZE name" line of a perf map against the wanted addresses. */
static void jit_line(const char *line, const char *end)
{
	const char *p = line, *name;
	uintptr_t start, size;

	start = parse_hex(&p);
	if (*p++ != ' ')
		return;
	size = parse_hex(&p);
	if (*p++ != ' ')
		return;
	name = p;
	for (int i = 0; i < njit; i++) {
		size_t n = (size_t)(end - name);

		if (jit[i].ip - 1 < start || jit[i].ip - 1 >= start + size)
			continue;
		if (n > 200)
			n = 200;
		if (jit_pool_used + n + 1 > JIT_POOL)
			return;
		/* The latest line wins: V8 reuses code space. */
		memcpy(jit_pool + jit_pool_used, name, n);
		jit_pool[jit_pool_used + n] = '\0';
		jit[i].name = jit_pool_used;
		jit_pool_used += (uint32_t)n + 1;
	}
}

void ags_sym_jit_scan(void)
{
	char path[64] = "/tmp/perf-";
	size_t have = 0;
	long fd, n;

	if (!njit)
		return;
	ags_fmt_u64(path + strlen(path), (uint64_t)ags_sys_getpid());
	strcat(path, ".map");
	fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	while ((n = ags_sys_read(fd, scan_buf + have, sizeof(scan_buf) - have)) > 0) {
		char *p = scan_buf, *end = scan_buf + have + n, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			jit_line(p, nl);
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == sizeof(scan_buf))
			have = 0; /* a line longer than the buffer: skip it */
		memmove(scan_buf, p, have);
	}
	ags_sys_close(fd);
}
