/** The CLI's exit codes (README): one table, so every command means the same by each. */
export const EXIT = { clean: 0, findings: 1, usage: 2, incomplete: 3 } as const;
