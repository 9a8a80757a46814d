/**
 * IVS Chat's fixed API quota: a fact of the service that the settings table (the API budget's upper
 * bound), the rate limiter and the CLI's budget check all measure against.
 */

/** IVS Chat's quota for ListRooms and GetRoom: 5 calls per second per account and region, not adjustable. */
export const IVSCHAT_QUOTA_TPS = 5;
