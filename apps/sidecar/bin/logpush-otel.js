#!/usr/bin/env node
/* global process */
// Entry point of the `logpush-otel` command. This file only checks the Node.js version, in syntax every Node.js
// release parses (no import statements, no modern operators), so that an old Node.js prints one clear line
// instead of a SyntaxError; then it loads ./start.js, which runs the command.
var REQUIRED = [22, 15, 0];
var parts = String(process.versions.node).split('.');
var have = [Number(parts[0]) || 0, Number(parts[1]) || 0, Number(parts[2]) || 0];
var older = false;
for (var i = 0; i < 3; i++) {
  if (have[i] !== REQUIRED[i]) {
    older = have[i] < REQUIRED[i];
    break;
  }
}
if (older) {
  process.stderr.write(
    'logpush-otel: needs Node.js ' +
      REQUIRED.join('.') +
      ' or newer, this is ' +
      process.version +
      '; inside the repository run `npx logpush-otel ...` (it uses the Node.js the repository pins)\n',
  );
  process.exit(2);
} else {
  import('./start.js').catch(function (error) {
    process.stderr.write('logpush-otel: ' + ((error && error.stack) || String(error)) + '\n');
    process.exit(1);
  });
}
