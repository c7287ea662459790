// Redis's protocol limits (server.h / networking.c).
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
export const PROTO_MAX_MULTIBULK_LENGTH = 1024 * 1024;
/** Bulk arguments at least this large are read into their own buffer (Redis's PROTO_MBULK_BIG_ARG). */
export const PROTO_MBULK_BIG_ARG = 32 * 1024;
