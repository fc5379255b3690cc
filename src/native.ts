// The generated napi loader, kept private: everything else imports the typed wrappers in
// src/capture and src/index.ts, never the binding itself.
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type * as Binding from '../native/node/binding.cjs'

/** The package root: the nearest directory above this file holding native/node/binding.cjs
 * (this file runs from src/ under tsx and from dist/src/ once compiled). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'native', 'node', 'binding.cjs'))) return dir
    dir = dirname(dir)
  }
  throw new Error(
    'scaptool native binding not found (native/node/binding.cjs): run `npm run build:native` first',
  )
}

export const root = packageRoot()

export const native: typeof Binding = createRequire(import.meta.url)(
  join(root, 'native', 'node', 'binding.cjs'),
)

export type {Binding}
