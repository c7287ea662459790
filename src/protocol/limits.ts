// Redis's protocol limits (server.h / networking.c).

/** An inline command, or a header line, that passes this without its line end is refused. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** A multibulk count above INT_MAX is refused. */
export const PROTO_MAX_MULTIBULK_LENGTH = 2147483647;
/** Before AUTH, a client may announce at most this many arguments... */
export const UNAUTHENTICATED_MAX_MULTIBULK_LENGTH = 10;
/** ...of at most this many bytes each. */
export const UNAUTHENTICATED_MAX_BULK_LENGTH = 16384;
