#!/usr/bin/env node
// `roster`: the operator CLI (bin in package.json). Talks to the admin API of directory-config.
import { runCli } from './program';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
