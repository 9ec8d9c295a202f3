#!/usr/bin/env node
console.error("drain: not built yet");
process.exit(2);
