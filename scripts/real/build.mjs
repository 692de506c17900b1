#!/usr/bin/env node
// npm run real:build [VERSION...]: builds the real kube-apiserver, kubeadm and kubectl the
// test/real tier runs (and etcd where Debian's is too old for kubeadm's flags), for every
// version under test/real/k8s (or those named) that is not cached yet, and prints how long
// each took. Run through tsx: the build code is shared with the tests.
//
// --for-tests (what `npm test` runs first): no Go or KUBESTRAP_REAL=skip is not an error (the
// tier then reports its tests skipped, with the reason), and a failed build is left in
// .cache/real/VERSION/build-error.log for the tier to report as a failure, so the rest of
// the suite still runs.
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildVersion } from '../../test/real/lib/build.ts';
import { buildErrorFile, realVersions } from '../../test/real/lib/cache.ts';

const args = process.argv.slice(2);
const forTests = args.includes('--for-tests');
const wanted = args.filter((a) => !a.startsWith('--'));
const versions = wanted.length > 0 ? wanted : realVersions();

if (forTests) {
  if (process.env.KUBESTRAP_REAL === 'skip') {
    console.log('real:build: KUBESTRAP_REAL=skip, the test/real tier is skipped');
    process.exit(0);
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    console.log('real:build: Go is not installed, the test/real tier is skipped');
    process.exit(0);
  }
}

const parallel = process.env.KUBESTRAP_REAL_BUILD_P ? Number(process.env.KUBESTRAP_REAL_BUILD_P) : undefined;
const started = performance.now();
let failed = false;
for (const version of versions) {
  const errorFile = buildErrorFile(version);
  rmSync(errorFile, { force: true });
  try {
    const r = await buildVersion(version, { parallel, log: (l) => console.log(`real:build: ${l}`) });
    console.log(r.built ? `real:build: ${version} built in ${r.seconds} s` : `real:build: ${version} cached`);
  } catch (e) {
    failed = true;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`real:build: ${version} failed: ${message}`);
    mkdirSync(path.dirname(errorFile), { recursive: true });
    writeFileSync(errorFile, `${message}\n`);
  }
}
console.log(`real:build took ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(failed && !forTests ? 1 : 0);
