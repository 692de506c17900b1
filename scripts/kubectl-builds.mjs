#!/usr/bin/env node
// Makes sure the real kubectl builds the tests run (kubectl 1.27 to 1.33: argv checks and
// decoding every rendered file) are on this machine. Where the machine has Google Cloud
// CLI's versioned builds (/usr/lib/google-cloud-sdk/bin/kubectl.1.NN, Debian package
// `kubectl` from Google's apt repository, which CI cannot reach) those are used; every
// minor missing there is built from its published Go module (k8s.io/kubectl v0.NN.P, the
// same release as the Cloud CLI build) into .cache/kubectl/ (git-ignored), once.
//
//   node scripts/kubectl-builds.mjs          # build what is missing, print where each is
//   node scripts/kubectl-builds.mjs --list   # only print where each is (or "missing")
//   node scripts/kubectl-builds.mjs 31 33    # only these minors
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const table = JSON.parse(readFileSync(path.join(HERE, 'kubectl-releases.json'), 'utf8'));
// KUBESTRAP_KUBECTL_SDK_DIR points elsewhere, e.g. at an empty folder to try a machine without them.
const SDK_DIR = process.env.KUBESTRAP_KUBECTL_SDK_DIR ?? table.sdkDir;
const KUBECTL_RELEASES = table.releases;
const cacheDir = process.env.KUBESTRAP_KUBECTL_CACHE_DIR ?? path.join(REPO, table.cacheDir);
const listOnly = process.argv.includes('--list');
const only = process.argv.slice(2).filter((a) => /^\d+$/.test(a));

const MAIN_GO = `// kubectl's own main (k8s.io/kubernetes cmd/kubectl), built from the published modules.
package main

import (
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
`;

function goModFor(release) {
  const staging = `v0.${release.slice(3)}`;
  return [
    'module kubestrap.local/kubectl',
    '',
    'go 1.22',
    '',
    'require (',
    `\tk8s.io/client-go ${staging}`,
    `\tk8s.io/component-base ${staging}`,
    `\tk8s.io/kubectl ${staging}`,
    ')',
    '',
  ].join('\n');
}

function build(minor, release) {
  const src = path.join(cacheDir, 'src', release);
  const out = path.join(cacheDir, `kubectl.1.${minor}`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'go.mod'), goModFor(release));
  writeFileSync(path.join(src, 'main.go'), MAIN_GO);
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  const started = performance.now();
  execFileSync('go', ['mod', 'tidy'], { cwd: src, env, stdio: 'inherit' });
  const version = 'k8s.io/component-base/version';
  const ldflags = [
    `-X ${version}.gitVersion=${release}`,
    `-X ${version}.gitMajor=1`,
    `-X ${version}.gitMinor=${minor}`,
    '-s',
    '-w',
  ].join(' ');
  execFileSync('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', `${out}.tmp`, '.'], {
    cwd: src,
    env,
    stdio: 'inherit',
  });
  execFileSync('mv', [`${out}.tmp`, out]);
  return Math.round((performance.now() - started) / 1000);
}

let missing = 0;
for (const [minor, release] of Object.entries(KUBECTL_RELEASES)) {
  if (only.length > 0 && !only.includes(minor)) continue;
  const sdk = path.join(SDK_DIR, `kubectl.1.${minor}`);
  const cached = path.join(cacheDir, `kubectl.1.${minor}`);
  if (existsSync(sdk)) console.log(`kubectl 1.${minor}: ${sdk}`);
  else if (existsSync(cached)) console.log(`kubectl 1.${minor}: ${cached}`);
  else if (listOnly) {
    console.log(`kubectl 1.${minor}: missing`);
    missing++;
  } else {
    console.log(`kubectl 1.${minor}: building ${release} from k8s.io/kubectl into ${cached} ...`);
    try {
      console.log(`kubectl 1.${minor}: built in ${build(minor, release)} s`);
    } catch (e) {
      console.error(`kubectl 1.${minor}: build failed: ${e instanceof Error ? e.message : e}`);
      missing++;
    }
  }
}
process.exit(missing > 0 ? 1 : 0);
