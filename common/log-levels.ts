/** The log levels every command accepts (pino's), apart from the logger so flag parsing does not load pino. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
