// Type-level tests: the compiler (typescript from npm) must accept test/types/pass/*.ts and
// reject test/types/fail/*.ts with exactly the errors their `// @expect-error TSnnnn message`
// comments announce, each on the line after its comment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = join(dirname(fileURLToPath(import.meta.url)), 'types');
const files = (kind) => readdirSync(join(here, kind)).filter((f) => f.endsWith('.ts')).sort()
  .map((f) => join(here, kind, f));
const pass = files('pass');
const fail = files('fail');

const program = ts.createProgram([...pass, ...fail], {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
});
const diagnostics = ts.getPreEmitDiagnostics(program);

/** The errors the compiler reported in `file`: "line TSnnnn first line of the message". */
function actual(file) {
  return diagnostics.filter((d) => d.file?.fileName === file).map((d) => {
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
    return { line: line + 1, code: `TS${d.code}`, message };
  });
}

/** The errors announced in `file`. */
function expected(file) {
  return readFileSync(file, 'utf8').split('\n').flatMap((text, i) => {
    const m = /\/\/ @expect-error (TS\d+) (.*)$/.exec(text);
    return m ? [{ line: i + 2, code: m[1], message: m[2] }] : [];
  });
}

test('no global errors (options, libraries)', () => {
  assert.deepEqual(diagnostics.filter((d) => d.file === undefined).map((d) => d.messageText), []);
});

for (const file of pass) {
  test(`pass/${file.split('/').at(-1)} compiles`, () => assert.deepEqual(actual(file), []));
}

for (const file of fail) {
  test(`fail/${file.split('/').at(-1)} fails for the announced reasons`, () => {
    const want = expected(file);
    assert.ok(want.length > 0, 'a fail file announces its errors');
    const got = actual(file);
    assert.equal(got.length, want.length, `errors: ${JSON.stringify(got, null, 2)}`);
    want.forEach((w, i) => {
      assert.equal(got[i].line, w.line, `line of ${w.code}: ${JSON.stringify(got[i])}`);
      assert.equal(got[i].code, w.code, JSON.stringify(got[i]));
      assert.ok(got[i].message.startsWith(w.message), `message\n  got:  ${got[i].message}\n  want: ${w.message}`);
    });
  });
}
