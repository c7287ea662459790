/*
 * The Lua 5.1 virtual machine behind EVAL and FCALL, as a Node-API addon:
 * one Lua state per thread that loads it, Redis's Lua libraries in it, and
 * the two conversions every script needs, done here in C because they run
 * for every redis.call: Lua values to a RESP reply (a script's result), and a
 * RESP reply to Lua values (what redis.call returns).
 *
 * What the JavaScript side hands in (src/scripting/lua-vm.ts):
 *   init(host)                   opens the state; host(op, bytes) serves the script's
 *                                calls into the server (HOST_* below)
 *   define(name, chunk, source)  compiles a chunk, keeps the function under `name`;
 *                                returns an error message or undefined
 *   exec(code)                   runs set-up code (the prelude) over the real globals; a table
 *                                it returns becomes the environment of every function defined
 *   run(name, keys, args, proto, kind) runs a kept function with KEYS and ARGV set
 *                                (kind 0) or as a FUNCTION library's callback (kind 1),
 *                                and returns its result as RESP bytes in `proto`
 *   loadLibrary(code), commitLibrary(prefix)   FUNCTION LOAD: runs a library, then keeps its functions
 *   forget(name), forgetAll(), memory(collect)
 *   readable(fds)                which of the fds (an Int32Array) have input waiting: their
 *                                entries are kept, the others set to -1 (poll, no wait)
 *   acceptPending(fd)            accepts one connection waiting on listening socket fd
 *                                (non-blocking): its fd, or -1. A thread busy in a script
 *                                cannot run its event loop; it accepts this way instead.
 *
 * A script's errors come back as RESP errors with Redis's trace suffix
 * ("script: <name>, on @user_script:<line>.").
 */

#define _GNU_SOURCE /* accept4 */
#include <node_api.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

int luaopen_cjson(lua_State *L);
int luaopen_bit(lua_State *L);
int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);

/* What the host callback is asked to do. */
enum {
  HOST_CALL = 1,   /* redis.call: packed arguments; returns the RESP reply (Buffer) */
  HOST_PCALL = 2,  /* redis.pcall: the same */
  HOST_LOG = 3,    /* redis.log: level byte, then the message */
  HOST_SHA1 = 4,   /* redis.sha1hex: the bytes; returns the hex string */
  HOST_BUSY = 5,   /* every so many instructions: returns an error message to stop the script */
  HOST_SET_REPL = 6,
};

/* The deepest nesting either conversion follows (Redis stops at the same kind of depth). */
#define MAX_DEPTH 1000
/* Instructions between two looks at the clock (the busy hook). */
#define HOOK_INSTRUCTIONS 100000

typedef struct {
  char *data;
  size_t length;
  size_t capacity;
} Bytes;

typedef struct {
  lua_State *L;
  napi_env env;
  napi_ref host;
  /* The RESP version redis.call replies are converted from (redis.setresp). */
  int callResp;
  /* The RESP version of the client the result goes to. */
  int clientResp;
  /* The name the running script's errors carry (its sha, or the function's name). */
  char scriptName[128];
  Bytes out;
  Bytes args;
  /* Bytes the Lua allocator holds, and the most it may. */
  size_t used;
  size_t limit;
  int running;
  /* When the library being loaded must have finished running (FUNCTION LOAD's timeout). */
  double loadDeadline;
} Vm;

static void bytes_reserve(Bytes *b, size_t more) {
  if (b->length + more <= b->capacity) return;
  size_t capacity = b->capacity ? b->capacity : 256;
  while (capacity < b->length + more) capacity *= 2;
  char *data = realloc(b->data, capacity);
  if (data == NULL) abort();
  b->data = data;
  b->capacity = capacity;
}

static void bytes_put(Bytes *b, const void *data, size_t length) {
  bytes_reserve(b, length);
  memcpy(b->data + b->length, data, length);
  b->length += length;
}

static void bytes_printf(Bytes *b, const char *format, long long value) {
  char scratch[32];
  int n = snprintf(scratch, sizeof scratch, format, value);
  bytes_put(b, scratch, (size_t)n);
}

static Vm *vm_of(lua_State *L) {
  Vm *vm;
  lua_getallocf(L, (void **)&vm);
  return vm;
}

/* The allocator: counts what the state holds and refuses past the limit (Lua then raises "not enough memory"). */
static void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Vm *vm = ud;
  if (nsize == 0) {
    vm->used -= osize;
    free(ptr);
    return NULL;
  }
  if (nsize > osize && vm->limit != 0 && vm->used + (nsize - osize) > vm->limit) return NULL;
  void *grown = realloc(ptr, nsize);
  if (grown != NULL) vm->used = vm->used - osize + nsize;
  return grown;
}

/* ---- calling the host ---------------------------------------------------- */

/* Calls host(op, bytes); leaves the result in *result. False when JavaScript threw (the exception is cleared). */
static int host_call(Vm *vm, int op, const char *data, size_t length, napi_value *result) {
  napi_env env = vm->env;
  napi_value host, global, argv[2];
  napi_get_reference_value(env, vm->host, &host);
  napi_get_global(env, &global);
  napi_create_int32(env, op, &argv[0]);
  void *copy;
  napi_create_buffer_copy(env, length, data, &copy, &argv[1]);
  if (napi_call_function(env, global, host, 2, argv, result) != napi_ok) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    return 0;
  }
  return 1;
}

/* ---- RESP to Lua (what redis.call returns) -------------------------------- */

typedef struct {
  const char *at;
  const char *end;
} Cursor;

static const char *line_end(Cursor *c) {
  const char *p = c->at;
  while (p + 1 < c->end && !(p[0] == '\r' && p[1] == '\n')) p++;
  return p;
}

static long long read_integer(Cursor *c) {
  const char *end = line_end(c);
  long long value = 0;
  int negative = 0;
  const char *p = c->at;
  if (p < end && *p == '-') { negative = 1; p++; }
  while (p < end) value = value * 10 + (*p++ - '0');
  c->at = end + 2;
  return negative ? -value : value;
}

/* Pushes one table with a single field `name` holding the string of the line. */
static void push_line_table(lua_State *L, Cursor *c, const char *name) {
  const char *end = line_end(c);
  lua_newtable(L);
  lua_pushstring(L, name);
  lua_pushlstring(L, c->at, (size_t)(end - c->at));
  lua_settable(L, -3);
  c->at = end + 2;
}

static void resp_to_lua(lua_State *L, Cursor *c, int depth);

static void push_aggregate(lua_State *L, Cursor *c, int depth, long long count) {
  lua_newtable(L);
  for (long long i = 1; i <= count; i++) {
    resp_to_lua(L, c, depth + 1);
    lua_rawseti(L, -2, (int)i);
  }
}

static void resp_to_lua(lua_State *L, Cursor *c, int depth) {
  if (depth > MAX_DEPTH || !lua_checkstack(L, 8)) luaL_error(L, "reached lua stack limit");
  char type = *c->at++;
  switch (type) {
    case ':': lua_pushnumber(L, (lua_Number)read_integer(c)); return;
    case '+': push_line_table(L, c, "ok"); return;
    case '-': push_line_table(L, c, "err"); return;
    case '$': {
      long long length = read_integer(c);
      if (length < 0) { lua_pushboolean(L, 0); return; }
      lua_pushlstring(L, c->at, (size_t)length);
      c->at += length + 2;
      return;
    }
    case '*': {
      long long count = read_integer(c);
      if (count < 0) { lua_pushboolean(L, 0); return; }
      push_aggregate(L, c, depth, count);
      return;
    }
    case '_': c->at += 2; lua_pushnil(L); return;
    case '#': lua_pushboolean(L, *c->at == 't'); c->at += 3; return;
    case ',': {
      const char *end = line_end(c);
      char scratch[64];
      size_t n = (size_t)(end - c->at) < sizeof scratch - 1 ? (size_t)(end - c->at) : sizeof scratch - 1;
      memcpy(scratch, c->at, n);
      scratch[n] = 0;
      c->at = end + 2;
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, strtod(scratch, NULL));
      lua_settable(L, -3);
      return;
    }
    case '(': push_line_table(L, c, "big_number"); return;
    case '=': {
      long long length = read_integer(c);
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "format");
      lua_pushlstring(L, c->at, 3);
      lua_settable(L, -3);
      lua_pushstring(L, "string");
      lua_pushlstring(L, c->at + 4, length >= 4 ? (size_t)length - 4 : 0);
      lua_settable(L, -3);
      lua_settable(L, -3);
      c->at += length + 2;
      return;
    }
    case '%': {
      long long count = read_integer(c);
      lua_newtable(L);
      lua_pushstring(L, "map");
      lua_newtable(L);
      for (long long i = 0; i < count; i++) {
        resp_to_lua(L, c, depth + 1);
        resp_to_lua(L, c, depth + 1);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    }
    case '~': {
      long long count = read_integer(c);
      lua_newtable(L);
      lua_pushstring(L, "set");
      lua_newtable(L);
      for (long long i = 0; i < count; i++) {
        resp_to_lua(L, c, depth + 1);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    }
    case '|': {
      /* Attributes are skipped, as Redis does: the value after them is the reply. */
      long long count = read_integer(c);
      for (long long i = 0; i < 2 * count; i++) {
        resp_to_lua(L, c, depth + 1);
        lua_pop(L, 1);
      }
      resp_to_lua(L, c, depth);
      return;
    }
    default:
      luaL_error(L, "unexpected reply from the server");
  }
}

/* ---- redis.call and redis.pcall ------------------------------------------ */

/* Raises a Lua error that is a table {err=message}, as redis.call does. */
static int raise_error_table(lua_State *L, const char *message, size_t length) {
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, message, length);
  lua_settable(L, -3);
  return lua_error(L);
}

/* Formats a number argument as the shortest text that reads back the same. */
static size_t number_text(lua_Number n, char *scratch, size_t size) {
  int written = 0;
  for (int precision = 15; precision <= 17; precision++) {
    written = snprintf(scratch, size, "%.*g", precision, (double)n);
    if (strtod(scratch, NULL) == (double)n) break;
  }
  return (size_t)written;
}

static int redis_call_common(lua_State *L, int raise) {
  Vm *vm = vm_of(L);
  int argc = lua_gettop(L);
  if (argc == 0) return raise_error_table(L, "ERR Please specify at least one argument for this redis lib call", sizeof "ERR Please specify at least one argument for this redis lib call" - 1);
  Bytes *args = &vm->args;
  args->length = 0;
  unsigned int count = (unsigned int)argc;
  bytes_put(args, &count, 4);
  for (int i = 1; i <= argc; i++) {
    const char *data;
    size_t length;
    char scratch[64];
    int type = lua_type(L, i);
    if (type == LUA_TSTRING) {
      data = lua_tolstring(L, i, &length);
    } else if (type == LUA_TNUMBER) {
      length = number_text(lua_tonumber(L, i), scratch, sizeof scratch);
      data = scratch;
    } else {
      static const char message[] = "ERR Lua redis lib command arguments must be strings or integers";
      return raise_error_table(L, message, sizeof message - 1);
    }
    unsigned int n = (unsigned int)length;
    bytes_put(args, &n, 4);
    bytes_put(args, data, length);
  }
  /* The arguments are copied: off the stack, so that a call with thousands of them leaves room for the reply. */
  lua_settop(L, 0);
  napi_value result;
  if (!host_call(vm, raise ? HOST_CALL : HOST_PCALL, args->data, args->length, &result)) {
    static const char message[] = "ERR the server failed to run the command";
    return raise_error_table(L, message, sizeof message - 1);
  }
  void *data;
  size_t length;
  if (napi_get_buffer_info(vm->env, result, &data, &length) != napi_ok || length == 0) {
    static const char message[] = "ERR the server gave no reply";
    return raise_error_table(L, message, sizeof message - 1);
  }
  Cursor cursor = { data, (const char *)data + length };
  if (raise && ((const char *)data)[0] == '-') {
    Cursor line = { (const char *)data + 1, (const char *)data + length };
    const char *end = line_end(&line);
    return raise_error_table(L, line.at, (size_t)(end - line.at));
  }
  resp_to_lua(L, &cursor, 0);
  return 1;
}

static int redis_call(lua_State *L) { return redis_call_common(L, 1); }
static int redis_pcall(lua_State *L) { return redis_call_common(L, 0); }

static int redis_setresp(lua_State *L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "redis.setresp() requires one argument.");
  int version = (int)lua_tonumber(L, 1);
  if (version != 2 && version != 3) return luaL_error(L, "RESP version must be 2 or 3.");
  vm_of(L)->callResp = version;
  return 0;
}

/* Which RESP version redis.call should ask for: the JavaScript side reads it for each call. */
static int redis_log(lua_State *L) {
  int argc = lua_gettop(L);
  if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return luaL_error(L, "First argument must be a number (log level).");
  int level = (int)lua_tonumber(L, 1);
  if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
  Vm *vm = vm_of(L);
  Bytes *b = &vm->args;
  b->length = 0;
  unsigned char byte = (unsigned char)level;
  bytes_put(b, &byte, 1);
  for (int i = 2; i <= argc; i++) {
    size_t length;
    const char *s = lua_tolstring(L, i, &length);
    if (s == NULL) continue;
    if (i > 2) bytes_put(b, " ", 1);
    bytes_put(b, s, length);
  }
  napi_value result;
  host_call(vm, HOST_LOG, b->data, b->length, &result);
  return 0;
}

static int redis_sha1hex(lua_State *L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
  size_t length;
  const char *s = lua_tolstring(L, 1, &length);
  if (s == NULL) { s = ""; length = 0; }
  Vm *vm = vm_of(L);
  napi_value result;
  char hex[41];
  size_t written = 0;
  if (!host_call(vm, HOST_SHA1, s, length, &result) || napi_get_value_string_latin1(vm->env, result, hex, sizeof hex, &written) != napi_ok) {
    return luaL_error(L, "sha1hex failed");
  }
  lua_pushlstring(L, hex, written);
  return 1;
}

static int redis_set_repl(lua_State *L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "redis.set_repl() requires one argument.");
  int flags = (int)lua_tonumber(L, 1);
  if (flags < 0 || flags > 3) return luaL_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  return 0;
}

/* ---- Lua to RESP (a script's result) -------------------------------------- */

static void put_bulk(Bytes *out, const char *data, size_t length) {
  bytes_printf(out, "$%lld\r\n", (long long)length);
  bytes_put(out, data, length);
  bytes_put(out, "\r\n", 2);
}

/* An error or status line: CR and LF inside it become spaces, as Redis writes them. */
static void put_line(Bytes *out, char prefix, const char *data, size_t length) {
  bytes_put(out, &prefix, 1);
  size_t start = out->length;
  bytes_put(out, data, length);
  for (size_t i = start; i < out->length; i++) if (out->data[i] == '\r' || out->data[i] == '\n') out->data[i] = ' ';
  bytes_put(out, "\r\n", 2);
}

static void put_null(Vm *vm) {
  if (vm->clientResp == 3) bytes_put(&vm->out, "_\r\n", 3);
  else bytes_put(&vm->out, "$-1\r\n", 5);
}

/* The string field `name` of the table at `index`, if it has one (pushed, non-NULL), else nothing pushed and NULL. */
static const char *string_field(lua_State *L, int index, const char *name, size_t *length) {
  lua_pushstring(L, name);
  lua_rawget(L, index);
  if (lua_type(L, -1) == LUA_TSTRING) return lua_tolstring(L, -1, length);
  lua_pop(L, 1);
  return NULL;
}

static void lua_to_resp(lua_State *L, Vm *vm, int depth);

/* The value on top of the stack, written as RESP and popped. */
static void value_to_resp(lua_State *L, Vm *vm, int depth) {
  lua_to_resp(L, vm, depth);
  lua_pop(L, 1);
}

static void lua_to_resp(lua_State *L, Vm *vm, int depth) {
  Bytes *out = &vm->out;
  if (depth > MAX_DEPTH || !lua_checkstack(L, 8)) {
    static const char message[] = "ERR reached lua stack limit";
    put_line(out, '-', message + 0, sizeof message - 1);
    return;
  }
  int top = lua_gettop(L);
  switch (lua_type(L, top)) {
    case LUA_TSTRING: {
      size_t length;
      const char *s = lua_tolstring(L, top, &length);
      put_bulk(out, s, length);
      return;
    }
    case LUA_TBOOLEAN:
      /* After redis.setresp(3) a boolean (RESP3's, or 1 and 0 for a RESP2 client); before, true is 1 and false null. */
      if (vm->callResp == 3) {
        if (vm->clientResp == 3) bytes_put(out, lua_toboolean(L, top) ? "#t\r\n" : "#f\r\n", 4);
        else bytes_put(out, lua_toboolean(L, top) ? ":1\r\n" : ":0\r\n", 4);
      } else if (lua_toboolean(L, top)) bytes_put(out, ":1\r\n", 4);
      else put_null(vm);
      return;
    case LUA_TNUMBER:
      bytes_printf(out, ":%lld\r\n", (long long)lua_tonumber(L, top));
      return;
    case LUA_TTABLE: break;
    default:
      put_null(vm);
      return;
  }
  size_t length;
  const char *s;
  if ((s = string_field(L, top, "err", &length)) != NULL) {
    put_line(out, '-', s, length);
    lua_pop(L, 1);
    return;
  }
  if ((s = string_field(L, top, "ok", &length)) != NULL) {
    put_line(out, '+', s, length);
    lua_pop(L, 1);
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, top);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    char scratch[64];
    size_t n = number_text(lua_tonumber(L, -1), scratch, sizeof scratch);
    lua_pop(L, 1);
    if (vm->clientResp == 3) {
      bytes_put(out, ",", 1);
      bytes_put(out, scratch, n);
      bytes_put(out, "\r\n", 2);
    } else {
      put_bulk(out, scratch, n);
    }
    return;
  }
  lua_pop(L, 1);
  if ((s = string_field(L, top, "big_number", &length)) != NULL) {
    /* As Redis: CR and LF inside it become spaces, in RESP3's line and RESP2's bulk alike. */
    if (vm->clientResp == 3) put_line(out, '(', s, length);
    else {
      put_bulk(out, s, length);
      for (size_t i = out->length - 2 - length; i < out->length - 2; i++) if (out->data[i] == '\r' || out->data[i] == '\n') out->data[i] = ' ';
    }
    lua_pop(L, 1);
    return;
  }
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, top);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int verbatim = lua_gettop(L);
    lua_getfield(L, verbatim, "format");
    lua_getfield(L, verbatim, "string");
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
      size_t formatLength, textLength;
      const char *format = lua_tolstring(L, -2, &formatLength);
      const char *text = lua_tolstring(L, -1, &textLength);
      if (vm->clientResp == 3 && formatLength == 3) {
        bytes_printf(out, "=%lld\r\n", (long long)textLength + 4);
        bytes_put(out, format, 3);
        bytes_put(out, ":", 1);
        bytes_put(out, text, textLength);
        bytes_put(out, "\r\n", 2);
      } else {
        put_bulk(out, text, textLength);
      }
      lua_pop(L, 3);
      return;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  lua_pushstring(L, "map");
  lua_rawget(L, top);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int map = lua_gettop(L);
    size_t header = out->length;
    bytes_put(out, "*0000000000\r\n", 13);
    long long count = 0;
    lua_pushnil(L);
    while (lua_next(L, map) != 0) {
      lua_pushvalue(L, -2);
      value_to_resp(L, vm, depth + 1);
      value_to_resp(L, vm, depth + 1);
      count++;
    }
    lua_pop(L, 1);
    char head[16];
    int n = vm->clientResp == 3 ? snprintf(head, sizeof head, "%%%lld\r\n", count) : snprintf(head, sizeof head, "*%lld\r\n", count * 2);
    memmove(out->data + header + n, out->data + header + 13, out->length - header - 13);
    memcpy(out->data + header, head, (size_t)n);
    out->length -= 13 - (size_t)n;
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "set");
  lua_rawget(L, top);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int set = lua_gettop(L);
    size_t header = out->length;
    bytes_put(out, "*0000000000\r\n", 13);
    long long count = 0;
    lua_pushnil(L);
    while (lua_next(L, set) != 0) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      value_to_resp(L, vm, depth + 1);
      count++;
    }
    lua_pop(L, 1);
    char head[16];
    int n = snprintf(head, sizeof head, vm->clientResp == 3 ? "~%lld\r\n" : "*%lld\r\n", count);
    memmove(out->data + header + n, out->data + header + 13, out->length - header - 13);
    memcpy(out->data + header, head, (size_t)n);
    out->length -= 13 - (size_t)n;
    return;
  }
  lua_pop(L, 1);
  /* An array: its elements up to the first nil. */
  size_t header = out->length;
  bytes_put(out, "*0000000000\r\n", 13);
  long long count = 0;
  for (int i = 1;; i++) {
    lua_rawgeti(L, top, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    value_to_resp(L, vm, depth + 1);
    count++;
  }
  char head[16];
  int n = snprintf(head, sizeof head, "*%lld\r\n", count);
  memmove(out->data + header + n, out->data + header + 13, out->length - header - 13);
  memcpy(out->data + header, head, (size_t)n);
  out->length -= 13 - (size_t)n;
}

/* ---- errors ---------------------------------------------------------------- */

/*
 * The error handler of every run: turns what was raised into a table
 * {err=..., source=..., line=...}: a string gets Redis's "ERR " in front, a
 * table raised by redis.call (or error({err=...})) keeps its text; the place
 * is the script's line that raised it (its caller's, when a C function or
 * the prelude did).
 */
static int error_handler(lua_State *L) {
  lua_Debug info;
  int level = 1;
  int found = 0;
  while (lua_getstack(L, level, &info)) {
    lua_getinfo(L, "Sl", &info);
    /* The script's own line: not a C function's, nor the prelude's (its read-only guards). */
    if (info.what[0] != 'C' && strcmp(info.source, "=prelude") != 0) { found = 1; break; }
    level++;
  }
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_pushstring(L, "err");
    lua_rawget(L, 1);
    int has_err = lua_type(L, -1) == LUA_TSTRING;
    lua_pop(L, 1);
    if (!has_err) {
      lua_newtable(L);
      lua_pushstring(L, "err");
      lua_pushstring(L, "ERR unknown error");
      lua_settable(L, -3);
      lua_replace(L, 1);
    }
  } else {
    const char *message = lua_tostring(L, 1);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushfstring(L, "ERR %s", message != NULL ? message : "unknown error");
    lua_settable(L, -3);
    lua_replace(L, 1);
  }
  lua_settop(L, 1);
  if (found) {
    lua_pushstring(L, "source");
    lua_pushstring(L, info.source);
    lua_settable(L, 1);
    lua_pushstring(L, "line");
    lua_pushinteger(L, info.currentline);
    lua_settable(L, 1);
  }
  return 1;
}

/* The error table on top of the stack as Redis's reply: its text, then where it was raised. */
static void put_script_error(lua_State *L, Vm *vm) {
  int top = lua_gettop(L);
  Bytes *out = &vm->out;
  out->length = 0;
  if (lua_type(L, top) != LUA_TTABLE) {
    const char *message = lua_tostring(L, top);
    bytes_put(out, "-ERR ", 5);
    if (message != NULL) bytes_put(out, message, strlen(message));
  } else {
    size_t length = 0;
    const char *message = string_field(L, top, "err", &length);
    bytes_put(out, "-", 1);
    if (message != NULL) {
      if (length > 0 && message[0] == '-') { message++; length--; }
      bytes_put(out, message, length);
      lua_pop(L, 1);
    }
    size_t sourceLength = 0;
    const char *source = string_field(L, top, "source", &sourceLength);
    if (source != NULL) {
      lua_pushstring(L, "line");
      lua_rawget(L, top);
      long long line = (long long)lua_tonumber(L, -1);
      lua_pop(L, 1);
      bytes_put(out, " script: ", 9);
      bytes_put(out, vm->scriptName, strlen(vm->scriptName));
      bytes_put(out, ", on ", 5);
      bytes_put(out, source, sourceLength);
      bytes_printf(out, ":%lld.", line);
      lua_pop(L, 1);
    }
  }
  for (size_t i = 1; i < out->length; i++) if (out->data[i] == '\r' || out->data[i] == '\n') out->data[i] = ' ';
  bytes_put(out, "\r\n", 2);
}

/* ---- the busy hook -------------------------------------------------------- */

static void busy_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  Vm *vm = vm_of(L);
  napi_value result;
  char message[256];
  size_t length = 0;
  if (!host_call(vm, HOST_BUSY, NULL, 0, &result)) {
    /* JavaScript cannot run: the thread is being stopped (SHUTDOWN NOSAVE while busy). The script must end for it to stop. */
    static const char stopping[] = "ERR the server is shutting down";
    memcpy(message, stopping, sizeof stopping - 1);
    length = sizeof stopping - 1;
  } else {
    napi_valuetype type;
    napi_typeof(vm->env, result, &type);
    if (type != napi_string) return;
    napi_get_value_string_latin1(vm->env, result, message, sizeof message, &length);
  }
  /* Keeps firing at once, so that a pcall catching the error cannot keep the script alive. */
  lua_sethook(L, busy_hook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, message, length);
  lua_settable(L, -3);
  lua_error(L);
}

/* ---- Node-API glue --------------------------------------------------------- */

static Vm *instance(napi_env env) {
  Vm *vm = NULL;
  napi_get_instance_data(env, (void **)&vm);
  return vm;
}

static void free_vm(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Vm *vm = data;
  if (vm->L != NULL) lua_close(vm->L);
  free(vm->out.data);
  free(vm->args.data);
  free(vm);
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* A call's arguments (missing ones undefined) and the state it works on; NULL, with an exception thrown, when none is open. */
static Vm *vm_call(napi_env env, napi_callback_info info, napi_value *argv, size_t count) {
  size_t argc = count;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Vm *vm = instance(env);
  if (vm == NULL) throw_error(env, "the Lua state is not open");
  return vm;
}

/* A string or Buffer argument's bytes (copied into `scratch` for strings, which the caller frees). */
static int bytes_arg(napi_env env, napi_value value, const char **data, size_t *length, char **scratch) {
  bool is_buffer = false;
  *scratch = NULL;
  napi_is_buffer(env, value, &is_buffer);
  if (is_buffer) return napi_get_buffer_info(env, value, (void **)data, length) == napi_ok;
  size_t size = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &size) != napi_ok) return 0;
  *scratch = malloc(size + 1);
  napi_get_value_string_utf8(env, value, *scratch, size + 1, &size);
  *data = *scratch;
  *length = size;
  return 1;
}

static void open_library(lua_State *L, const char *name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

static void set_function(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_settable(L, -3);
}

/* init(host, memoryLimit) */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (instance(env) != NULL) return throw_error(env, "the Lua state is open already");
  Vm *vm = calloc(1, sizeof(Vm));
  vm->env = env;
  vm->callResp = 2;
  double limit = 0;
  if (argc > 1) napi_get_value_double(env, argv[1], &limit);
  vm->limit = (size_t)limit;
  napi_create_reference(env, argv[0], 1, &vm->host);
  lua_State *L = lua_newstate(vm_alloc, vm);
  vm->L = L;
  /* A collection cycle starts as soon as the last ends (Lua's default waits for the heap to double): the
     state stays near what scripts keep alive, as INFO's used_memory_lua tells it. */
  lua_gc(L, LUA_GCSETPAUSE, 100);
  napi_set_instance_data(env, vm, free_vm, NULL);
  open_library(L, "", luaopen_base);
  open_library(L, LUA_TABLIBNAME, luaopen_table);
  open_library(L, LUA_STRLIBNAME, luaopen_string);
  open_library(L, LUA_MATHLIBNAME, luaopen_math);
  open_library(L, "cjson", luaopen_cjson);
  open_library(L, "bit", luaopen_bit);
  open_library(L, "struct", luaopen_struct);
  open_library(L, "cmsgpack", luaopen_cmsgpack);
  /* luaopen_cjson only returns its table. */
  lua_getglobal(L, "cjson");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushcfunction(L, luaopen_cjson);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cjson");
  } else {
    lua_pop(L, 1);
  }
  lua_newtable(L);
  set_function(L, "call", redis_call);
  set_function(L, "pcall", redis_pcall);
  set_function(L, "setresp", redis_setresp);
  set_function(L, "log", redis_log);
  set_function(L, "sha1hex", redis_sha1hex);
  set_function(L, "set_repl", redis_set_repl);
  lua_setglobal(L, "redis");
  lua_pushcfunction(L, error_handler);
  lua_setfield(L, LUA_REGISTRYINDEX, "error_handler");
  return NULL;
}

/* exec(code): runs set-up code; returns an error message or undefined. */
static napi_value js_exec(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Vm *vm = vm_call(env, info, argv, 1);
  if (vm == NULL) return NULL;
  const char *code;
  size_t length;
  char *scratch;
  if (!bytes_arg(env, argv[0], &code, &length, &scratch)) return throw_error(env, "exec wants a string");
  int failed = luaL_loadbuffer(vm->L, code, length, "=prelude") || lua_pcall(vm->L, 0, 2, 0);
  free(scratch);
  if (!failed) {
    /* What it returns: the environment every script is defined in, and the loader of FUNCTION libraries. */
    lua_setfield(vm->L, LUA_REGISTRYINDEX, "library_loader");
    lua_setfield(vm->L, LUA_REGISTRYINDEX, "globals");
    return NULL;
  }
  napi_value message;
  const char *text = lua_tostring(vm->L, -1);
  napi_create_string_utf8(env, text != NULL ? text : "error", NAPI_AUTO_LENGTH, &message);
  lua_pop(vm->L, 1);
  return message;
}

/* Pushes the registry's table of kept functions, made on first use. */
static void push_scripts(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "scripts");
  if (!lua_isnil(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "scripts");
}

/*
 * define(name, chunk, chunkName): compiles `chunk`, runs nothing, and keeps
 * the function in the registry's "scripts" table under `name`. Returns the
 * compile error's message, or undefined.
 */
static napi_value js_define(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Vm *vm = vm_call(env, info, argv, 3);
  if (vm == NULL) return NULL;
  lua_State *L = vm->L;
  const char *name, *chunk, *chunkName;
  size_t nameLength, chunkLength, chunkNameLength;
  char *s1, *s2, *s3;
  bytes_arg(env, argv[0], &name, &nameLength, &s1);
  bytes_arg(env, argv[1], &chunk, &chunkLength, &s2);
  bytes_arg(env, argv[2], &chunkName, &chunkNameLength, &s3);
  napi_value result = NULL;
  if (luaL_loadbuffer(L, chunk, chunkLength, chunkName) != 0) {
    const char *text = lua_tostring(L, -1);
    napi_create_string_utf8(env, text != NULL ? text : "error", NAPI_AUTO_LENGTH, &result);
    lua_pop(L, 1);
  } else {
    /* Its environment: the protected globals the prelude left in the registry. */
    lua_getfield(L, LUA_REGISTRYINDEX, "globals");
    if (!lua_isnil(L, -1)) lua_setfenv(L, -2);
    else lua_pop(L, 1);
    push_scripts(L);
    lua_pushlstring(L, name, nameLength);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 2);
  }
  free(s1);
  free(s2);
  free(s3);
  return result;
}

/*
 * loadLibrary(code): compiles a FUNCTION library (chunk "@user_function")
 * and runs it through the prelude's loader. Returns "O" and one line per
 * function registered (name TAB flags TAB description), the functions kept
 * aside until commitLibrary; or "C" and the compile error, or "R" and the
 * error raised while registering.
 */
/* How long a library's code may run while it loads (as Redis's FUNCTION LOAD). */
#define LOAD_TIMEOUT_MS 500

static double now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1000 + (double)now.tv_nsec / 1e6;
}

/* Stops a library whose loading code runs past LOAD_TIMEOUT_MS; keeps firing so that a pcall cannot swallow it. */
static void load_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (now_ms() < vm_of(L)->loadDeadline) return;
  lua_sethook(L, load_hook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
  lua_pushstring(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

static napi_value js_load_library(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Vm *vm = vm_call(env, info, argv, 1);
  if (vm == NULL) return NULL;
  lua_State *L = vm->L;
  const char *code;
  size_t length;
  char *scratch;
  bytes_arg(env, argv[0], &code, &length, &scratch);
  Bytes *out = &vm->out;
  out->length = 0;
  lua_settop(L, 0);
  if (luaL_loadbuffer(L, code, length, "@user_function") != 0) {
    bytes_put(out, "C", 1);
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, "library_loader");
    lua_insert(L, -2);
    vm->loadDeadline = now_ms() + LOAD_TIMEOUT_MS;
    lua_sethook(L, load_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    int status = lua_pcall(L, 1, 2, 0);
    lua_sethook(L, NULL, 0, 0);
    if (status != 0) {
      bytes_put(out, "R", 1);
      if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        lua_replace(L, -2);
      }
    } else {
      lua_pushvalue(L, -2);
      lua_setfield(L, LUA_REGISTRYINDEX, "pending_library");
      bytes_put(out, "O", 1);
    }
  }
  size_t textLength = 0;
  const char *text = lua_tolstring(L, -1, &textLength);
  if (text != NULL) bytes_put(out, text, textLength);
  lua_settop(L, 0);
  free(scratch);
  napi_value result;
  napi_create_string_utf8(env, out->data, out->length, &result);
  return result;
}

/* commitLibrary(prefix): keeps the functions of the last library loaded, each under prefix .. its name. */
static napi_value js_commit_library(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Vm *vm = vm_call(env, info, argv, 1);
  if (vm == NULL) return NULL;
  lua_State *L = vm->L;
  const char *prefix;
  size_t prefixLength;
  char *scratch;
  bytes_arg(env, argv[0], &prefix, &prefixLength, &scratch);
  push_scripts(L);
  int scripts = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "pending_library");
  if (lua_istable(L, -1)) {
    int pending = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, pending) != 0) {
      lua_pushlstring(L, prefix, prefixLength);
      lua_pushvalue(L, -3);
      lua_concat(L, 2);
      lua_insert(L, -2);
      lua_rawset(L, scripts);
    }
  }
  lua_settop(L, 0);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "pending_library");
  free(scratch);
  return NULL;
}

/* Pushes a Lua table of the Buffers in JS array `value`. */
static void push_buffer_array(napi_env env, lua_State *L, napi_value value) {
  uint32_t length = 0;
  napi_get_array_length(env, value, &length);
  lua_createtable(L, (int)length, 0);
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    napi_get_element(env, value, i, &element);
    const char *data;
    size_t size;
    char *scratch;
    bytes_arg(env, element, &data, &size, &scratch);
    lua_pushlstring(L, data, size);
    lua_rawseti(L, -2, (int)i + 1);
    free(scratch);
  }
}

static napi_value result_buffer(napi_env env, Vm *vm) {
  napi_value buffer;
  void *copy;
  napi_create_buffer_copy(env, vm->out.length, vm->out.data, &copy, &buffer);
  return buffer;
}

/*
 * run(name, keys, args, clientResp, busyEvery, errorName): runs the kept function `name`.
 * A script (EVAL) sees KEYS and ARGV as globals; a library function (FCALL) gets
 * them as its two arguments (pass mode 1). busyEvery: instructions between
 * busy checks (0: none). Returns the result or the error as RESP bytes.
 */
static napi_value js_run(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  Vm *vm = vm_call(env, info, argv, 7);
  if (vm == NULL) return NULL;
  if (vm->running) return throw_error(env, "a script is running already");
  lua_State *L = vm->L;
  const char *name, *errorName;
  size_t nameLength, errorNameLength;
  char *s1, *s2;
  int32_t clientResp = 2, mode = 0, busyEvery = 0;
  bytes_arg(env, argv[0], &name, &nameLength, &s1);
  napi_get_value_int32(env, argv[3], &clientResp);
  napi_get_value_int32(env, argv[4], &mode);
  napi_get_value_int32(env, argv[5], &busyEvery);
  bytes_arg(env, argv[6], &errorName, &errorNameLength, &s2);
  size_t copied = errorNameLength < sizeof vm->scriptName - 1 ? errorNameLength : sizeof vm->scriptName - 1;
  memcpy(vm->scriptName, errorName, copied);
  vm->scriptName[copied] = 0;
  vm->clientResp = clientResp;
  vm->callResp = 2;
  vm->out.length = 0;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, "error_handler");
  lua_getfield(L, LUA_REGISTRYINDEX, "scripts");
  lua_pushlstring(L, name, nameLength);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  free(s1);
  free(s2);
  if (!lua_isfunction(L, -1)) {
    lua_settop(L, 0);
    return throw_error(env, "no such script");
  }
  int nargs = 0;
  if (mode == 0) {
    /* Into the real globals, behind the protected ones scripts see. */
    push_buffer_array(env, L, argv[1]);
    lua_setfield(L, LUA_GLOBALSINDEX, "KEYS");
    push_buffer_array(env, L, argv[2]);
    lua_setfield(L, LUA_GLOBALSINDEX, "ARGV");
  } else {
    push_buffer_array(env, L, argv[1]);
    push_buffer_array(env, L, argv[2]);
    nargs = 2;
  }
  if (busyEvery > 0) lua_sethook(L, busy_hook, LUA_MASKCOUNT, busyEvery);
  vm->running = 1;
  int status = lua_pcall(L, nargs, 1, 1);
  vm->running = 0;
  lua_sethook(L, NULL, 0, 0);
  if (status != 0) {
    if (status == LUA_ERRMEM) {
      vm->out.length = 0;
      static const char message[] = "-ERR the script used more memory than lua-memory-limit allows\r\n";
      bytes_put(&vm->out, message, sizeof message - 1);
    } else {
      put_script_error(L, vm);
    }
  } else {
    lua_to_resp(L, vm, 0);
  }
  lua_settop(L, 0);
  /* As Redis after every script: a step of garbage collection, so garbage never piles up. */
  lua_gc(L, LUA_GCSTEP, 1);
  return result_buffer(env, vm);
}

/* The RESP version redis.call replies should come in (the script's redis.setresp). */
static napi_value js_call_resp(napi_env env, napi_callback_info info) {
  (void)info;
  Vm *vm = instance(env);
  napi_value result;
  napi_create_int32(env, vm != NULL ? vm->callResp : 2, &result);
  return result;
}

static napi_value js_forget(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Vm *vm = vm_call(env, info, argv, 1);
  if (vm == NULL) return NULL;
  const char *name;
  size_t length;
  char *scratch;
  bytes_arg(env, argv[0], &name, &length, &scratch);
  lua_getfield(vm->L, LUA_REGISTRYINDEX, "scripts");
  if (lua_istable(vm->L, -1)) {
    lua_pushlstring(vm->L, name, length);
    lua_pushnil(vm->L);
    lua_rawset(vm->L, -3);
  }
  lua_pop(vm->L, 1);
  free(scratch);
  return NULL;
}

static napi_value js_forget_all(napi_env env, napi_callback_info info) {
  (void)info;
  Vm *vm = instance(env);
  if (vm == NULL) return NULL;
  lua_newtable(vm->L);
  lua_setfield(vm->L, LUA_REGISTRYINDEX, "scripts");
  lua_gc(vm->L, LUA_GCCOLLECT, 0);
  return NULL;
}

/* memory(collect): the bytes the state holds; after a full collection when collect is true (what scripts keep alive). */
static napi_value js_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool collect = false;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &collect);
  Vm *vm = instance(env);
  if (vm != NULL && vm->L != NULL && collect) lua_gc(vm->L, LUA_GCCOLLECT, 0);
  napi_value result;
  napi_create_double(env, vm != NULL ? (double)vm->used : 0, &result);
  return result;
}

static napi_value js_readable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  int32_t ready = 0;
  if (argc >= 1 && napi_get_typedarray_info(env, argv[0], &type, &count, &data, NULL, NULL) == napi_ok && type == napi_int32_array && count > 0) {
    int32_t *fds = data;
    struct pollfd *polled = calloc(count, sizeof *polled);
    if (polled != NULL) {
      for (size_t i = 0; i < count; i++) {
        polled[i].fd = fds[i];
        polled[i].events = POLLIN;
      }
      if (poll(polled, (nfds_t)count, 0) >= 0) {
        for (size_t i = 0; i < count; i++) {
          if (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) ready++;
          else fds[i] = -1;
        }
      }
      free(polled);
    }
  }
  napi_value result;
  napi_create_int32(env, ready, &result);
  return result;
}

static napi_value js_accept_pending(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t listening = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &listening) != napi_ok) listening = -1;
  int fd = -1;
  if (listening >= 0) {
    do fd = accept4(listening, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
  }
  napi_value result;
  napi_create_int32(env, fd < 0 ? -1 : fd, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
    { "init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL },
    { "exec", NULL, js_exec, NULL, NULL, NULL, napi_default, NULL },
    { "define", NULL, js_define, NULL, NULL, NULL, napi_default, NULL },
    { "run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL },
    { "callResp", NULL, js_call_resp, NULL, NULL, NULL, napi_default, NULL },
    { "loadLibrary", NULL, js_load_library, NULL, NULL, NULL, napi_default, NULL },
    { "commitLibrary", NULL, js_commit_library, NULL, NULL, NULL, napi_default, NULL },
    { "forget", NULL, js_forget, NULL, NULL, NULL, napi_default, NULL },
    { "forgetAll", NULL, js_forget_all, NULL, NULL, NULL, napi_default, NULL },
    { "memory", NULL, js_memory, NULL, NULL, NULL, napi_default, NULL },
    { "acceptPending", NULL, js_accept_pending, NULL, NULL, NULL, napi_default, NULL },
    { "readable", NULL, js_readable, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
