// Exit codes shared by every command (documented in the README and in each --help).
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The command ran and found a failure: replay mismatches, a semver verdict failing. */
  FAILED: 1,
  /** Bad usage: unknown flag, missing argument, invalid value. */
  USAGE: 2,
  /** A capture is unreadable, corrupt or truncated (the file and byte offset are reported). */
  CAPTURE: 3,
  /** A plugin failed: rejected at load, an error return, a crash, wrong output. */
  PLUGIN: 4,
  /** Input/output failure: a file is missing, unreadable or unwritable. */
  IO: 5,
  /** An internal error: a bug in scaptool (the message says so). */
  INTERNAL: 6,
} as const

// One entry per line, no indentation: oclif wraps each line to the terminal and trims leading
// spaces (a hand-made layout would be wrapped a second time).
export const EXIT_CODES_HELP = `EXIT CODES
0: success
1: the command found a failure (e.g. replay mismatches)
2: usage error
3: unreadable, corrupt or truncated capture
4: plugin failure
5: I/O error (missing or unwritable file)
6: internal error (a bug in scaptool: please report it)`
