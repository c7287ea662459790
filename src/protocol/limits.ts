// Redis's protocol limits (server.h / networking.c).

/** An inline command, or a header line, that passes this without its line end is refused. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/**
 * Redis reads a client 16 KB at a time and checks the limit above after each
 * read: an inline line ending past the read that first holds over 64 KB (80
 * KB in) is refused, even when its newline came in the same write.
 */
export const INLINE_LINE_REFUSED_AT = PROTO_INLINE_MAX_SIZE + 16 * 1024;
/** A multibulk count above INT_MAX is refused. */
export const PROTO_MAX_MULTIBULK_LENGTH = 2147483647;
/** Before AUTH, a client may announce at most this many arguments... */
export const UNAUTHENTICATED_MAX_MULTIBULK_LENGTH = 10;
/** ...of at most this many bytes each. */
export const UNAUTHENTICATED_MAX_BULK_LENGTH = 16384;

/**
 * The most elements a random pick with a negative count (HRANDFIELD,
 * SRANDMEMBER) may ask for; more is refused as out of range. Redis answers
 * any count, building the reply until the client is cut or memory runs out:
 * a count of -2^62 would keep a shard busy for ever.
 */
export const MAX_REPLY_ELEMENTS = 1n << 24n;
