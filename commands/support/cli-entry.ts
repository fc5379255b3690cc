// What bin/run.js needs before it knows whether oclif is needed: bundled into one CommonJS file,
// dist/cli.cjs (scripts/bundle-cli.ts), so that a plain command line (the direct path) loads no
// ES module at all. Node's ES module loader costs about 10 ms of such a run: a tenth of a scan
// of 2 million events. The modules of the direct path's work are imported on demand inside the
// bundle too: `scaptool --help` loads neither them nor the addon.
export {restoreHostEnv} from '../../src/worker/host-env.js'
export {runDirect} from './direct.js'
