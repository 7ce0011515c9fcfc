// The tarball `npm pack` makes holds the ES module, its .d.ts and the README, and nothing of
// the sources or tests; package.json points at them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

test('npm pack: dist/*.js and *.d.ts, README, package.json; no sources or tests', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout);
  const files = info.files.map((f) => f.path).sort();
  assert.equal(info.name, '@jchannels/channels-browser');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  for (const f of ['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/client.js', 'dist/client.d.ts']) {
    assert.ok(files.includes(f), `${f} in ${files}`);
  }
  assert.deepEqual(files.filter((f) => f.startsWith('src/') || f.startsWith('test/')), []);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.exports['.'].import, './dist/index.js');
  assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
});
