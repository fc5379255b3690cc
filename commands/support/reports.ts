// The report files of a run (--junit, --markdown, --html): written from the run's result, or,
// when the run fails (a damaged capture, a plugin failure, an I/O or usage error found once the
// run started), from the error, so that CI never reads a stale report from an earlier run.
// Every report is written atomically and never replaces the run's inputs, a capture or a
// golden file (src/output-file.ts).
import {Flags} from '@oclif/core'

import {writeOutputFile} from '../../src/output-file.js'
import {errorJunit} from './junit.js'
import {errorMarkdown} from './markdown.js'

export const junitFlag = {
  junit: Flags.string({description: 'Also write a JUnit XML report here (CI test dashboards; also written when the run fails)', helpValue: 'FILE'}),
}

export const markdownFlag = {
  markdown: Flags.string({description: "Also write a Markdown report here (CI step summaries: GitHub's $GITHUB_STEP_SUMMARY; also written when the run fails)", helpValue: 'FILE'}),
}

export const htmlFlag = {
  html: Flags.string({description: 'Also write a self-contained HTML report here (tables, a chart along evt.num, value distributions; no network)', helpValue: 'FILE'}),
}

export interface ReportFiles {
  junit?: string
  markdown?: string
  html?: string
}

export interface Reporters<T> {
  junit?: (result: T) => string
  markdown?: (result: T) => string
  html?: (result: T) => string
}

/** What the error reports say: `scaptool replay` of `subject`, case name. */
export interface ReportSubject {
  /** `replay`, `rules`, `diff`. */
  what: string
  subject: string
  /** The JUnit case of a run that could not complete. */
  caseName: string
}

/** Writes the reports asked for from `result`. */
export function writeReports<T>(files: ReportFiles, reporters: Reporters<T>, result: T, inputs: string[]): void {
  for (const kind of ['junit', 'markdown', 'html'] as const) {
    const file = files[kind]
    const render = reporters[kind]
    if (file && render) writeOutputFile(file, render(result), {inputs})
  }
}

/**
 * Runs `work`; if it throws, writes error reports (JUnit with one <error> case, Markdown with
 * the message) to the files asked for, then throws the error on. A report that cannot be
 * written does not hide the run's own error.
 */
export async function reportingErrors<T>(files: ReportFiles, subject: ReportSubject, inputs: string[], work: () => Promise<T>): Promise<T> {
  const started = Date.now()
  try {
    return await work()
  } catch (err) {
    const elapsed = Date.now() - started
    const write = (file: string | undefined, text: () => string) => {
      if (!file) return
      try {
        writeOutputFile(file, text(), {inputs})
      } catch (writeErr) {
        process.stderr.write(`warning: could not write the error report ${file}: ${(writeErr as Error).message}\n`)
      }
    }
    write(files.junit, () => errorJunit(`scaptool ${subject.what}`, subject.subject, subject.caseName, err, elapsed))
    write(files.markdown, () => errorMarkdown(subject.what, subject.subject, err))
    throw err
  }
}
