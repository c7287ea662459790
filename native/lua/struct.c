/*
 * Binary packing for scripts: the `struct` table (pack, unpack, size) over the
 * Lua 5.1 C API, with the format language, results and errors scripts see on
 * Redis 7.0 (x86-64 builds):
 *   >  <      big / little endian (the default is the host's)
 *   ![n]      maximum alignment n, a power of 2 (default: that of a double)
 *   x         one zero byte
 *   b B       signed / unsigned char      h H   short      l L   long
 *   T         size_t                      i[n] I[n]  int of n bytes (<= 32)
 *   f d       float, double
 *   c[n]      n bytes of a string (pack: c0 is the whole string; unpack: c0
 *             takes its length from the number read just before)
 *   s         zero-terminated string
 *   ' '       ignored
 * An item is aligned to min(its size, the maximum alignment), counted from
 * the start of the data.
 *
 * Conversions that C leaves undefined (numbers out of an integer's range,
 * sign bits of integers wider than 8 bytes) give what those builds give, so
 * a script gets the same bytes here; see num_to_u64 and get_integer.
 */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#define MAX_INT_SIZE 32

/* Default maximum alignment: that of a double, at least that of an int. */
struct align_probe {
  char c;
  double d;
};
#define DOUBLE_ALIGN (offsetof(struct align_probe, d))
#define DEFAULT_ALIGN \
  ((int)(DOUBLE_ALIGN > sizeof(int) ? DOUBLE_ALIGN : sizeof(int)))

typedef struct fmt_state {
  int little; /* byte order of the items that follow */
  int align;  /* maximum alignment */
} fmt_state;

static int host_is_little_endian(void) {
  const unsigned int one = 1;
  return *(const unsigned char *)&one == 1;
}

static void fmt_init(fmt_state *h) {
  h->little = host_is_little_endian();
  h->align = 1;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int is_alnum(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The decimal number at *fmt (consumed), or `dflt` when there is none. */
static int read_count(lua_State *L, const char **fmt, int dflt) {
  int n = 0;
  if (!is_digit(**fmt)) return dflt;
  while (is_digit(**fmt)) {
    int d = *(*fmt)++ - '0';
    if (n > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
    n = n * 10 + d;
  }
  return n;
}

/* The size of option `opt`, reading its count if it takes one; 0 for the
 * options that occupy nothing. */
static size_t item_size(lua_State *L, int opt, const char **fmt) {
  switch (opt) {
    case 'b': case 'B': return sizeof(char);
    case 'h': case 'H': return sizeof(short);
    case 'l': case 'L': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_count(L, fmt, 1);
    case 'i': case 'I': {
      int n = read_count(L, fmt, (int)sizeof(int));
      if (n > MAX_INT_SIZE)
        luaL_error(L, "integral size %d is larger than limit of %d", n,
                   MAX_INT_SIZE);
      return (size_t)n;
    }
    default: return 0;
  }
}

/* Zero bytes to add at `pos` before an item of `size`. The mask arithmetic
 * assumes a power of 2; for other sizes (i3, i5...) it is kept as is, since
 * that is what decides where such items land on Redis. */
static size_t padding(size_t pos, const fmt_state *h, int opt, size_t size) {
  size_t mask;
  if (size == 0 || opt == 'c') return 0;
  if (size > (size_t)h->align) size = (size_t)h->align;
  mask = size - 1;
  return (size - (pos & mask)) & mask;
}

/* The options that change the state rather than add an item. */
static void control_option(lua_State *L, int opt, const char **fmt,
                           fmt_state *h) {
  switch (opt) {
    case ' ': return;
    case '>': h->little = 0; return;
    case '<': h->little = 1; return;
    case '!': {
      int a = read_count(L, fmt, DEFAULT_ALIGN);
      if (a <= 0 || (a & (a - 1)) != 0)
        luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1,
                    lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

/* A double converted to 64 bits as compiled C casts do on x86-64: in range,
 * truncation (negatives in two's complement); NaN and anything below -2^63
 * give 2^63; from 2^63 up, 2^63 + the truncation of n - 2^63 while that fits,
 * else 0. */
static uint64_t num_to_u64(lua_Number n) {
  const double two63 = 9223372036854775808.0;
  const uint64_t top = (uint64_t)1 << 63;
  if (n >= two63) {
    n -= two63;
    return (n < two63 ? (uint64_t)(int64_t)n : top) ^ top;
  }
  if (n >= -two63) return (uint64_t)(int64_t)n;
  return top;
}

/* The int64 whose two's complement bits are v (int64_t has no other form). */
static lua_Number u64_as_signed(uint64_t v) {
  int64_t s;
  memcpy(&s, &v, sizeof s);
  return (lua_Number)s;
}

static void swap_unless(char *p, size_t n, int little) {
  size_t i;
  if (little == host_is_little_endian()) return;
  for (i = 0; i < n / 2; i++) {
    char t = p[i];
    p[i] = p[n - 1 - i];
    p[n - 1 - i] = t;
  }
}

static void put_integer(lua_State *L, luaL_Buffer *b, int arg, int little,
                        size_t size) {
  uint64_t v = num_to_u64(luaL_checknumber(L, arg));
  char out[MAX_INT_SIZE];
  size_t i;
  /* bytes past the 8th are zero, whatever the sign */
  for (i = 0; i < size; i++) {
    out[little ? i : size - 1 - i] = (char)(v & 0xff);
    v >>= 8;
  }
  luaL_addlstring(b, out, size);
}

static int st_pack(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  fmt_state h;
  luaL_Buffer b;
  int arg = 2;
  size_t total = 0;
  fmt_init(&h);
  /* The buffer's pieces go on the stack right after the arguments; this nil
   * sits between them, so a missing argument reads as nil, as on Redis. */
  lua_pushnil(L);
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = item_size(L, opt, &fmt);
    size_t pad = padding(total, &h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L':
      case 'T': case 'i': case 'I':
        put_integer(L, &b, arg++, h.little, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = (float)luaL_checknumber(L, arg++);
        swap_unless((char *)&f, sizeof f, h.little);
        luaL_addlstring(&b, (const char *)&f, sizeof f);
        break;
      }
      case 'd': {
        double d = (double)luaL_checknumber(L, arg++);
        swap_unless((char *)&d, sizeof d, h.little);
        luaL_addlstring(&b, (const char *)&d, sizeof d);
        break;
      }
      case 'c': case 's': {
        size_t len;
        const char *s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        /* Redis names the argument after the string in this error */
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        control_option(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

/* A `size`-byte integer at p. Only the last 8 bytes read survive; for a
 * signed item the bits from the sign bit up are all set when any of them is,
 * the sign bit's position taken mod 64 (as those builds' shift does, which
 * matters for sizes 0 and 9 to 32). */
static lua_Number get_integer(const char *p, int little, int is_signed,
                              size_t size) {
  uint64_t v = 0, mask;
  size_t i;
  for (i = 0; i < size; i++)
    v = (v << 8) | (unsigned char)p[little ? size - 1 - i : i];
  if (!is_signed) return (lua_Number)v;
  mask = ~(uint64_t)0 << ((size * 8 - 1) & 63);
  if (v & mask) v |= mask;
  return u64_as_signed(v);
}

static int st_unpack(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char *data = luaL_checklstring(L, 2, &ld);
  /* a negative offset wraps, and then fails as "data string too short" */
  size_t pos = (size_t)luaL_optinteger(L, 3, 1);
  fmt_state h;
  int n = 0;
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  pos--;
  fmt_init(&h);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = item_size(L, opt, &fmt);
    pos += padding(pos, &h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2,
                  "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L':
      case 'T': case 'i': case 'I':
        lua_pushnumber(L, get_integer(data + pos, h.little,
                                      opt >= 'a' && opt <= 'z', size));
        n++;
        break;
      case 'x':
        break;
      case 'f': {
        float f;
        memcpy(&f, data + pos, sizeof f);
        swap_unless((char *)&f, sizeof f, h.little);
        lua_pushnumber(L, (lua_Number)f);
        n++;
        break;
      }
      case 'd': {
        double d;
        memcpy(&d, data + pos, sizeof d);
        swap_unless((char *)&d, sizeof d, h.little);
        lua_pushnumber(L, (lua_Number)d);
        n++;
        break;
      }
      case 'c':
        if (size == 0) { /* the length is the previous result */
          if (n == 0 || !lua_isnumber(L, -1))
            luaL_error(L, "format 'c0' needs a previous size");
          size = (size_t)num_to_u64(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2,
                        "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      case 's': {
        const char *end = (const char *)memchr(data + pos, '\0', ld - pos);
        if (end == NULL) luaL_error(L, "unfinished string in data");
        size = (size_t)(end - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        control_option(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)(pos + 1)); /* where the next item starts */
  return n + 1;
}

static int st_size(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  fmt_state h;
  size_t pos = 0;
  fmt_init(&h);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = item_size(L, opt, &fmt);
    pos += padding(pos, &h, opt, size);
    if (opt == 's')
      luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0)
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    /* as on Redis, unknown letters and digits count as size 0 here */
    if (!is_alnum(opt)) control_option(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)pos);
  return 1;
}

static const luaL_Reg struct_funcs[] = {
    {"pack", st_pack},
    {"unpack", st_unpack},
    {"size", st_size},
    {NULL, NULL},
};

int luaopen_struct(lua_State *L) {
  luaL_register(L, "struct", struct_funcs);
  return 1;
}
