/** The display language and year notation, apart from React so that plain modules (and tests) can use them. */
export type Lang = 'ja' | 'en';
export type Era = 'western' | 'japanese';
