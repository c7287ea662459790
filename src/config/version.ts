export const VERSION = '0.1.0';
/** The Redis release whose behaviour we match; INFO reports it as redis_version for clients that check it. */
export const REDIS_VERSION = '7.0.15';
