// The direct path: command lines plain enough to need no parser run without oclif, whose load
// takes about 0.1 s of a run (most of `scaptool print capture.scap 'filter'` on a large
// capture's worth of events). Anything else (a flag, `--help`, `--`, a missing argument) goes
// to oclif, so every error message and every flag keeps a single definition.
//
// Plain forms:
//   print CAPTURE [FILTER WORDS...]   no word starts with '-'

/** Runs `argv` if it is a plain form (the exit code set, the output written); false if not. */
export async function runDirect(argv: string[]): Promise<boolean> {
  const [command, capture, ...words] = argv
  if (command !== 'print' || capture === undefined || argv.slice(1).some((a) => a.startsWith('-'))) return false
  const [{deliver}, {PRINT_DEFAULTS, runPrint}] = await Promise.all([import('./outcome.js'), import('./print-run.js')])
  await deliver(
    () => runPrint({capture, filter: words.length > 0 ? words.join(' ') : undefined, ...PRINT_DEFAULTS}, {}),
    () => false,
  )
  return true
}
