/**
 * The one time source every service reads "now" from. A function, so a test hands in a moved clock
 * (`() => new Date(Date.now() + offset)`) and production the system's; ops' ClockGuard checks the
 * system clock against NTP, it does not replace it.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
