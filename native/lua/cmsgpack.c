/*
 * MessagePack for scripts: the `cmsgpack` table (pack, unpack, unpack_one,
 * unpack_limit) over the Lua 5.1 C API.
 *
 * The encoding choices, limits and error messages are those scripts see on
 * Redis 7.0, so that a script packs the same bytes here as there:
 * - a number that is an integer within int64 encodes as the smallest msgpack
 *   int; any other number as float32 when that is exact, else float64;
 * - a table whose keys are exactly 1..n encodes as an array (the empty table
 *   too), any other table as a map, in lua_next order;
 * - tables nested MP_MAX_NESTING deep encode as nil, so cycles terminate;
 * - anything that is not a string, number, boolean or table encodes as nil;
 * - decoding knows nil, booleans, ints, floats, str8/16/32 and fixstr,
 *   arrays and maps; bin and ext types are a format error.
 * The places where the Lua stack is checked (and so the point at which a huge
 * input fails with "stack overflow (...)") follow the same layout as Redis's.
 *
 * No state outside the lua_State (the library runs in many states at once),
 * and each pack call owns its buffer through a userdata, so an error in the
 * middle of an encoding leaks nothing.
 */

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#define MP_MAX_NESTING 16
/* Decoding recursion is bounded by the Lua stack: every level holds a table
 * on it and checks for room first, and a C function's stack stops at
 * LUAI_MAXCSTACK slots. This guard only restates that bound for the C stack. */
#ifdef LUAI_MAXCSTACK
#define MP_MAX_DECODE_DEPTH (LUAI_MAXCSTACK + 1)
#else
#define MP_MAX_DECODE_DEPTH 8001
#endif

#define MP_OK 0
#define MP_EOF 1    /* the input ends inside an object */
#define MP_BADFMT 2 /* a type byte this decoder does not know */

typedef struct mp_buf {
  unsigned char *p;
  size_t len, cap;
  int slack; /* stack slots Redis would hold that this encoder does not */
} mp_buf;

typedef struct mp_cur {
  const unsigned char *p;
  size_t left;
  int err;
} mp_cur;

/* ------------------------------------------------------------------ buffer */

static void mp_buf_free(lua_State *L, mp_buf *b) {
  if (b->p != NULL) {
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    f(ud, b->p, b->cap, 0);
    b->p = NULL;
    b->cap = b->len = 0;
  }
}

static int mp_buf_gc(lua_State *L) {
  mp_buf *b = (mp_buf *)lua_touserdata(L, 1);
  if (b != NULL) mp_buf_free(L, b);
  return 0;
}

/* luaL_checkstack that fails at the depth where Redis's encoder fails */
static void enc_checkstack(lua_State *L, mp_buf *b, int n, const char *msg) {
  luaL_checkstack(L, n + b->slack, msg);
}

static void mp_buf_reserve(lua_State *L, mp_buf *b, size_t n) {
  size_t need, cap;
  void *ud, *np;
  lua_Alloc f;
  if (b->cap - b->len >= n) return;
  need = b->len + n;
  if (need < b->len) luaL_error(L, "not enough memory");
  cap = b->cap < 256 ? 256 : b->cap;
  while (cap < need) {
    if (cap > ((size_t)-1) / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  f = lua_getallocf(L, &ud);
  np = f(ud, b->p, b->cap, cap);
  if (np == NULL) luaL_error(L, "not enough memory");
  b->p = (unsigned char *)np;
  b->cap = cap;
}

static void mp_put(lua_State *L, mp_buf *b, const void *src, size_t n) {
  mp_buf_reserve(L, b, n);
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

/* A type byte followed by `nbytes` of `v`, big-endian. */
static void mp_put_head(lua_State *L, mp_buf *b, unsigned char type,
                        uint64_t v, int nbytes) {
  unsigned char h[9];
  int i;
  h[0] = type;
  for (i = nbytes; i >= 1; i--) {
    h[i] = (unsigned char)(v & 0xff);
    v >>= 8;
  }
  mp_put(L, b, h, (size_t)nbytes + 1);
}

static int host_is_little_endian(void) {
  const unsigned int one = 1;
  return *(const unsigned char *)&one == 1;
}

/* Copies n bytes, reversed on a little-endian host: msgpack floats are
 * big-endian. */
static void copy_be(unsigned char *dst, const void *src, size_t n) {
  const unsigned char *s = (const unsigned char *)src;
  size_t i;
  if (!host_is_little_endian()) {
    memcpy(dst, s, n);
    return;
  }
  for (i = 0; i < n; i++) dst[i] = s[n - 1 - i];
}

/* ---------------------------------------------------------------- encoding */

static void enc_str(lua_State *L, mp_buf *b, const char *s, size_t len) {
  if (len < 32)
    mp_put_head(L, b, (unsigned char)(0xa0 | len), 0, 0);
  else if (len <= 0xff)
    mp_put_head(L, b, 0xd9, len, 1);
  else if (len <= 0xffff)
    mp_put_head(L, b, 0xda, len, 2);
  else
    mp_put_head(L, b, 0xdb, len, 4);
  mp_put(L, b, s, len);
}

static void enc_int(lua_State *L, mp_buf *b, int64_t n) {
  if (n >= 0) {
    uint64_t u = (uint64_t)n;
    if (u <= 0x7f)
      mp_put_head(L, b, (unsigned char)u, 0, 0);
    else if (u <= 0xff)
      mp_put_head(L, b, 0xcc, u, 1);
    else if (u <= 0xffff)
      mp_put_head(L, b, 0xcd, u, 2);
    else if (u <= 0xffffffffu)
      mp_put_head(L, b, 0xce, u, 4);
    else
      mp_put_head(L, b, 0xcf, u, 8);
  } else {
    /* two's complement bytes of n, whatever the width taken */
    uint64_t u = ~(uint64_t)0 - (uint64_t)(-(n + 1));
    if (n >= -32)
      mp_put_head(L, b, (unsigned char)(u & 0xff), 0, 0);
    else if (n >= -128)
      mp_put_head(L, b, 0xd0, u, 1);
    else if (n >= -32768)
      mp_put_head(L, b, 0xd1, u, 2);
    else if (n >= -2147483647 - 1)
      mp_put_head(L, b, 0xd2, u, 4);
    else
      mp_put_head(L, b, 0xd3, u, 8);
  }
}

static void enc_float(lua_State *L, mp_buf *b, double d) {
  unsigned char out[9];
  /* float32 when it holds d exactly (infinities included, NaN never) */
  if (isinf(d) || (fabs(d) <= FLT_MAX && (double)(float)d == d)) {
    float f = (float)d;
    out[0] = 0xca;
    copy_be(out + 1, &f, 4);
    mp_put(L, b, out, 5);
  } else {
    out[0] = 0xcb;
    copy_be(out + 1, &d, 8);
    mp_put(L, b, out, 9);
  }
}

static void enc_number(lua_State *L, mp_buf *b, lua_Number n) {
  /* [-2^63, 2^63): the doubles that convert to int64 */
  if (n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
    int64_t i = (int64_t)n;
    if ((lua_Number)i == n) {
      enc_int(L, b, i);
      return;
    }
  }
  enc_float(L, b, (double)n);
}

/* The key count when the table at `t` has exactly the keys 1..n, else -1. */
static int table_array_len(lua_State *L, mp_buf *b, int t) {
  int top = lua_gettop(L);
  int count = 0, max = 0;
  enc_checkstack(L, b, 2, "in function table_is_an_array");
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_Number k;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) break;
    k = lua_tonumber(L, -1);
    if (!(k > 0 && k <= INT_MAX && floor(k) == k)) break;
    if ((int)k > max) max = (int)k;
    count++;
  }
  if (lua_gettop(L) != top) { /* left the loop early: not an array */
    lua_settop(L, top);
    return -1;
  }
  return max == count ? count : -1;
}

static void enc_value(lua_State *L, mp_buf *b, int idx, int level);

/* Encodes the value on top of the stack and pops it. */
static void enc_top(lua_State *L, mp_buf *b, int level) {
  enc_value(L, b, lua_gettop(L), level);
  lua_pop(L, 1);
}

static void enc_table(lua_State *L, mp_buf *b, int t, int level) {
  int n = table_array_len(L, b, t);
  if (n >= 0) {
    int j;
    if (n <= 15)
      mp_put_head(L, b, (unsigned char)(0x90 | n), 0, 0);
    else if (n <= 0xffff)
      mp_put_head(L, b, 0xdc, (uint64_t)n, 2);
    else
      mp_put_head(L, b, 0xdd, (uint64_t)n, 4);
    enc_checkstack(L, b, 1, "in function mp_encode_lua_table_as_array");
    for (j = 1; j <= n; j++) {
      lua_rawgeti(L, t, j);
      enc_top(L, b, level + 1);
    }
  } else {
    size_t count = 0;
    enc_checkstack(L, b, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, t)) {
      lua_pop(L, 1);
      count++;
    }
    if (count <= 15)
      mp_put_head(L, b, (unsigned char)(0x80 | count), 0, 0);
    else if (count <= 0xffff)
      mp_put_head(L, b, 0xde, count, 2);
    else
      mp_put_head(L, b, 0xdf, count, 4);
    lua_pushnil(L);
    while (lua_next(L, t)) {
      lua_pushvalue(L, -2);     /* ... key value key */
      enc_top(L, b, level + 1); /* the key copy */
      enc_top(L, b, level + 1); /* the value */
    }
  }
}

/* Encodes the value at absolute index `idx`. */
static void enc_value(lua_State *L, mp_buf *b, int idx, int level) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      enc_str(L, b, s, len);
      break;
    }
    case LUA_TNUMBER:
      enc_number(L, b, lua_tonumber(L, idx));
      break;
    case LUA_TBOOLEAN:
      mp_put_head(L, b, lua_toboolean(L, idx) ? 0xc3 : 0xc2, 0, 0);
      break;
    case LUA_TTABLE:
      if (level < MP_MAX_NESTING)
        enc_table(L, b, idx, level);
      else /* too deep: nil */
        mp_put_head(L, b, 0xc0, 0, 0);
      break;
    default:
      mp_put_head(L, b, 0xc0, 0, 0);
      break;
  }
}

static int mp_pack(lua_State *L) {
  int nargs = lua_gettop(L), i;
  mp_buf *b;
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs))
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  /* The buffer of this call, freed by its __gc if an error cuts the call
   * short. */
  b = (mp_buf *)lua_newuserdata(L, sizeof(mp_buf));
  b->p = NULL;
  b->len = b->cap = 0;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_setmetatable(L, -2);
  /* Each argument is encoded in place and its slot then holds its encoding,
   * so the stack never grows past the arguments and the buffer. Redis keeps
   * a copy of the argument being encoded (where the buffer is here) and the
   * i-1 encodings before it on top: `slack` makes the stack checks fail at
   * that same depth. */
  for (i = 1; i <= nargs; i++) {
    b->len = 0;
    b->slack = i - 1;
    enc_value(L, b, i, 0);
    lua_pushlstring(L, (const char *)b->p, b->len);
    lua_replace(L, i);
  }
  mp_buf_free(L, b);
  lua_settop(L, nargs);
  lua_concat(L, nargs);
  return 1;
}

/* ---------------------------------------------------------------- decoding */

static uint64_t rd_be(const unsigned char *p, int nbytes) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < nbytes; i++) v = (v << 8) | p[i];
  return v;
}

/* Two's complement reading of the low `bits` bits of v. */
static lua_Number as_signed(uint64_t v, int bits) {
  uint64_t sign = (uint64_t)1 << (bits - 1);
  if (v & sign) {
    uint64_t mag = ((~v) & (sign - 1 + sign)) + 1; /* -value, as unsigned */
    return -(lua_Number)mag;
  }
  return (lua_Number)v;
}

#define NEED(c, n)                           \
  do {                                       \
    if ((c)->left < (size_t)(n)) {           \
      (c)->err = MP_EOF;                     \
      return;                                \
    }                                        \
  } while (0)

static void skip(mp_cur *c, size_t n) {
  c->p += n;
  c->left -= n;
}

static void dec_value(lua_State *L, mp_cur *c, int depth);

static void dec_array(lua_State *L, mp_cur *c, size_t n, int depth) {
  lua_Number idx = 1;
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  while (n-- > 0) {
    lua_pushnumber(L, idx++);
    dec_value(L, c, depth + 1);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void dec_map(lua_State *L, mp_cur *c, size_t n, int depth) {
  lua_newtable(L);
  while (n-- > 0) {
    dec_value(L, c, depth + 1);
    if (c->err) return;
    dec_value(L, c, depth + 1);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

/* A string, array or map whose length takes `nbytes` after the type byte. */
static void dec_sized(lua_State *L, mp_cur *c, int kind, int nbytes,
                      int depth) {
  size_t n;
  NEED(c, 1 + nbytes);
  n = (size_t)rd_be(c->p + 1, nbytes);
  skip(c, 1 + (size_t)nbytes);
  if (kind == 's') {
    NEED(c, n);
    lua_pushlstring(L, (const char *)c->p, n);
    skip(c, n);
  } else if (kind == 'a') {
    dec_array(L, c, n, depth);
  } else {
    dec_map(L, c, n, depth);
  }
}

/* Decodes one object onto the stack; on failure sets c->err. */
static void dec_value(lua_State *L, mp_cur *c, int depth) {
  unsigned char t;
  NEED(c, 1);
  luaL_checkstack(L, 1,
                  "too many return values at once; "
                  "use unpack_one or unpack_limit instead.");
  if (depth > MP_MAX_DECODE_DEPTH) {
    c->err = MP_BADFMT;
    return;
  }
  t = c->p[0];
  if (t <= 0x7f) { /* positive fixint */
    lua_pushnumber(L, t);
    skip(c, 1);
  } else if (t >= 0xe0) { /* negative fixint */
    lua_pushnumber(L, (lua_Number)t - 256);
    skip(c, 1);
  } else if ((t & 0xe0) == 0xa0) { /* fixstr */
    size_t n = t & 0x1f;
    NEED(c, 1 + n);
    lua_pushlstring(L, (const char *)c->p + 1, n);
    skip(c, 1 + n);
  } else if ((t & 0xf0) == 0x90) {
    skip(c, 1);
    dec_array(L, c, t & 0x0f, depth);
  } else if ((t & 0xf0) == 0x80) {
    skip(c, 1);
    dec_map(L, c, t & 0x0f, depth);
  } else {
    switch (t) {
      case 0xc0:
        lua_pushnil(L);
        skip(c, 1);
        break;
      case 0xc2:
      case 0xc3:
        lua_pushboolean(L, t == 0xc3);
        skip(c, 1);
        break;
      case 0xcc:
      case 0xcd:
      case 0xce: {
        int nb = 1 << (t - 0xcc);
        NEED(c, 1 + nb);
        lua_pushnumber(L, (lua_Number)rd_be(c->p + 1, nb));
        skip(c, 1 + (size_t)nb);
        break;
      }
      case 0xcf: /* uint64: read as int64, as Redis does, so 2^63 and up wrap */
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        int nb = t == 0xcf ? 8 : 1 << (t - 0xd0);
        NEED(c, 1 + nb);
        lua_pushnumber(L, as_signed(rd_be(c->p + 1, nb), nb * 8));
        skip(c, 1 + (size_t)nb);
        break;
      }
      case 0xca: {
        unsigned char raw[4];
        float f;
        NEED(c, 5);
        copy_be(raw, c->p + 1, 4);
        memcpy(&f, raw, 4);
        lua_pushnumber(L, (lua_Number)f);
        skip(c, 5);
        break;
      }
      case 0xcb: {
        unsigned char raw[8];
        double d;
        NEED(c, 9);
        copy_be(raw, c->p + 1, 8);
        memcpy(&d, raw, 8);
        lua_pushnumber(L, (lua_Number)d);
        skip(c, 9);
        break;
      }
      case 0xd9: dec_sized(L, c, 's', 1, depth); break;
      case 0xda: dec_sized(L, c, 's', 2, depth); break;
      case 0xdb: dec_sized(L, c, 's', 4, depth); break;
      case 0xdc: dec_sized(L, c, 'a', 2, depth); break;
      case 0xdd: dec_sized(L, c, 'a', 4, depth); break;
      case 0xde: dec_sized(L, c, 'm', 2, depth); break;
      case 0xdf: dec_sized(L, c, 'm', 4, depth); break;
      default: c->err = MP_BADFMT; break;
    }
  }
}

/* Decodes up to `limit` objects from `offset` of argument 1. With limit and
 * offset both 0 it decodes everything and returns the objects alone;
 * otherwise the next offset (-1 at the end) comes first. */
static int mp_unpack_from(lua_State *L, lua_Integer limit,
                          lua_Integer offset) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int all = limit == 0 && offset == 0;
  int cnt;
  mp_cur c;
  if (offset < 0 || limit < 0) /* Redis prints the input length as "limit" */
    return luaL_error(L,
                      "Invalid request to unpack with offset of %d and "
                      "limit of %d.",
                      (int)offset, (int)len);
  if ((size_t)offset > len)
    return luaL_error(L, "Start offset %d greater than input length %d.",
                      (int)offset, (int)len);
  if (all) limit = INT_MAX;
  c.p = (const unsigned char *)s + offset;
  c.left = len - (size_t)offset;
  c.err = MP_OK;
  for (cnt = 0; c.left > 0 && cnt < limit; cnt++) {
    dec_value(L, &c, 0);
    if (c.err == MP_EOF) return luaL_error(L, "Missing bytes in input.");
    if (c.err == MP_BADFMT) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return cnt;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
  lua_insert(L, 2);
  return cnt + 1;
}

static int mp_unpack(lua_State *L) { return mp_unpack_from(L, 0, 0); }

/* Drops the arguments after the first, if any (none stays none). */
static void keep_first_arg(lua_State *L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

static int mp_unpack_one(lua_State *L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  keep_first_arg(L);
  return mp_unpack_from(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  keep_first_arg(L);
  return mp_unpack_from(L, limit, offset);
}

/* ------------------------------------------------------------------ module */

static const luaL_Reg mp_funcs[] = {
    {"pack", mp_pack},
    {"unpack", mp_unpack},
    {"unpack_one", mp_unpack_one},
    {"unpack_limit", mp_unpack_limit},
    {NULL, NULL},
};

int luaopen_cmsgpack(lua_State *L) {
  const luaL_Reg *r;
  lua_newtable(L);
  for (r = mp_funcs; r->name != NULL; r++) {
    if (r->func == mp_pack) { /* pack's upvalue: the metatable of buffers */
      lua_newtable(L);
      lua_pushcfunction(L, mp_buf_gc);
      lua_setfield(L, -2, "__gc");
      lua_pushcclosure(L, r->func, 1);
    } else {
      lua_pushcfunction(L, r->func);
    }
    lua_setfield(L, -2, r->name);
  }
  /* the name and version scripts can read on Redis */
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "MessagePack for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}
